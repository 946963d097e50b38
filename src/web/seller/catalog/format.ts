/** Small formatting shared by the catalog pages (and mirrored in seller-catalog.js). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** A byte count as people read it: `512 B`, `1.5 MiB`, `10 GiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 || value >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${shown} ${UNITS[unit]}`;
}

/** A timestamp in UTC to the minute (`2026-12-04 12:47 UTC`): the same in both languages. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
