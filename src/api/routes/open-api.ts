import type { Context } from 'hono';
import { createRoute, OpenAPIHono, z, type RouteHandler } from '@hono/zod-openapi';
import { isAppError } from '../../errors.js';
import type { ApiCredentialStore } from '../../license/api-credentials.js';
import { parseKooGalleryTime } from '../../domain/marketplace-time.js';
import type { LicenseCodeService } from '../../license/license-code-service.js';
import { verifySdkHmacSha256 } from '../../signing/sdk-hmac-sha256.js';
import { documentedOnly } from '../validation.js';
import { AUTH_ERRORS, MESSAGES, OPEN_API_CODES, openApiCode } from './open-api-codes.js';

export { OPEN_API_CODES, openApiCode } from './open-api-codes.js';

/**
 * KooGallery's License 2.0 open API for sellers' software, at KooGallery's paths, so software
 * written for KooGallery only changes its base URL:
 *   POST /api/mkp-openapi-public/global/v1/license/activate   { license, real_effect_time? }
 *   POST /api/mkp-openapi-public/global/v1/license/heartbeat  { license }
 *   POST /api/mkp-openapi-public/global/v2/license/activate   { licenses: [{ license, real_effect_time? }] }
 *   POST /api/mkp-openapi-public/global/v2/license/heartbeat  { licenses: [{ license }] }
 * Calls are signed with AK/SK (SDK-HMAC-SHA256); answers use KooGallery's envelope and codes
 * (`error_code` 92020000 ... ), never OneClick's. The v2 batch shapes are not published by
 * KooGallery; these are OneClick's, with 92020020 for an invalid code inside a batch.
 */
export const OPEN_API_BASE = '/api/mkp-openapi-public/global';
const MAX_BODY = 64 * 1024;
const MAX_BATCH = 100;

export interface OpenApiDeps {
  codes: LicenseCodeService;
  credentials: ApiCredentialStore;
  /** Logs internal failures (the answer then says only 92020001). */
  onInternalError?: (err: unknown) => void;
}

type Envelope = { error_code: string; error_msg: string; data?: unknown };
type ItemHandler = (sellerId: string, item: Record<string, unknown>) => Promise<Envelope>;

/** The bodies, as documented and as the handlers check them (after the signature). */
const license = z
  .string()
  .min(1)
  .max(64)
  .refine((s) => !s.includes('\0'), 'must not contain NUL characters');
const realEffectTime = z
  .string()
  .optional()
  .openapi({ description: 'yyyyMMddHHmmss (UTC); empty or absent: now' });
const activateItem = z.object({ license, real_effect_time: realEffectTime });
const heartbeatItem = z.object({ license });
const batchOf = (item: z.ZodType) =>
  z.object({
    licenses: z
      .array(z.union([item, license]))
      .min(1)
      .max(MAX_BATCH),
  });

/** KooGallery's envelope: business answers are 200 with an `error_code`. */
const envelope = z.object({
  error_code: z.string(),
  error_msg: z.string(),
  data: z.unknown().optional(),
});
const answers = (...statuses: (400 | 401 | 405 | 413 | 415 | 500)[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: `KooGallery ${s === 401 ? 'APIG' : 'HTTP'} error envelope`,
        content: { 'application/json': { schema: envelope } },
      },
    ]),
  );

/** One open-API operation: signed with AK/SK, its body checked by the handler after the signature. */
function signedRoute(version: 'v1' | 'v2', op: 'activate' | 'heartbeat', body: z.ZodType) {
  return createRoute({
    method: 'post',
    path: `${OPEN_API_BASE}/${version}/license/${op}`,
    summary: `License 2.0 ${op}${version === 'v2' ? ' (batch)' : ''} (KooGallery open API)`,
    tags: ['license open API'],
    security: [{ akskSignature: [] }],
    parameters: [{ name: 'X-Sdk-Date', in: 'header', required: true, schema: { type: 'string' } }],
    request: {
      body: { required: true, content: { 'application/json': { schema: documentedOnly(body) } } },
    },
    responses: {
      200: {
        description: `Answered; \`error_code\` ${OPEN_API_CODES.SUCCESS} is success`,
        content: { 'application/json': { schema: envelope } },
      },
      ...answers(400, 401, 413, 415, 500),
    },
  });
}

/** The open API as a Hono sub-app; mount at the root (`app.route('/', createOpenApiRoutes(deps))`). */
export function createOpenApiRoutes(deps: OpenApiDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  const fail = (
    c: Context,
    status: 400 | 401 | 405 | 413 | 415 | 500,
    code: string,
    msg?: string,
  ) => c.json<Envelope>({ error_code: code, error_msg: msg ?? MESSAGES[code] ?? 'error' }, status);

  /** Authenticates and parses; returns the seller and body, or a finished Response. */
  const admit = async (
    c: Context,
  ): Promise<{ sellerId: string; body: Record<string, unknown> } | Response> => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json')
      return fail(c, 415, OPEN_API_CODES.HTTP_MEDIA_TYPE, 'Content-Type must be application/json');
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > MAX_BODY) return fail(c, 413, OPEN_API_CODES.HTTP_BAD_REQUEST, 'body too large');
    let raw: Uint8Array;
    try {
      raw = new Uint8Array(await c.req.arrayBuffer());
    } catch {
      return fail(c, 400, OPEN_API_CODES.HTTP_UNREADABLE, 'unreadable body');
    }
    if (raw.byteLength > MAX_BODY)
      return fail(c, 413, OPEN_API_CODES.HTTP_BAD_REQUEST, 'body too large');
    const url = new URL(c.req.url);
    let sellerId = '';
    const verdict = await verifySdkHmacSha256(
      {
        method: c.req.method,
        rawPath: url.pathname,
        query: url.search.slice(1),
        headers: c.req.header(),
        body: raw,
      },
      async (ak) => {
        const found = await deps.credentials.lookup(ak);
        if (found) sellerId = found.sellerId;
        return found?.sk;
      },
    );
    if (!verdict.ok) {
      const e = AUTH_ERRORS[verdict.reason];
      return fail(c, 401, e.code, e.msg);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      return fail(c, 400, OPEN_API_CODES.HTTP_UNREADABLE, 'body is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return fail(c, 400, OPEN_API_CODES.BAD_PARAMETER, 'body must be a JSON object');
    }
    return { sellerId, body: body as Record<string, unknown> };
  };

  const answerError = (c: Context, err: unknown) => {
    if (isAppError(err)) {
      const code = openApiCode(err.code);
      if (code !== OPEN_API_CODES.INTERNAL)
        return c.json<Envelope>({ error_code: code, error_msg: MESSAGES[code] ?? err.message });
    }
    deps.onInternalError?.(err);
    return fail(c, 500, OPEN_API_CODES.INTERNAL);
  };

  const activateOne: ItemHandler = async (sellerId, item) => {
    const code = item.license;
    if (typeof code !== 'string' || !license.safeParse(code).success) {
      return {
        error_code: OPEN_API_CODES.BAD_PARAMETER,
        error_msg: 'license must be 1 to 64 characters',
      };
    }
    const ret = item.real_effect_time;
    if (ret !== undefined && typeof ret !== 'string') {
      return {
        error_code: OPEN_API_CODES.BAD_PARAMETER,
        error_msg: 'real_effect_time must be yyyyMMddHHmmss',
      };
    }
    const effective =
      ret === undefined || ret === '' ? undefined : parseKooGalleryTime(ret, 'real_effect_time');
    const { info } = await deps.codes.activate(sellerId, code, effective);
    // KooGallery sends license_code_info as a JSON *string*; software parses it a second time.
    return {
      error_code: OPEN_API_CODES.SUCCESS,
      error_msg: 'success',
      data: { license_code_info: JSON.stringify(info) },
    };
  };

  const queryOne: ItemHandler = async (sellerId, item) => {
    const code = item.license;
    if (typeof code !== 'string' || !license.safeParse(code).success) {
      return {
        error_code: OPEN_API_CODES.BAD_PARAMETER,
        error_msg: 'license must be 1 to 64 characters',
      };
    }
    return {
      error_code: OPEN_API_CODES.SUCCESS,
      error_msg: 'success',
      data: await deps.codes.query(sellerId, code),
    };
  };

  const single = (handler: ItemHandler) => async (c: Context) => {
    const admitted = await admit(c);
    if (admitted instanceof Response) return admitted;
    try {
      return c.json(await handler(admitted.sellerId, admitted.body));
    } catch (err) {
      return answerError(c, err);
    }
  };

  const batch = (handler: ItemHandler) => async (c: Context) => {
    const admitted = await admit(c);
    if (admitted instanceof Response) return admitted;
    const items = admitted.body.licenses;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH) {
      return c.json<Envelope>({
        error_code: OPEN_API_CODES.BAD_PARAMETER,
        error_msg: `licenses must hold 1 to ${MAX_BATCH} items`,
      });
    }
    const results: unknown[] = [];
    let anyInvalid = false;
    // Each item is its own transaction: one bad code does not undo the others (as per item codes).
    for (const raw of items as unknown[]) {
      const item = typeof raw === 'string' ? { license: raw } : raw;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        anyInvalid = true;
        results.push({
          license: null,
          error_code: OPEN_API_CODES.BAD_PARAMETER,
          error_msg: 'bad item',
        });
        continue;
      }
      const fields = item as Record<string, unknown>;
      const license = typeof fields.license === 'string' ? fields.license : null;
      let r: Envelope;
      try {
        r = await handler(admitted.sellerId, fields);
      } catch (err) {
        if (!isAppError(err) || openApiCode(err.code) === OPEN_API_CODES.INTERNAL) {
          return answerError(c, err);
        }
        const code = openApiCode(err.code);
        r = { error_code: code, error_msg: MESSAGES[code] ?? 'error' };
      }
      anyInvalid ||= r.error_code !== OPEN_API_CODES.SUCCESS;
      results.push({ license, ...r });
    }
    return c.json<Envelope>({
      error_code: anyInvalid ? OPEN_API_CODES.INVALID_IN_BATCH : OPEN_API_CODES.SUCCESS,
      error_msg: anyInvalid ? MESSAGES[OPEN_API_CODES.INVALID_IN_BATCH]! : 'success',
      data: { results },
    });
  };

  // The handlers answer KooGallery's envelope with any of the documented statuses themselves.
  type SignedRoute = ReturnType<typeof signedRoute>;
  const post = (route: SignedRoute, handler: (c: Context) => Promise<Response>) =>
    app.openapi(route, handler as unknown as RouteHandler<SignedRoute>);
  post(signedRoute('v1', 'activate', activateItem), single(activateOne));
  post(signedRoute('v1', 'heartbeat', heartbeatItem), single(queryOne));
  post(signedRoute('v2', 'activate', batchOf(activateItem)), batch(activateOne));
  post(signedRoute('v2', 'heartbeat', batchOf(heartbeatItem)), batch(queryOne));
  // Any other method or operation: KooGallery's 405. Documented for the methods a client may try.
  for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
    app.openAPIRegistry.registerPath(
      createRoute({
        method,
        path: `${OPEN_API_BASE}/{version}/license/{op}`,
        summary: 'Not an open-API operation (only POST activate and heartbeat are)',
        tags: ['license open API'],
        security: [],
        request: { params: z.object({ version: z.string(), op: z.string() }) },
        responses: answers(405),
      }),
    );
  }
  app.all(`${OPEN_API_BASE}/:version/license/:op`, (c) =>
    fail(c, 405, OPEN_API_CODES.HTTP_METHOD, 'use POST'),
  );
  return app;
}
