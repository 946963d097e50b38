import type { Translate } from '../../i18n/index.js';

/**
 * How the operator's deployment pages write times, durations and the filters of their URL: pure
 * helpers, so the list, its live rows and the timeline say the same thing the same way.
 */

/** A timestamp as `YYYY-MM-DD HH:MM:SS UTC` (operators across time zones read one clock). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A duration in words: `850 ms`, `12.4 s`, `3 min 05 s`, `2 h 07 min`. */
export function formatDuration(t: Translate, ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return t('operator.deployments.duration.ms', { n: Math.round(ms) });
  if (ms < 60_000) {
    const s = ms < 10_000 ? (Math.floor(ms / 100) / 10).toFixed(1) : String(Math.floor(ms / 1000));
    return t('operator.deployments.duration.s', { n: s });
  }
  const totalS = Math.floor(ms / 1000);
  if (totalS < 3600) {
    return t('operator.deployments.duration.min', {
      m: Math.floor(totalS / 60),
      s: String(totalS % 60).padStart(2, '0'),
    });
  }
  const totalMin = Math.floor(totalS / 60);
  return t('operator.deployments.duration.h', {
    h: Math.floor(totalMin / 60),
    m: String(totalMin % 60).padStart(2, '0'),
  });
}

/** The list's filters, as its form and the API name them. */
export const FILTER_FIELDS = ['status', 'step', 'sellerId', 'productId', 'orderId'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];
export type ListQuery = Partial<Record<FilterField | 'cursor', string>>;

/**
 * The filters (and cursor) of a list URL: blank fields dropped, values trimmed. Nothing is
 * judged here: the API validates and says what is wrong with which field.
 */
export function listQueryOf(query: Record<string, string | undefined>): ListQuery {
  const out: ListQuery = {};
  for (const key of [...FILTER_FIELDS, 'cursor'] as const) {
    const value = query[key]?.trim();
    if (value) out[key] = value.slice(0, 4096);
  }
  return out;
}

/** The query string of a list URL with these filters (`?…`, or '' when there is none). */
export function listSearch(query: ListQuery, extra: Partial<ListQuery> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, ...extra })) {
    if (value) search.set(key, value);
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

/** A failure message as a table cell shows it: its first line, cut to `max` characters. */
export function firstLine(message: string, max = 160): string {
  const line = message.split('\n', 1)[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The badge class for a deployment's status or an activity's outcome. */
export function toneOf(status: string | null | undefined): string {
  switch (status ?? '') {
    case 'succeeded':
    case 'completed':
      return 'badge ok';
    case 'failed':
    case 'timed-out':
    case 'terminated':
      return 'badge bad';
    case 'cancelled':
    case 'skipped':
      return 'badge muted';
    default:
      return 'badge warn';
  }
}
