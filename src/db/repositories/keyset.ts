/**
 * Keyset paging for lists shown newest first: rows ordered by `(created_at desc, id desc)`, a page
 * continuing strictly after the last row's pair, so rows sharing a `created_at` are neither
 * skipped nor repeated. The pair holds `created_at` as exact text (microseconds, UTC): a JS Date
 * would round it to milliseconds and lose the row's place.
 */

/** The place of a row in a newest-first list: its exact `created_at` and its id. */
export interface Keyset {
  at: string;
  id: string;
}

/** A page of a list and, when more rows follow, the keyset to continue after. */
export interface Page<T> {
  items: T[];
  next?: Keyset;
}

/** The select-list item giving a row's exact `created_at` as `keyset_at`. */
export const keysetColumn = (alias: string) =>
  `to_char(${alias}.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as keyset_at`;

/** The order of a newest-first list. */
export const newestFirst = (alias: string) => `order by ${alias}.created_at desc, ${alias}.id desc`;

/** The condition for rows after `after` (pushing its values onto `params`). */
export function afterKeyset(alias: string, after: Keyset, params: unknown[]): string {
  const at = params.push(after.at);
  const id = params.push(after.id);
  return `(${alias}.created_at, ${alias}.id) < ($${at}::timestamptz, $${id}::text)`;
}

/** Cuts the `limit + 1` rows read into a page: the extra row only says that more follow. */
export function toPage<R extends { id: string; keyset_at: string }, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
): Page<T> {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    items: shown.map(map),
    ...(rows.length > limit && last ? { next: { at: last.keyset_at, id: last.id } } : {}),
  };
}
