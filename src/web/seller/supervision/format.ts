/**
 * Pure helpers of the seller/supervision pages: reading form values into API bodies, naming
 * uploaded files the way the API accepts them, times, and the health sparkline's geometry.
 */

/** An ISO time as `YYYY-MM-DD HH:mm` in UTC (the pages say "UTC" beside it). */
export function utcText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** A form's whole number: undefined when left empty, 'invalid' when not in [min, max]. */
export function wholeNumber(
  value: unknown,
  min: number,
  max: number,
): number | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return 'invalid';
  const text = value.trim();
  if (text === '') return undefined;
  if (!/^-?\d{1,9}$/.test(text)) return 'invalid';
  const n = Number(text);
  return n >= min && n <= max ? n : 'invalid';
}

export type Features = Record<string, string | number | boolean>;

/**
 * Features written one per line as `name=value`: `true`/`false` become booleans, plain numbers
 * numbers, the rest strings. Blank lines are skipped; a bad line is named (1-based).
 */
export function parseFeatures(
  text: string,
): { ok: true; features: Features } | { ok: false; line: number } {
  const features: Features = {};
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    const value = eq > 0 ? line.slice(eq + 1).trim() : '';
    if (!name || name.length > 64 || value.length > 256) return { ok: false, line: index + 1 };
    features[name] =
      value === 'true'
        ? true
        : value === 'false'
          ? false
          : /^-?\d+(\.\d+)?$/.test(value) && value.length <= 15
            ? Number(value)
            : value;
  }
  return { ok: true, features };
}

/** Features back into the form's text (one `name=value` a line). */
export const featuresText = (features: Features | undefined): string =>
  Object.entries(features ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n');

/** A form value read: the value (undefined when left empty), or not a valid one. */
export type Read<T> = { ok: true; value: T | undefined } | { ok: false };

/**
 * A `datetime-local` value (`YYYY-MM-DDTHH:mm[:ss]`) in a browser whose clock is `offsetMinutes`
 * behind UTC (JavaScript's `getTimezoneOffset()`; 0 when unknown), as an ISO time in UTC.
 */
export function localTimeToIso(value: unknown, offsetMinutes: unknown): Read<string> {
  if (typeof value !== 'string' || value.trim() === '') return { ok: true, value: undefined };
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return { ok: false };
  const [y, mo, d, h, mi] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  const s = m[6] === undefined ? 0 : Number(m[6]);
  const offset =
    typeof offsetMinutes === 'string' && /^-?\d{1,4}$/.test(offsetMinutes)
      ? Number(offsetMinutes)
      : 0;
  if (Math.abs(offset) > 16 * 60 || h > 23 || mi > 59 || s > 59) return { ok: false };
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utc);
  // Date.UTC rolls 2025-02-30 over into March: such a date was not a real one.
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return { ok: false };
  return { ok: true, value: new Date(utc + offset * 60_000).toISOString() };
}

/** The acceptance report types the API takes, with the extension each file name gets. */
export const REPORT_TYPES: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
};
export const MAX_REPORT_BYTES = 20 * 1024 * 1024;

/**
 * A report's file name as the API accepts it (`[A-Za-z0-9][A-Za-z0-9._+-]{0,254}`): other
 * characters (spaces, Chinese) become `-`, and a name with nothing left is `acceptance-report`
 * with the type's extension.
 */
export function reportFileName(name: string, contentType: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const given = dot > 0 ? base.slice(dot + 1) : '';
  const ext = /^[A-Za-z0-9]{1,10}$/.test(given) ? given : (REPORT_TYPES[contentType] ?? 'bin');
  const stem = (dot > 0 ? base.slice(0, dot) : base)
    .replace(/[^A-Za-z0-9._+-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '')
    .slice(0, 200);
  return `${stem || 'acceptance-report'}.${ext}`;
}

export interface SparkPoint {
  /** The check's slowest call in ms. */
  ms: number;
  passed: boolean;
}

export interface Sparkline {
  width: number;
  height: number;
  /** The polyline's `points` attribute. */
  line: string;
  dots: { x: number; y: number; passed: boolean }[];
  max: number;
}

/**
 * The geometry of a small chart of checks, oldest at the left: the line is each check's slowest
 * call (0 at the bottom, the largest at the top), a dot per check coloured by its result.
 */
export function sparkline(points: readonly SparkPoint[], width = 240, height = 48): Sparkline {
  const pad = 5;
  const max = Math.max(1, ...points.map((p) => p.ms));
  const step = points.length > 1 ? (width - 2 * pad) / (points.length - 1) : 0;
  const dots = points.map((p, i) => ({
    x: round(points.length > 1 ? pad + i * step : width / 2),
    y: round(height - pad - (Math.max(0, p.ms) / max) * (height - 2 * pad)),
    passed: p.passed,
  }));
  return { width, height, line: dots.map((d) => `${d.x},${d.y}`).join(' '), dots, max };
}

const round = (n: number) => Math.round(n * 10) / 10;
