import type { Context } from 'hono';
import type { Child, FC } from 'hono/jsx';
import type { WebEnv } from '../../context.js';
import type { ApiError } from '../../api-client.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import { supervisionLabel } from '../../layout.js';
import { utcText } from './format.js';

/** Small pieces the seller/supervision pages share. */

export const STYLES = ['seller-supervision.css'];
export const SCRIPTS = ['seller-supervision.js'];

/** A time in UTC, machine-readable too. */
export const When: FC<{ t: Translate; at: string | null | undefined }> = ({ t, at }) =>
  at ? (
    <time datetime={at}>{t('seller.supervision.when', { time: utcText(at) })}</time>
  ) : (
    <>{t('seller.supervision.never')}</>
  );

const STATE_TONE: Record<string, string> = {
  completed: 'ok',
  accepted: 'ok',
  rejected: 'bad',
  seller_confirmed: 'warn',
  proof_uploaded: 'warn',
};

/** The supervision state as KooGallery names it, as a badge. */
export const StateBadge: FC<{ t: Translate; state: string }> = ({ t, state }) => (
  <span class={`badge ${STATE_TONE[state] ?? 'muted'}`}>{supervisionLabel(t, state)}</span>
);

/** A message the API gave, with its code, for a refusal no field explains. */
export const apiText = (t: Translate, error: ApiError): string =>
  t('seller.supervision.apiError', { message: error.message, code: error.code });

/** A catalogue key built from data (a state, a kind): the key when it exists, else the raw value. */
export function known(t: Translate, key: string, fallback: string): string {
  const text = t(key as MessageKey);
  return text === undefined ? fallback : text;
}

/** A one-line notice after a redirect (post/redirect/get), named by a query flag. */
export const Flash: FC<{ text: string | undefined; tone?: 'ok' | 'bad' }> = ({ text, tone }) =>
  text ? (
    <p class={`notice ${tone ?? 'ok'}`} role="status">
      {text}
    </p>
  ) : null;

/** The string value of a posted form field. */
export const field = (form: Record<string, unknown>, name: string): string => {
  const v = form[name];
  return typeof v === 'string' ? v : '';
};

/** The posted form (parsed once: the CSRF check may have read it already). */
export const formOf = async (c: Context<WebEnv>): Promise<Record<string, unknown>> =>
  c.req.parseBody();

/**
 * A table's box that scrolls sideways by itself on narrow screens: focusable and named, so a
 * keyboard user can scroll it too.
 */
export const TableWrap: FC<{ label: string; children: Child }> = ({ label, children }) => (
  <div class="table-wrap" tabindex={0} role="region" aria-label={label}>
    {children}
  </div>
);
