import { AppError } from '../errors.js';

/**
 * KooGallery's hardware fingerprint `MAC|diskId|boardId|cpuId`: upper case, several values of one
 * part joined by commas, a missing part left empty, at most 1024 characters (the
 * `deviceFingerprint` limit of the License 1.0 generator call). Pure rules, no I/O.
 *
 * Canonical form sorts and de-duplicates the values of each part, so the same machine gives the
 * same string whatever order its NICs or disks were enumerated in.
 */

/** The four parts, in the order they appear in the string. */
export const FINGERPRINT_PARTS = ['mac', 'diskId', 'boardId', 'cpuId'] as const;

/** One of `mac`, `diskId`, `boardId`, `cpuId`. */
export type FingerprintPart = (typeof FINGERPRINT_PARTS)[number];

/** The values of each part; an empty array is a missing part. */
export type FingerprintParts = Record<FingerprintPart, readonly string[]>;

/** Longest canonical fingerprint accepted (KooGallery `deviceFingerprint`). */
export const MAX_FINGERPRINT_LENGTH = 1024;

const MAC_RE = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/;
// Printable ASCII without the two separators; serials with spaces are kept as they are.
const VALUE_RE = /^[\x20-\x7E]+$/;

// Placeholders firmware vendors leave in DMI fields; an ID made of them binds to nothing.
const SENTINEL_WORDS = new Set(
  [
    'TO BE FILLED BY O.E.M.',
    'TO BE FILLED BY OEM',
    'O.E.M.',
    'OEM',
    'DEFAULT STRING',
    'NOT SPECIFIED',
    'NOT APPLICABLE',
    'NOT AVAILABLE',
    'NONE',
    'NULL',
    'N/A',
    'NA',
    'UNKNOWN',
    'SYSTEM SERIAL NUMBER',
    'BASE BOARD SERIAL NUMBER',
    'CHASSIS SERIAL NUMBER',
    'SERIAL NUMBER',
    '0123456789',
    '123456789',
    '1234567890',
  ].map((s) => s.toUpperCase()),
);

/**
 * True for a value that identifies nothing: empty, a vendor placeholder, or a hex ID made only of
 * 0s or only of Fs (all-zero/all-F UUIDs and MACs).
 */
export function isSentinelValue(value: string): boolean {
  const v = value.trim().toUpperCase();
  if (v === '') return true;
  if (SENTINEL_WORDS.has(v)) return true;
  const hex = v.replace(/[-:.\s]/g, '');
  return /^[0-9A-F]+$/.test(hex) && (/^0+$/.test(hex) || /^F+$/.test(hex));
}

/** Normalises a MAC written with `:`, `-`, `.` or no separators to `AA:BB:CC:DD:EE:FF`. */
export function normalizeMac(value: string): string {
  const hex = value.trim().toUpperCase().replace(/[-:.]/g, '');
  if (!/^[0-9A-F]{12}$/.test(hex)) {
    throw invalid(`MAC address is not 12 hex digits`, { part: 'mac' });
  }
  return hex.match(/../g)!.join(':');
}

function invalid(message: string, context?: Record<string, unknown>): AppError {
  return new AppError('INVALID_FINGERPRINT', message, { context });
}

function canonicalPart(part: FingerprintPart, values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of values) {
    let v = raw.trim().toUpperCase();
    if (part === 'mac') v = normalizeMac(v);
    if (isSentinelValue(v)) {
      throw invalid(`the ${part} part holds a placeholder value`, { part });
    }
    if (!VALUE_RE.test(v) || v.includes('|') || v.includes(',')) {
      throw invalid(`the ${part} part has characters outside printable ASCII or a separator`, {
        part,
      });
    }
    if (part === 'mac' && !MAC_RE.test(v)) throw invalid('MAC address is malformed', { part });
    out.add(v);
  }
  return [...out].sort();
}

/**
 * Builds the canonical fingerprint string from its parts. Throws AppError `INVALID_FINGERPRINT`
 * when the MAC part is empty, a value is a placeholder (all-0/all-F, "To be filled by O.E.M."),
 * holds a separator, or the result is longer than 1024 characters.
 */
export function canonicalFingerprint(parts: FingerprintParts): string {
  const canonical = FINGERPRINT_PARTS.map((p) => canonicalPart(p, parts[p]));
  if (canonical[0]!.length === 0) throw invalid('the MAC part is empty', { part: 'mac' });
  const text = canonical.map((values) => values.join(',')).join('|');
  if (text.length > MAX_FINGERPRINT_LENGTH) {
    throw invalid(`fingerprint is longer than ${MAX_FINGERPRINT_LENGTH} characters`, {
      length: text.length,
    });
  }
  return text;
}

/**
 * Parses a fingerprint string (e.g. one a buyer typed in) into canonical parts, accepting lower
 * case, spaces around values and MACs written with `-`. Throws AppError `INVALID_FINGERPRINT`.
 */
export function parseFingerprint(text: string): FingerprintParts {
  if (typeof text !== 'string') throw invalid('fingerprint must be a string');
  const trimmed = text.trim();
  // Checked before splitting so a huge input costs nothing; canonicalFingerprint checks again.
  if (trimmed.length > MAX_FINGERPRINT_LENGTH) {
    throw invalid(`fingerprint is longer than ${MAX_FINGERPRINT_LENGTH} characters`, {
      length: trimmed.length,
    });
  }
  const fields = trimmed.split('|');
  if (fields.length !== FINGERPRINT_PARTS.length) {
    throw invalid('fingerprint must have four parts MAC|diskId|boardId|cpuId', {
      parts: fields.length,
    });
  }
  const parts = Object.fromEntries(
    FINGERPRINT_PARTS.map((p, i) => {
      const field = fields[i]!.trim();
      return [p, field === '' ? [] : field.split(',').map((v) => v.trim())];
    }),
  ) as Record<FingerprintPart, string[]>;
  const canonical = canonicalFingerprint(parts);
  return splitCanonical(canonical);
}

function splitCanonical(canonical: string): FingerprintParts {
  const [mac, diskId, boardId, cpuId] = canonical
    .split('|')
    .map((field) => (field === '' ? [] : field.split(',')));
  return { mac: mac ?? [], diskId: diskId ?? [], boardId: boardId ?? [], cpuId: cpuId ?? [] };
}

/** Parses and re-formats a fingerprint string into its canonical form. */
export function normalizeFingerprint(text: string): string {
  return canonicalFingerprint(parseFingerprint(text));
}

/**
 * Names the parts that differ between two fingerprints (strings or parts), in part order; an
 * empty array means the same machine. Values are compared as sets, so reordering is no change.
 */
export function fingerprintDiff(
  a: string | FingerprintParts,
  b: string | FingerprintParts,
): FingerprintPart[] {
  const pa = typeof a === 'string' ? parseFingerprint(a) : splitCanonical(canonicalFingerprint(a));
  const pb = typeof b === 'string' ? parseFingerprint(b) : splitCanonical(canonicalFingerprint(b));
  return FINGERPRINT_PARTS.filter((p) => pa[p].join(',') !== pb[p].join(','));
}
