import { AppError } from '../errors.js';

/** KooGallery's `yyyyMMddHHmmss` (UTC) timestamp format, used by expireTime and effectiveTime. */
export function formatKooTime(date: Date): string {
  const iso = date.toISOString(); // 2026-11-24T09:14:38.123Z
  return iso.slice(0, 19).replace(/[-T:]/g, '');
}

/** Parses `yyyyMMddHHmmss` (UTC); throws VALIDATION_FAILED for anything else. */
export function parseKooTime(text: string, field = 'time'): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) throw new AppError('VALIDATION_FAILED', `${field} must be yyyyMMddHHmmss (UTC)`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Reject 20261399... that Date.UTC would silently roll over.
  if (formatKooTime(date) !== text) {
    throw new AppError('VALIDATION_FAILED', `${field} is not a real date`);
  }
  return date;
}
