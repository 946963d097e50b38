import type { Context } from 'hono';
import type { WebEnv } from '../../context.js';
import type { ApiError } from '../../api-client.js';
import type { Translate } from '../../i18n/index.js';
import { ACCEPTANCE_REPORTS_PATH } from '../../../api/routes/supervision.schema.js';
import { reportFileName } from './format.js';

/**
 * `POST /console/seller/report-upload?orderId=…&fileName=…`: the acceptance report as the raw
 * request body (seller-supervision.js sends the file itself, with the X-CSRF-Token header),
 * streamed to the API's acceptance-report upload as the signed-in seller; nothing is buffered
 * here, the API stores and hashes it. Answers JSON for the page's script: the report's sha256
 * (which the confirmation names), or the refusal in words.
 */
export async function reportUpload(c: Context<WebEnv>) {
  const t = c.get('t');
  const orderId = c.req.query('orderId') ?? '';
  const rawName = c.req.query('fileName') ?? '';
  const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(orderId) || rawName.length === 0 || rawName.length > 1024) {
    return refusal(c, 400, {
      code: 'VALIDATION_FAILED',
      message: t('seller.supervision.upload.badRequest'),
    });
  }
  const body = c.req.raw.body;
  if (!body) {
    return refusal(c, 400, {
      code: 'EMPTY_PACKAGE',
      message: t('seller.supervision.confirm.reportEmpty'),
    });
  }
  const fileName = reportFileName(rawName, contentType);
  const length = c.req.header('content-length');
  const search = new URLSearchParams({ orderId, fileName });
  const res = await c.get('api').raw(`${ACCEPTANCE_REPORTS_PATH}?${search.toString()}`, {
    method: 'POST',
    body,
    duplex: 'half',
    headers: {
      'content-type': contentType || 'application/octet-stream',
      ...(length !== undefined && /^\d+$/.test(length) && { 'content-length': length }),
    },
  });
  const answer = (await res.json().catch(() => undefined)) as
    { sha256: string; sizeBytes: number; fileName: string; error?: ApiError } | undefined;
  if (res.ok && answer) {
    return c.json(
      { sha256: answer.sha256, sizeBytes: answer.sizeBytes, fileName: answer.fileName },
      201,
    );
  }
  const error = answer?.error ?? { code: 'INTERNAL', message: `the API answered ${res.status}` };
  return refusal(c, res.status, { code: error.code, message: uploadMessage(t, error) });
}

/** The upload's refusal in the page's words. */
export function uploadMessage(t: Translate, error: ApiError): string {
  switch (error.code) {
    case 'UNSUPPORTED_MEDIA_TYPE':
      return t('seller.supervision.confirm.reportType');
    case 'PACKAGE_TOO_LARGE':
    case 'BODY_TOO_LARGE':
      return t('seller.supervision.confirm.reportTooLarge');
    case 'EMPTY_PACKAGE':
      return t('seller.supervision.confirm.reportEmpty');
    case 'NOT_FOUND':
      return t('error.notFound.body');
    default:
      return t('seller.supervision.apiError', { message: error.message, code: error.code });
  }
}

function refusal(c: Context<WebEnv>, status: number, error: { code: string; message: string }) {
  c.header('Cache-Control', 'no-store');
  return c.json(
    { error },
    status === 404 ? 404 : status === 413 ? 413 : status === 415 ? 415 : status >= 500 ? 502 : 400,
  );
}
