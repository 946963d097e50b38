import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { WebEnv } from '../../context.js';
import type { Translate } from '../../i18n/index.js';
import { page } from '../../layout.js';
import { formatBytes } from './format.js';
import type { PackageView } from './views.js';

/** The console's streamed upload (an exact path in CONSOLE_UPLOAD_PATHS: no JSON body limit). */
export const PACKAGE_UPLOAD = '/console/seller/package-upload';

/** The refusal's words for the seller, by the API's code. */
export function uploadErrorWords(t: Translate, code: string, message: string): string {
  switch (code) {
    case 'PACKAGE_TOO_LARGE': {
      const max = /(\d+) bytes/.exec(message)?.[1];
      return max
        ? t('seller.catalog.upload.error.tooLargeMax', { max: formatBytes(Number(max)) })
        : t('seller.catalog.upload.error.tooLarge');
    }
    case 'EMPTY_PACKAGE':
      return t('seller.catalog.upload.error.empty');
    case 'INVALID_FILE_NAME':
      return t('seller.catalog.upload.error.fileName');
    case 'PACKAGE_CHECKSUM_MISMATCH':
      return t('seller.catalog.upload.error.checksum');
    case 'PACKAGE_UPLOAD_BROKEN':
      return t('seller.catalog.upload.error.broken');
    case 'NOT_FOUND':
      return t('seller.catalog.upload.error.product');
    case 'ROUTE_NOT_FOUND':
    case 'METHOD_NOT_ALLOWED':
      return t('seller.catalog.upload.error.disabled');
    default:
      return t('seller.catalog.upload.error.other', { code });
  }
}

/**
 * Without JavaScript the upload form is a GET (no file, no token sent) answered by this page; a
 * multipart post (from elsewhere) is refused by the CSRF check, which reads no upload body.
 */
function needsScriptPage(c: Context<WebEnv>, productId: string | undefined) {
  const t = c.get('t');
  const origin = new URL(c.req.url).origin;
  return page(
    c,
    {
      title: t('seller.catalog.upload.noScript.title'),
      styles: ['seller-catalog.css'],
      children: (
        <>
          <p class="notice bad" role="alert">
            {t('seller.catalog.upload.noScript.body')}
          </p>
          <p>{t('seller.catalog.upload.noScript.curl')}</p>
          <pre>
            <code>
              {`curl -X POST -H "Authorization: Bearer $ONECLICK_API_KEY" \\\n  -H "Content-Type: application/octet-stream" --data-binary @app-1.0.tar.gz \\\n  "${origin}/v1/packages?fileName=app-1.0.tar.gz&productId=${productId ?? ''}"`}
            </code>
          </pre>
          {productId && (
            <p>
              <a href={`/console/seller/products/${encodeURIComponent(productId)}`}>
                {t('seller.catalog.upload.backToProduct')}
              </a>
            </p>
          )}
        </>
      ),
    },
    400,
  );
}

/**
 * `POST|PUT /console/seller/package-upload?product=<id>&fileName=<name>`: the raw file streams
 * through to `POST /v1/packages` as the signed-in seller (never buffered here: the request's body
 * stream is the API request's body), and the API's result (or refusal, in words) comes back as
 * JSON for seller-catalog.js.
 */
export function packageUploadRoutes() {
  return new Hono<WebEnv>()
    .get('/package-upload', (c) => needsScriptPage(c, c.req.query('product')))
    .on(['POST', 'PUT'], '/package-upload', async (c) => {
      const t = c.get('t');
      const productId = c.req.query('product');
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded') {
        return needsScriptPage(c, productId);
      }
      if (!productId) {
        return c.json(
          {
            error: { code: 'PRODUCT_REQUIRED', message: t('seller.catalog.upload.error.product') },
          },
          400,
        );
      }
      const query = new URLSearchParams({
        productId,
        fileName: c.req.query('fileName') ?? c.req.header('x-file-name') ?? '',
      });
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      for (const name of ['content-length', 'x-content-sha256']) {
        const value = c.req.header(name);
        if (value) headers[name] = value;
      }
      const res = await c.get('api').raw(`/v1/packages?${query.toString()}`, {
        method: 'POST',
        headers,
        body: c.req.raw.body,
        signal: c.req.raw.signal,
        // A streamed request body (undici's option; not in TypeScript's RequestInit).
        ...({ duplex: 'half' } as object),
      });
      const answer = (await res.json().catch(() => undefined)) as
        (PackageView & { error?: { code: string; message: string } }) | undefined;
      c.header('Cache-Control', 'no-store');
      if (res.ok && answer) {
        return c.json(
          {
            id: answer.id,
            fileName: answer.fileName,
            sha256: answer.sha256,
            sizeBytes: answer.sizeBytes,
            size: formatBytes(answer.sizeBytes),
          },
          201,
        );
      }
      const code = answer?.error?.code ?? 'INTERNAL';
      return c.json(
        { error: { code, message: uploadErrorWords(t, code, answer?.error?.message ?? '') } },
        res.status as ContentfulStatusCode,
      );
    });
}
