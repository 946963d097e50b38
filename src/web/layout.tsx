import type { Context } from 'hono';
import type { Child, FC } from 'hono/jsx';
import { raw } from 'hono/html';
import type { Role } from '../db/repositories/principals.js';
import type { WebEnv } from './context.js';
import type { MessageKey, Translate } from './i18n/index.js';
import { csrfToken, CSRF_FIELD } from './csrf.js';

/** Where each role's pages live and what the navigation offers them (label key, path). */
export const NAV: Record<Role, readonly [MessageKey, string][]> = {
  buyer: [
    ['nav.buyer.orders', '/console/buyer/orders'],
    ['nav.buyer.cloudAccounts', '/console/buyer/cloud-accounts'],
  ],
  seller: [
    ['nav.seller.products', '/console/seller/products'],
    ['nav.seller.keys', '/console/seller/keys'],
    ['nav.seller.generators', '/console/seller/generators'],
    ['nav.seller.orders', '/console/seller/orders'],
    ['nav.seller.credentials', '/console/seller/credentials'],
  ],
  operator: [
    ['nav.operator.deployments', '/console/operator/deployments'],
    ['nav.operator.charts', '/console/operator/charts'],
    ['nav.operator.principals', '/console/operator/principals'],
    ['nav.operator.generators', '/console/operator/generators'],
    ['nav.operator.audit', '/console/operator/audit'],
  ],
};

/** A role's start page. */
export const homeOf = (role: Role): string => NAV[role][0]![1];

/** The hidden CSRF field every form carries. */
export const CsrfField: FC<{ token: string }> = ({ token }) => (
  <input type="hidden" name={CSRF_FIELD} value={token} />
);

interface PageProps {
  title: string;
  children?: Child;
  /** Extra scripts this page needs (served from /console/assets). */
  scripts?: string[];
  /** Extra stylesheets this page needs (served from /console/assets). */
  styles?: string[];
}

/**
 * Every page's frame: language, skip link, the role's navigation, sign-out, the main landmark.
 * htmx sends the CSRF token on every request it makes (`hx-headers` on body).
 */
export function page(
  c: Context<WebEnv>,
  props: PageProps,
  status: 200 | 400 | 403 | 404 | 409 | 422 | 500 | 502 | 503 = 200,
) {
  const t = c.get('t');
  const lang = c.get('lang');
  const session = c.get('session');
  const token = csrfToken(c);
  const here = new URL(c.req.url).pathname;
  c.header('Cache-Control', 'no-store');
  return c.html(
    <>
      {raw('<!doctype html>')}
      {
        <html lang={lang === 'zh' ? 'zh-CN' : 'en'}>
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}' />
            <title>{`${props.title} · ${t('app.name')}`}</title>
            <link rel="stylesheet" href="/console/assets/console.css" />
            {(props.styles ?? []).map((s) => (
              <link rel="stylesheet" href={`/console/assets/${s}`} />
            ))}
            <script src="/console/assets/htmx.min.js" defer></script>
            <script src="/console/assets/sse.js" defer></script>
            <script src="/console/assets/console.js" defer></script>
            {(props.scripts ?? []).map((s) => (
              <script src={`/console/assets/${s}`} defer></script>
            ))}
          </head>
          <body hx-headers={JSON.stringify({ 'X-CSRF-Token': token })}>
            <a class="skip" href="#main">
              {t('nav.skip')}
            </a>
            <header class="top">
              <a class="brand" href="/console">
                {t('app.name')}
              </a>
              {session && (
                <nav aria-label={t('nav.main')}>
                  <ul>
                    {NAV[session.principal.role].map(([key, href]) => (
                      <li>
                        <a href={href} aria-current={here.startsWith(href) ? 'page' : undefined}>
                          {t(key)}
                        </a>
                      </li>
                    ))}
                  </ul>
                </nav>
              )}
              <div class="top-tools">
                <LanguageSwitch t={t} lang={lang} back={here} />
                {session && (
                  <form method="post" action="/console/sign-out" class="inline">
                    <CsrfField token={token} />
                    <span class="who">
                      {t('nav.signedInAs', {
                        name: session.principal.name,
                        role: t(`role.${session.principal.role}`),
                      })}
                    </span>
                    <button type="submit" class="link">
                      {t('nav.signOut')}
                    </button>
                  </form>
                )}
              </div>
            </header>
            <main id="main" tabindex={-1}>
              <h1>{props.title}</h1>
              {props.children}
            </main>
          </body>
        </html>
      }
    </>,
    status,
  );
}

const LanguageSwitch: FC<{ t: Translate; lang: string; back: string }> = ({ t, lang, back }) => (
  <nav aria-label={t('nav.language')} class="lang">
    <a
      href={`/console/lang/en?back=${encodeURIComponent(back)}`}
      lang="en"
      aria-current={lang === 'en' ? 'true' : undefined}
    >
      English
    </a>
    <a
      href={`/console/lang/zh?back=${encodeURIComponent(back)}`}
      lang="zh-CN"
      aria-current={lang === 'zh' ? 'true' : undefined}
    >
      简体中文
    </a>
  </nav>
);

/** A labelled form field with its error (in words, tied to the input for screen readers). */
export const Field: FC<{
  name: string;
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  children: Child;
}> = ({ name, label, error, hint, children }) => (
  <div class={error ? 'field invalid' : 'field'}>
    <label for={`f-${name}`}>{label}</label>
    {hint && (
      <p class="hint" id={`f-${name}-hint`}>
        {hint}
      </p>
    )}
    {children}
    {error && (
      <p class="error" id={`f-${name}-error`} role="alert">
        {error}
      </p>
    )}
  </div>
);

/**
 * A wide table's box, scrolling sideways by itself at phone width. A region that scrolls must be
 * reachable from the keyboard (axe: scrollable-region-focusable), so it is focusable and named by
 * the table's caption (give the caption `id={labelledBy}`).
 */
/**
 * The pager under a paged list: back to the first page (once past it) and on to the next page
 * (the API's cursor); nothing when there is neither.
 */
export const Pager: FC<{
  label: string;
  firstHref?: string;
  firstText: string;
  nextHref?: string;
  nextText: string;
}> = ({ label, firstHref, firstText, nextHref, nextText }) =>
  firstHref || nextHref ? (
    <nav class="pager" aria-label={label}>
      {firstHref && <a href={firstHref}>{firstText}</a>}
      {nextHref && (
        <a href={nextHref} rel="next">
          {nextText}
        </a>
      )}
    </nav>
  ) : (
    <></>
  );

export const TableWrap: FC<{ labelledBy: string; children: Child }> = ({
  labelledBy,
  children,
}) => (
  <div class="table-wrap" tabindex={0} role="region" aria-labelledby={labelledBy}>
    {children}
  </div>
);

/** `aria-describedby` for a field's input: its hint and error ids. */
export const describedBy = (name: string, error?: string, hint?: string): string | undefined =>
  [hint && `f-${name}-hint`, error && `f-${name}-error`].filter(Boolean).join(' ') || undefined;

/** The supervision state's KooGallery name. */
export const supervisionLabel = (t: Translate, state: string): string => {
  const key = `supervision.${state}` as MessageKey;
  const text = t(key);
  return text === undefined ? state : text;
};
