import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import {
  findPrincipalByApiKey,
  hashApiKey,
  markApiKeyUsed,
  type Principal,
} from '../db/repositories/principals.js';
import {
  deleteConsoleSession,
  findConsoleSession,
  insertConsoleSession,
  pruneConsoleSessions,
} from '../db/repositories/console-sessions.js';
import type { WebEnv } from './context.js';
import type { Sql } from '../db/sql.js';

/**
 * Console sessions. Signing in with an API key stores a random token's hash (never the key) with
 * the key's hash, a CSRF token and an absolute expiry, and sets the token as an HttpOnly,
 * SameSite=Strict cookie (Secure over https). Any node reads the row, so a browser is signed in on
 * every API node; revoking the key ends its sessions at once; signing out deletes the row.
 */

export const SESSION_COOKIE = 'oc_session';
export const DEFAULT_SESSION_MS = 12 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const token = () => randomBytes(32).toString('base64url');

/** True when the browser reached OneClick over HTTPS (directly or through a proxy). */
export const overHttps = (c: Context) =>
  new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

/** Equal strings, compared in constant time. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieOptions(c: Context, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    secure: overHttps(c),
    sameSite: 'Strict' as const,
    ...(maxAgeSeconds !== undefined && { maxAge: maxAgeSeconds }),
  };
}

/** Reads the session cookie into `c.var.session` (undefined when absent, expired or revoked). */
export function readSession(): MiddlewareHandler<WebEnv> {
  let lastPrune = 0;
  return async (c, next) => {
    const db = c.get('deps').db;
    const raw = getCookie(c, SESSION_COOKIE);
    let session: WebEnv['Variables']['session'] = undefined;
    if (raw && raw.length <= 128) {
      const tokenHash = sha256(raw);
      const row = await findConsoleSession(db, tokenHash);
      if (row) session = { principal: row.principal, csrfToken: row.csrfToken, tokenHash };
    }
    c.set('session', session);
    const now = Date.now();
    if (now - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = now;
      await pruneConsoleSessions(db);
    }
    await next();
  };
}

/** The principal of a console session cookie's token, when it is live (the codec accepts it). */
export async function consoleSessionPrincipal(
  db: Sql,
  raw: string,
): Promise<Principal | undefined> {
  if (raw.length > 128) return undefined;
  return (await findConsoleSession(db, sha256(raw)))?.principal;
}

/** Opens a session for the key's principal; undefined when the key is unknown or revoked. */
export async function signIn(
  c: Context<WebEnv>,
  apiKey: string,
  sessionMs: number,
): Promise<Principal | undefined> {
  const db = c.get('deps').db;
  const principal = await findPrincipalByApiKey(db, apiKey);
  if (!principal) return undefined;
  await markApiKeyUsed(db, hashApiKey(apiKey));
  const raw = token();
  await insertConsoleSession(db, {
    tokenHash: sha256(raw),
    keyHash: hashApiKey(apiKey),
    csrfToken: token(),
    expiresAt: new Date(Date.now() + sessionMs),
  });
  setCookie(c, SESSION_COOKIE, raw, cookieOptions(c, Math.floor(sessionMs / 1000)));
  return principal;
}

export async function signOut(c: Context<WebEnv>): Promise<void> {
  const session = c.get('session');
  if (session) await deleteConsoleSession(c.get('deps').db, session.tokenHash);
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
}
