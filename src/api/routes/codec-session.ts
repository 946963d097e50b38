import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { AppError } from '../../errors.js';
import {
  findPrincipalByApiKey,
  findPrincipalByApiKeyHash,
  hashApiKey,
} from '../../db/repositories/principals.js';
import type { AppEnv } from '../context.js';
import { defineRoute, ok, resourceRoutes } from '../contract.js';
import { requireApiKey } from '../middleware/auth.js';
import { SESSION_COOKIE, consoleSessionPrincipal } from '../../web/session.js';

/**
 * The Temporal UI calls the codec from the browser and cannot hold a OneClick key: its
 * `passAccessToken` sends the UI's own login token (and only to an HTTPS endpoint), its
 * `includeCredentials` sends the cookies the browser has for the codec's site. So an operator
 * signs the browser in here once, with their operator key, and gets an HttpOnly cookie scoped to
 * `/codec` that the codec routes accept where a bearer key is absent. The cookie is not the key:
 * it names the key by its stored hash, with an expiry, signed with a key derived from the master
 * key. It opens nothing but the codec, ends after 12 hours whatever the browser does, and ends at
 * once when the operator's key is revoked. An operator signed in to OneClick's console needs none
 * of this where the UI is on the same site: the console's session cookie is accepted too.
 */

export const CODEC_COOKIE = 'oneclick_codec_session';
const SESSION_SECONDS = 12 * 60 * 60;
const FORM_TYPE = /^application\/x-www-form-urlencoded(;.*)?$/i;

const signInForm = z.object({
  apiKey: z.string().min(1).max(512).openapi({ description: "The operator's API key" }),
});

/** True when the browser reached OneClick over HTTPS (directly or through a proxy). */
const overHttps = (c: Context) =>
  new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

const mac = (sessionKey: Buffer, text: string) =>
  createHmac('sha256', sessionKey).update(text).digest('base64url');

/** `<key hash>.<expiry ms>.<mac>`: a session for the key with this hash, until the expiry. */
export function codecSessionToken(sessionKey: Buffer, apiKey: string, expiresAtMs: number): string {
  const body = `${hashApiKey(apiKey)}.${expiresAtMs}`;
  return `${body}.${mac(sessionKey, body)}`;
}

/** The key hash a session token names, when its signature holds and it has not expired. */
function sessionKeyHash(sessionKey: Buffer, token: string, now: number): string | undefined {
  const [hash, expires, signature, ...rest] = token.split('.');
  if (!hash || !expires || !signature || rest.length > 0 || !/^\d{1,15}$/.test(expires)) return;
  const expected = Buffer.from(mac(sessionKey, `${hash}.${expires}`));
  const got = Buffer.from(signature);
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) return;
  return Number(expires) > now ? hash : undefined;
}

/**
 * The codec routes' key check: the bearer key when one is sent (the CLI's `--codec-auth`),
 * otherwise the signed-in browser's session cookie; 401 without either, as for `/v1`.
 */
export function codecAuth(sessionKey: Buffer): MiddlewareHandler<AppEnv> {
  const bearer = requireApiKey();
  return async (c, next) => {
    const token = getCookie(c, CODEC_COOKIE);
    const consoleToken = getCookie(c, SESSION_COOKIE);
    if (c.req.header('authorization') === undefined && token === undefined && consoleToken) {
      // An operator signed in to OneClick's console: the UI on the same site sends that cookie.
      const principal = await consoleSessionPrincipal(c.get('deps').db, consoleToken);
      if (!principal) {
        throw new AppError('INVALID_API_KEY', 'the console session is over; sign in again');
      }
      if (principal.role !== 'operator')
        throw new AppError('FORBIDDEN', 'the codec is for operators');
      c.set('principal', principal);
      return next();
    }
    if (c.req.header('authorization') !== undefined || token === undefined) return bearer(c, next);
    const hash = sessionKeyHash(sessionKey, token, Date.now());
    const principal = hash && (await findPrincipalByApiKeyHash(c.get('deps').db, hash));
    if (!principal) {
      throw new AppError(
        'INVALID_API_KEY',
        'the codec session is over or its key revoked; sign in again',
      );
    }
    if (principal.role !== 'operator') {
      throw new AppError('FORBIDDEN', 'the codec is for operators');
    }
    c.set('principal', principal);
    await next();
  };
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};

const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>OneClick codec</title></head><body>${body}</body></html>`;

const tags = ['operators'];

/** `/codec/session`: the sign-in page, the sign-in itself and the sign-out. */
export function codecSessionRoutes(sessionKey: Buffer) {
  const form = defineRoute({
    method: 'get',
    path: '/session',
    summary: "Sign-in page: lets a browser's Temporal UI call the codec with an operator key",
    tags,
    auth: 'none',
    errors: [],
    responses: { 200: ok('An HTML form') },
  });
  const signIn = defineRoute({
    method: 'post',
    path: '/session',
    summary:
      "Sign the browser in for the Temporal UI's codec calls (operators): an HttpOnly cookie on /codec",
    tags,
    auth: 'none',
    // The key arrives in the form, so the role is checked here rather than by `roles`.
    middleware: [
      async (c, next) => {
        if (!FORM_TYPE.test(c.req.header('content-type') ?? '')) {
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the form as x-www-form-urlencoded');
        }
        const body = await c.req.parseBody();
        const apiKey = typeof body.apiKey === 'string' ? body.apiKey : '';
        const principal = apiKey && (await findPrincipalByApiKey(c.get('deps').db, apiKey));
        if (!principal) throw new AppError('INVALID_API_KEY', 'unknown or revoked API key');
        if (principal.role !== 'operator') {
          throw new AppError(
            'FORBIDDEN',
            `the codec needs an operator key; this is a ${principal.role} key`,
          );
        }
        c.set('principal', principal);
        await next();
      },
    ],
    request: {
      body: {
        required: true,
        content: { 'application/x-www-form-urlencoded': { schema: signInForm } },
      },
    },
    errors: ['INVALID_API_KEY', 'FORBIDDEN', 'UNSUPPORTED_MEDIA_TYPE'],
    responses: { 200: ok('Signed in; the page says what to turn on in the UI') },
  });
  const signOut = defineRoute({
    method: 'delete',
    path: '/session',
    summary: 'Sign the browser out of the codec (forgets the cookie)',
    tags,
    auth: 'none',
    errors: [],
    responses: { 204: ok('Signed out') },
  });
  return resourceRoutes()
    .openapi(form, (c) =>
      c.body(
        page(
          '<h1>OneClick codec for the Temporal UI</h1>' +
            '<form method="post" action="session">' +
            '<label>Operator API key <input type="password" name="apiKey" autocomplete="off" required></label> ' +
            '<button type="submit">Sign in</button></form>',
        ),
        200,
        PAGE_HEADERS,
      ),
    )
    .openapi(signIn, (c) => {
      const https = overHttps(c);
      const token = codecSessionToken(
        sessionKey,
        c.req.valid('form').apiKey,
        Date.now() + SESSION_SECONDS * 1000,
      );
      setCookie(c, CODEC_COOKIE, token, {
        path: '/codec',
        httpOnly: true,
        // Over HTTPS a UI on another site may send it (CORS still admits only the UI's origin);
        // over plain HTTP only a UI on the same host name as OneClick.
        secure: https,
        sameSite: https ? 'None' : 'Strict',
        maxAge: SESSION_SECONDS,
      });
      return c.body(
        page(
          '<h1>Signed in</h1><p>For the next 12 hours this browser may decode OneClick payloads ' +
            'in the Temporal UI. In the UI, open the codec server settings and turn on ' +
            '<em>Include cross-origin credentials</em>.</p>',
        ),
        200,
        PAGE_HEADERS,
      );
    })
    .openapi(signOut, (c) => {
      deleteCookie(c, CODEC_COOKIE, { path: '/codec', secure: overHttps(c) });
      return c.body(null, 204);
    });
}
