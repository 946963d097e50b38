import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError, httpStatusFor } from '../errors.js';
import type { AppEnv } from './context.js';

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
