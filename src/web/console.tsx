import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Role } from '../db/repositories/principals.js';
import type { WebEnv } from './context.js';
import { ConsoleApi, type ApiFetch } from './api-client.js';
import { isLang, pickLang, translator } from './i18n/index.js';
import { DEFAULT_SESSION_MS, cookieOptions, readSession, signIn, signOut } from './session.js';
import { requireCsrf } from './csrf.js';
import { assetRoutes } from './assets.js';
import { homeOf } from './layout.js';
import {
  apiErrorPage,
  csrfRefusedPage,
  forbiddenPage,
  internalErrorPage,
  notFoundPage,
  unreadableFormPage,
} from './pages/errors.js';
import { AppError } from '../errors.js';
import { httpStatusFor } from '../api/errors.js';
import { safeNext, signInPage } from './pages/sign-in.js';
import { buyerPages } from './buyer/index.js';
import { sellerPages } from './seller/index.js';
import { operatorPages } from './operator/index.js';

export const LANG_COOKIE = 'oc_lang';
export { CONSOLE_UPLOAD_PATHS } from './upload-paths.js';

export interface ConsoleOptions {
  /** The API app's in-process fetch: pages act through the JSON API as the signed-in principal. */
  api: ApiFetch;
  /** How long a sign-in lasts (default 12 hours, absolute). */
  sessionMs?: number;
}

/**
 * Content-Security-Policy: scripts and styles only from this origin (htmx is served from
 * node_modules), no framing, forms post only here.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** Requires a signed-in principal of one of `roles`; sets `c.var.api` to act as it. */
function signedIn(api: ApiFetch, roles?: Role[]) {
  return async (c: Context<WebEnv>, next: () => Promise<void>) => {
    const session = c.get('session');
    if (!session) {
      if (c.req.method === 'GET') {
        const here = new URL(c.req.url);
        return c.redirect(
          `/console/sign-in?next=${encodeURIComponent(here.pathname + here.search)}`,
          303,
        );
      }
      return signInPage(c, { notice: c.get('t')('signIn.expired') }, 400);
    }
    if (roles && !roles.includes(session.principal.role)) return forbiddenPage(c);
    c.set('api', new ConsoleApi(api, session.principal, c.get('requestId')));
    await next();
  };
}

/** The console: sign-in, the three roles' pages, their assets. Mounted at /console. */
export function consoleRoutes(options: ConsoleOptions) {
  const sessionMs = options.sessionMs ?? DEFAULT_SESSION_MS;
  const web = new Hono<WebEnv>();
  web.use('*', async (c: Context<WebEnv>, next) => {
    const lang = pickLang(getCookie(c, LANG_COOKIE), c.req.header('accept-language'));
    c.set('lang', lang);
    c.set('t', translator(lang));
    await next();
    // A page the API rendered with its own (stricter) policy keeps it: the delivery evidence.
    if (!c.res.headers.has('Content-Security-Policy')) c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    c.header('Vary', 'Cookie, Accept-Language');
  });
  web.route('/assets', assetRoutes());
  web.use('*', readSession(), requireCsrf(csrfRefusedPage, unreadableFormPage));

  web.get('/lang/:lang', (c) => {
    const lang = c.req.param('lang');
    if (!isLang(lang)) return notFoundPage(c);
    setCookie(c, LANG_COOKIE, lang, { ...cookieOptions(c, 365 * 24 * 3600), httpOnly: false });
    return c.redirect(safeNext(c.req.query('back')) ?? '/console', 303);
  });

  web.get('/sign-in', (c) => {
    const session = c.get('session');
    const next = safeNext(c.req.query('next'));
    if (session) return c.redirect(next ?? homeOf(session.principal.role), 303);
    const t = c.get('t');
    return signInPage(c, {
      next,
      ...(c.req.query('signed-out') !== undefined && { notice: t('signIn.signedOut') }),
    });
  });
  web.post('/sign-in', async (c) => {
    const t = c.get('t');
    const form = await c.req.parseBody();
    const apiKey = typeof form.apiKey === 'string' ? form.apiKey.trim() : '';
    const next = safeNext(form.next);
    if (!apiKey) return signInPage(c, { error: t('signIn.required'), next }, 400);
    if (apiKey.length > 512) return signInPage(c, { error: t('signIn.invalid'), next }, 400);
    const principal = await signIn(c, apiKey, sessionMs);
    if (!principal) return signInPage(c, { error: t('signIn.invalid'), next }, 400);
    return c.redirect(next ?? homeOf(principal.role), 303);
  });
  web.post('/sign-out', async (c) => {
    await signOut(c);
    return c.redirect('/console/sign-in?signed-out', 303);
  });

  web.get('/', signedIn(options.api), (c) =>
    c.redirect(homeOf(c.get('session')!.principal.role), 303),
  );
  web.use('/buyer/*', signedIn(options.api, ['buyer']));
  web.use('/seller/*', signedIn(options.api, ['seller']));
  web.use('/operator/*', signedIn(options.api, ['operator']));
  web.route('/buyer', buyerPages());
  web.route('/seller', sellerPages());
  web.route('/operator', operatorPages());
  web.all('*', notFoundPage);
  // A page never answers the API's JSON error: a refusal as a page, anything else logged and a
  // page naming the request id.
  web.onError((err, c) => {
    if (err instanceof AppError && httpStatusFor(err) < 500) {
      return apiErrorPage(c, { code: err.code, message: err.message }, httpStatusFor(err));
    }
    c.get('log')?.error({ err }, 'console page failed');
    return internalErrorPage(c);
  });
  return web;
}
