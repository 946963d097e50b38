import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../errors.js';
import type { AppEnv } from './context.js';

/**
 * Code → HTTP status: the one place an error code becomes a status. Codes not listed answer 400.
 * Domain and adapter code never picks a status; a code that needs one other than 400 gets a row.
 */
export const statusByCode: Readonly<Record<string, number>> = {
  // request shape
  BAD_JSON: 400,
  VALIDATION_FAILED: 400,
  BODY_TOO_LARGE: 413,
  PACKAGE_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_TIMEOUT: 408,
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  // who is calling
  UNAUTHENTICATED: 401,
  INVALID_API_KEY: 401,
  BAD_SIGNATURE: 401,
  TIMESTAMP_OUT_OF_WINDOW: 401,
  FORBIDDEN: 403,
  // what is missing
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  PACKAGE_NOT_FOUND: 404,
  NO_DEPLOYMENT: 404,
  LICENSE_CODE_UNKNOWN: 404,
  METHOD_NOT_ALLOWED: 405,
  // state that forbids the request
  CONFLICT: 409,
  NONCE_REPLAYED: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  DATA_DIR_IN_USE: 409,
  ORDER_CONFLICT: 409,
  ORDER_NOT_DEPLOYABLE: 409,
  ORDER_ALREADY_DEPLOYED: 409,
  ORDER_NOT_ACTIVE: 409,
  ORDER_CLOSED: 409,
  NO_ACTIVE_DEPLOYMENT: 409,
  NO_DELIVERY: 409,
  NOT_AWAITING_HARDWARE_ID: 409,
  INVALID_STATE_TRANSITION: 409,
  ACCEPTANCE_REPORT_REQUIRED: 409,
  ACCEPTANCE_REPORT_NOT_FOUND: 404,
  INVALID_ACTIVATION_TIME: 400,
  LICENSE_MODEL_MISMATCH: 409,
  LICENSE_REVOKED: 409,
  LICENSE_RELEASED: 409,
  LICENSE_BOUND_TO_OTHER_MACHINE: 409,
  LICENSE_CODE_NOT_CLAIMED: 409,
  LICENSE_CODE_NOT_ACTIVATED: 409,
  LICENSE_CODE_STATE: 409,
  GENERATOR_NOT_ACTIVE: 409,
  GENERATOR_NOT_REMOTE: 409,
  KEY_ALREADY_REGISTERED: 409,
  KEY_IS_ACTIVE: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  RATE_LIMITED: 429,
  REBIND_LIMIT_REACHED: 429,
  // our side
  INTERNAL: 500,
  UNAVAILABLE: 503,
  OBJECT_STORE_UNAVAILABLE: 503,
  // the seller's license generator failed (src/license/generator-client.ts)
  GENERATOR_TIMEOUT: 502,
  GENERATOR_UNREACHABLE: 502,
  GENERATOR_BAD_RESPONSE: 502,
  GENERATOR_BAD_SIGNATURE: 502,
  GENERATOR_REFUSED: 502,
  // Huawei Cloud answered (src/cloud/errors.ts)
  CLOUD_NOT_FOUND: 404,
  CLOUD_THROTTLED: 429,
  CLOUD_SERVER_ERROR: 502,
  CLOUD_UNAVAILABLE: 502,
  CLOUD_TIMEOUT: 502,
  CLOUD_NOT_READY: 502,
  // The credentials of a linked account (or OneClick's own) do not work: fix them, not retry.
  CLOUD_AUTH_FAILED: 422,
  CLOUD_FORBIDDEN: 502,
  CLOUD_ACCOUNT_RESTRICTED: 502,
  CLOUD_CONFLICT: 502,
  CLOUD_QUOTA_EXCEEDED: 502,
  CLOUD_BAD_PASSWORD: 502,
  CLOUD_SUBNET_FULL: 502,
  CLOUD_INVALID_REQUEST: 502,
  // Which cloud account and region (src/cloud/connector.ts, regions.ts, page-markers.ts)
  CLOUD_ACCOUNT_NOT_FOUND: 404,
  CLOUD_ACCOUNT_NAME_TAKEN: 409,
  CLOUD_ACCOUNT_IN_USE: 409,
  AGENCY_NAME_NOT_YOURS: 400,
  CLOUD_ACCOUNT_REQUIRED: 400,
  CLOUD_REGION_UNKNOWN: 400,
  INVALID_PAGE_MARKER: 400,
  // operators (src/api/routes/deployments-operator.ts, codec.ts)
  DEPLOYMENT_RUNNING: 409,
  DEPLOYMENT_NOT_RUNNING: 409,
  RETRY_NEEDS_PASSWORD: 409,
  PAYLOAD_NOT_DECODABLE: 400,
};

/** The HTTP status an error (or an error code) answers with. */
export function httpStatusFor(err: AppError | string): number {
  return statusByCode[typeof err === 'string' ? err : err.code] ?? 400;
}

/** The one error envelope: `{ error: { code, message, requestId } }`. */
export function errorResponse(
  c: Context<AppEnv>,
  status: number,
  code: string,
  message: string,
): Response {
  return c.json(
    { error: { code, message, requestId: c.get('requestId') ?? 'unknown' } },
    status as ContentfulStatusCode,
  );
}

/** Three tiers: ours (AppError) → Hono's HTTPException → anything else (logged, 500). */
export function onError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof AppError) {
    const status = httpStatusFor(err);
    if (status >= 500) c.get('log')?.error({ err, code: err.code }, 'request failed');
    return errorResponse(c, status, err.code, err.message);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code =
      status === 413
        ? 'BODY_TOO_LARGE'
        : status === 401
          ? 'UNAUTHENTICATED'
          : status === 404
            ? 'NOT_FOUND'
            : 'BAD_REQUEST';
    return errorResponse(c, status, code, err.message || 'bad request');
  }
  c.get('log')?.error({ err }, 'unhandled error');
  return errorResponse(c, 500, 'INTERNAL', 'internal error');
}
