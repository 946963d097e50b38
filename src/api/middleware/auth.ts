import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../errors.js';
import {
  findPrincipalByApiKey,
  hashApiKey,
  markApiKeyUsed,
  type Role,
} from '../../db/repositories/principals.js';
import type { AppEnv } from '../context.js';
import type { ConsoleCallEnv } from '../../web/api-client.js';

/**
 * Bearer API key → principal. A missing or unknown key answers 401 before any route runs. The
 * console calls the API in process with its signed-in principal in the request's environment
 * (`src/web/api-client.ts`), which no network request can set.
 */
export function requireApiKey(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const fromConsole = (c.env as Partial<ConsoleCallEnv> | undefined)?.consolePrincipal;
    if (fromConsole) {
      c.set('principal', fromConsole);
      return next();
    }
    const header = c.req.header('authorization');
    if (!header) throw new AppError('UNAUTHENTICATED', 'missing Authorization: Bearer <api key>');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1]) throw new AppError('UNAUTHENTICATED', 'Authorization must be Bearer <api key>');
    const db = c.get('deps').db;
    const principal = await findPrincipalByApiKey(db, m[1]);
    if (!principal) throw new AppError('INVALID_API_KEY', 'unknown or revoked API key');
    // "Last used" for the operators' key list: written at most every 5 minutes per key.
    await markApiKeyUsed(db, hashApiKey(m[1]));
    c.set('principal', principal);
    await next();
  };
}

/** Refuses principals whose role is not listed (403 FORBIDDEN). */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const role = c.get('principal').role;
    if (!roles.includes(role)) {
      throw new AppError(
        'FORBIDDEN',
        `this operation needs role ${roles.join(' or ')}; your key is a ${role} key`,
      );
    }
    await next();
  };
}
