import type { FC } from 'hono/jsx';
import type { Translate } from '../../i18n/index.js';
import { Pager as PagerNav } from '../../layout.js';

/** Pieces the operator/admin pages share: times, durations, the pager. */

export const ADMIN_BASE = '/console/operator';
export const ADMIN_ASSETS = { scripts: ['operator-admin.js'], styles: ['operator-admin.css'] };

/** `2026-05-14 12:03 UTC`: the console shows server times in UTC, as the charts count days. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A time element with its machine-readable value. */
export const Time: FC<{ iso: string | null | undefined }> = ({ iso }) =>
  iso ? <time datetime={iso}>{formatTime(iso)}</time> : <></>;

/** A duration in words: `0.4 s`, `12 s`, `3 min 5 s`. */
export function formatSeconds(t: Translate, seconds: number): string {
  if (seconds < 10) {
    const n = Math.round(seconds * 10) / 10;
    return t('operator.admin.duration.seconds', { n: n.toFixed(n % 1 === 0 ? 0 : 1) });
  }
  if (seconds < 120) return t('operator.admin.duration.seconds', { n: Math.round(seconds) });
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  return whole % 60 === 0
    ? t('operator.admin.duration.wholeMinutes', { m })
    : t('operator.admin.duration.minutes', { m, s: whole % 60 });
}

/** A URL of this list with `changes` applied to its query (empty values dropped). */
export function listUrl(
  path: string,
  query: Record<string, string | undefined>,
  changes: Record<string, string | undefined> = {},
): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, ...changes })) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Next page (the API's cursor) and, past the first page, a way back to it. */
export const Pager: FC<{
  t: Translate;
  path: string;
  query: Record<string, string | undefined>;
  next: string | null;
}> = ({ t, path, query, next }) => (
  <PagerNav
    label={t('operator.admin.pager')}
    firstHref={query.cursor ? listUrl(path, query, { cursor: undefined }) : undefined}
    firstText={t('operator.admin.firstPage')}
    nextHref={next ? listUrl(path, query, { cursor: next }) : undefined}
    nextText={t('common.next')}
  />
);

/** A query parameter as a trimmed string, or undefined when absent or blank. */
export function param(value: string | undefined, max = 200): string | undefined {
  const v = value?.trim();
  return v && v.length <= max ? v : undefined;
}
