import { AppError } from '../errors.js';

/** Parses KooGallery's UTC `yyyyMMddHHmmss` timestamps (expireTime, real_effect_time). */
export function parseKooGalleryTime(text: string, field: string): Date {
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
  // Date.UTC rolls 20261332 over into the next year; a round trip catches it.
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new AppError('VALIDATION_FAILED', `${field} is not a real date`);
  }
  return date;
}

/** Formats a Date as KooGallery's UTC `yyyyMMddHHmmss`. */
export function formatKooGalleryTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
