import type { Child, FC } from 'hono/jsx';
import type { ApiError } from '../api-client.js';
import type { Translate } from '../i18n/index.js';
import { supervisionLabel } from '../layout.js';
import { utcText } from './format.js';
import { known } from './live-panel.js';

/** Small pieces the buyer's pages share. */

export const STYLES = ['buyer.css'];
export const SCRIPTS = ['buyer.js'];

/** A time in UTC, machine-readable too. */
export const When: FC<{ at: string | null | undefined; t: Translate }> = ({ at, t }) =>
  at ? <time datetime={at}>{utcText(at)}</time> : <>{t('buyer.never')}</>;

const SUPERVISION_TONE: Record<string, string> = {
  completed: 'ok',
  accepted: 'ok',
  rejected: 'bad',
  seller_confirmed: 'warn',
  awaiting_hardware_id: 'warn',
};

/** The supervision state as KooGallery names it, as a badge. */
export const SupervisionBadge: FC<{ t: Translate; state: string; id?: string }> = ({
  t,
  state,
  id,
}) => (
  <span class={`badge ${SUPERVISION_TONE[state] ?? 'muted'}`} id={id}>
    {supervisionLabel(t, state)}
  </span>
);

export const modelLabel = (t: Translate, model: string) => known(t, `licenseModel.${model}`, model);
export const orderStatusLabel = (t: Translate, status: string) =>
  known(t, `orderStatus.${status}`, status);

/** The words for an API refusal: the console's own for the codes it knows, else the API's. */
export function refusal(t: Translate, error: ApiError): string {
  const mine = known(t, `buyer.code.${error.code}`, '');
  return t('buyer.refused', { code: error.code, message: mine || error.message });
}

/** A one-line notice after a redirect (post/redirect/get). */
export const Flash: FC<{ text: string | undefined; tone?: 'ok' | 'bad' }> = ({ text, tone }) =>
  text ? (
    <p class={`notice ${tone ?? 'ok'}`} role={tone === 'bad' ? 'alert' : 'status'}>
      {text}
    </p>
  ) : null;

/** A form-wide error (no field to put it beside). */
export const FormError: FC<{ text: string | undefined }> = ({ text }) =>
  text ? (
    <p class="form-error" role="alert">
      {text}
    </p>
  ) : null;

/** A table's box that scrolls sideways by itself on narrow screens, focusable and named. */
export const TableWrap: FC<{ label: string; children: Child }> = ({ label, children }) => (
  <div class="table-wrap" tabindex={0} role="region" aria-label={label}>
    {children}
  </div>
);

/** The string value of a posted form field (trimmed unless told). */
export const field = (form: Record<string, unknown>, name: string, trim = true): string => {
  const v = form[name];
  if (typeof v !== 'string') return '';
  return trim ? v.trim() : v;
};
