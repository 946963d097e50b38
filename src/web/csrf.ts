import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { randomBytes } from 'node:crypto';
import type { WebEnv } from './context.js';
import { cookieOptions, sameToken } from './session.js';
import { CONSOLE_UPLOAD_PATHS } from './upload-paths.js';

/**
 * CSRF: every state-changing console request carries the session's token, as the form field
 * `_csrf` (plain forms) or the `X-CSRF-Token` header (htmx, fetch), and, when the browser names
 * an `Origin`, comes from this origin. Before sign-in (the sign-in form itself) the token is a
 * random cookie the form repeats (double submit), so no other site can sign a browser in.
 */

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SIGN_IN_COOKIE = 'oc_signin_csrf';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const FORM = /^(application\/x-www-form-urlencoded|multipart\/form-data)(;.*)?$/i;

/** The token a form posted (header first, then the body's `_csrf` field when it is a form). */
async function postedToken(c: Context<WebEnv>): Promise<string | undefined> {
  const header = c.req.header(CSRF_HEADER);
  if (header) return header;
  // A streamed upload is never read whole to look for a form field.
  if (CONSOLE_UPLOAD_PATHS.includes(c.req.path)) return undefined;
  if (!FORM.test(c.req.header('content-type') ?? '')) return undefined;
  // Read (and cached) by requireCsrf already: the handler reads the same form.
  const body = await c.req.parseBody().catch((): Record<string, unknown> => ({}));
  const value = body[CSRF_FIELD];
  return typeof value === 'string' ? value : undefined;
}

function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** True when the request may change state: safe method, or same origin and the right token. */
export async function csrfHolds(c: Context<WebEnv>): Promise<boolean> {
  if (SAFE.has(c.req.method)) return true;
  if (!sameOrigin(c)) return false;
  const expected = c.get('session')?.csrfToken ?? getCookie(c, SIGN_IN_COOKIE);
  return sameToken(await postedToken(c), expected);
}

/** Refuses (403 page via `refuse`) any unsafe request without a valid token. */
export function requireCsrf(
  refuse: (c: Context<WebEnv>) => Response | Promise<Response>,
  unreadable: (c: Context<WebEnv>) => Response | Promise<Response>,
): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    // A form body is read (and cached for the handler) before anything acts on it, so a broken
    // one is one clear 400 here rather than an error in whichever handler reads it first.
    if (
      !SAFE.has(c.req.method) &&
      FORM.test(c.req.header('content-type') ?? '') &&
      !CONSOLE_UPLOAD_PATHS.includes(c.req.path)
    ) {
      try {
        await c.req.parseBody();
      } catch {
        return unreadable(c);
      }
    }
    if (!(await csrfHolds(c))) return refuse(c);
    await next();
  };
}

/** The sign-in form's token: the cookie's, or a new one set now. */
export function signInToken(c: Context<WebEnv>): string {
  const made = c.get('signInCsrf');
  if (made) return made;
  const existing = getCookie(c, SIGN_IN_COOKIE);
  const token =
    existing && /^[A-Za-z0-9_-]{43}$/.test(existing)
      ? existing
      : randomBytes(32).toString('base64url');
  if (token !== existing) setCookie(c, SIGN_IN_COOKIE, token, cookieOptions(c, 60 * 60));
  c.set('signInCsrf', token);
  return token;
}

/** The token this page's forms carry. */
export const csrfToken = (c: Context<WebEnv>): string =>
  c.get('session')?.csrfToken ?? signInToken(c);
