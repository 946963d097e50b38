import { AppError } from '../errors.js';

/**
 * Paging for the catalogue lists. Callers page with an opaque `marker`; each API pages its own
 * way (VPC v1 and IMS: the last id; VPC v3: `page_info.next_marker`; ECS ListServersDetails: a
 * page number from 1). The page number is wrapped with its page size, so the next page is the
 * same slice of the list even when the caller asks with another limit.
 */

/** Most items one page of a catalogue list returns; the APIs allow more, a form needs fewer. */
export const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;

/** The page size to ask for: the caller's, within 1..MAX_PAGE. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE;
  return Math.min(MAX_PAGE, Math.max(1, Math.floor(limit)));
}

const PREFIX = 'p1.';

/** The marker for page `page` (from 1) of `limit` items. */
export function encodePageMarker(page: number, limit: number): string {
  return PREFIX + Buffer.from(`${page}:${limit}`, 'utf8').toString('base64url');
}

/** Reads a marker made by encodePageMarker; anything else is INVALID_PAGE_MARKER (a 400). */
export function decodePageMarker(marker: string): { page: number; limit: number } {
  const bad = () =>
    new AppError('INVALID_PAGE_MARKER', 'the page marker is not one this list handed out');
  if (!marker.startsWith(PREFIX)) throw bad();
  const m = /^(\d{1,9}):(\d{1,4})$/.exec(
    Buffer.from(marker.slice(PREFIX.length), 'base64url').toString('utf8'),
  );
  if (!m) throw bad();
  const page = Number(m[1]);
  const limit = Number(m[2]);
  if (page < 1 || limit < 1 || limit > MAX_PAGE) throw bad();
  return { page, limit };
}

/**
 * Checks a marker that the API itself hands out (an id): it is passed on as a query value, so
 * only the characters ids use are let through.
 */
export function idMarker(marker: string | undefined): string | undefined {
  if (marker === undefined || marker === '') return undefined;
  if (!/^[A-Za-z0-9_.:=-]{1,256}$/.test(marker)) {
    throw new AppError('INVALID_PAGE_MARKER', 'the page marker is not one this list handed out');
  }
  return marker;
}
