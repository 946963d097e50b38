import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import { seal, unseal, type WrappingKey } from './seal.js';

/**
 * License 2.0 authorization codes: `PL-XXXXXXX-XXXXXXX-XXXXXXC`, 20 random symbols (100 bits) of
 * Crockford's base32 (no I, L, O, U: nothing to misread) and a Luhn mod 32 check symbol that
 * catches every single-symbol typo and most swaps of neighbours before any lookup. The `PL` prefix
 * follows KooGallery's sample codes. Codes are stored as a SHA-256 hash (lookup) and sealed
 * (display to the owner); 100 random bits make the plain hash safe against guessing.
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_PREFIX = 'PL';
const RANDOM_SYMBOLS = 20;
const GROUP = 7;
/** KooGallery's limit on the `license` field. */
export const MAX_CODE_INPUT = 64;

/** Makes a new random code in canonical form (no separators). */
export function generateLicenseCode(): string {
  // 256 is a multiple of 32, so masking a byte to 5 bits is uniform (no modulo bias).
  const body = [...randomBytes(RANDOM_SYMBOLS)].map((b) => CODE_ALPHABET[b & 31]).join('');
  return CODE_PREFIX + body + checkSymbol(body);
}

/** Groups a canonical code for people: `PL-ABCDEFG-HJKMNPQ-RSTVWX5`. */
export function formatLicenseCode(canonical: string): string {
  const body = canonical.slice(CODE_PREFIX.length);
  const groups: string[] = [];
  for (let i = 0; i < body.length; i += GROUP) groups.push(body.slice(i, i + GROUP));
  return [CODE_PREFIX, ...groups].join('-');
}

/**
 * Reads a code as a person typed it (any case, dashes or spaces, O for 0, I or L for 1) and returns
 * its canonical form; throws LICENSE_CODE_MALFORMED or LICENSE_CODE_CHECK_FAILED.
 */
export function parseLicenseCode(input: string): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_CODE_INPUT) {
    throw malformed(`must be 1 to ${MAX_CODE_INPUT} characters`);
  }
  let text = input.toUpperCase().replace(/[\s-]/g, '');
  if (!text.startsWith(CODE_PREFIX)) throw malformed(`must start with ${CODE_PREFIX}`);
  text = text.slice(CODE_PREFIX.length).replace(/O/g, '0').replace(/[IL]/g, '1');
  if (text.length !== RANDOM_SYMBOLS + 1) {
    throw malformed(`must have ${RANDOM_SYMBOLS + 1} symbols after ${CODE_PREFIX}`);
  }
  for (const ch of text) {
    if (!CODE_ALPHABET.includes(ch)) throw malformed(`contains a character that is never used`);
  }
  if (luhnSum(text, 1) % 32 !== 0) {
    throw new AppError('LICENSE_CODE_CHECK_FAILED', 'The authorization code has a typo');
  }
  return CODE_PREFIX + text;
}

/** The lookup hash of a canonical code (hex SHA-256). */
export function hashLicenseCode(canonical: string): string {
  return createHash('sha256').update(`license-code:${canonical}`, 'utf8').digest('hex');
}

/** Seals a canonical code for later display to its owner. */
export function sealLicenseCode(canonical: string, wrap: WrappingKey): string {
  return seal(canonical, wrap, 'license-code');
}

/** Opens a sealed code. */
export function unsealLicenseCode(sealed: string, wraps: WrappingKey | readonly WrappingKey[]) {
  return unseal(sealed, wraps, 'license-code').toString('utf8');
}

/** The Luhn mod 32 check symbol for `body`. */
export function checkSymbol(body: string): string {
  return CODE_ALPHABET[(32 - (luhnSum(body, 2) % 32)) % 32] as string;
}

// Luhn mod N from the right: every other symbol doubled, the double folded back into base N.
function luhnSum(text: string, firstFactor: 1 | 2): number {
  let factor = firstFactor;
  let sum = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const value = CODE_ALPHABET.indexOf(text[i] as string);
    const addend = factor * value;
    sum += Math.floor(addend / 32) + (addend % 32);
    factor = factor === 2 ? 1 : 2;
  }
  return sum;
}

function malformed(why: string): AppError {
  return new AppError('LICENSE_CODE_MALFORMED', `The authorization code ${why}`);
}
