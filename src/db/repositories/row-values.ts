/**
 * Column values as the drivers hand them over: PGlite and `pg` answer timestamps as Date or as
 * text depending on the column and the driver, so every repository reads them through these.
 */

/** A timestamp column as ISO-8601 text; null stays null. */
export function iso(d: Date | string): string;
export function iso(d: Date | string | null): string | null;
export function iso(d: Date | string | null): string | null {
  return d === null ? null : new Date(d).toISOString();
}

/** A timestamp column as a Date; null stays null. */
export function toDate(d: Date | string): Date;
export function toDate(d: Date | string | null): Date | null;
export function toDate(d: Date | string | null): Date | null {
  return d === null ? null : new Date(d);
}
