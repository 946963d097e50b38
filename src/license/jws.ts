import { AppError } from '../errors.js';
import { signBytes, verifyBytes, type SigningKey, type VerifyingKey } from './keys.js';

/**
 * JWS compact serialization (RFC 7515) over node:crypto. Small on purpose: OneClick only signs JSON
 * payloads with its own three algorithms, and any JOSE library (or `openssl`) verifies the result.
 */

export interface JwsHeader {
  alg: string;
  kid: string;
  typ?: string;
}

// The encoded header depends only on the key and typ: encode it once per pair.
const headerCache = new WeakMap<SigningKey, Map<string, string>>();

function encodedHeader(key: SigningKey, typ: string | undefined): string {
  let byTyp = headerCache.get(key);
  if (!byTyp) headerCache.set(key, (byTyp = new Map<string, string>()));
  let encoded = byTyp.get(typ ?? '');
  if (encoded === undefined) {
    const header: JwsHeader = typ
      ? { alg: key.alg, kid: key.kid, typ }
      : { alg: key.alg, kid: key.kid };
    encoded = b64(JSON.stringify(header));
    byTyp.set(typ ?? '', encoded);
  }
  return encoded;
}

/** Signs a JSON payload; the header carries the key's alg and kid. */
export function signCompact(key: SigningKey, payload: object, typ?: string): string {
  const input = `${encodedHeader(key, typ)}.${b64(JSON.stringify(payload))}`;
  return `${input}.${signBytes(key, Buffer.from(input, 'ascii')).toString('base64url')}`;
}

export interface DecodedJws {
  header: JwsHeader;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
/** Larger tokens are refused before any parsing: licenses are a few hundred bytes. */
export const MAX_JWS_LENGTH = 64 * 1024;

/** Splits and parses a compact JWS without checking its signature. */
export function decodeCompact(token: string): DecodedJws {
  const text = token.trim();
  if (text.length > MAX_JWS_LENGTH) throw malformed('is too large');
  const parts = text.split('.');
  if (parts.length !== 3 || parts.some((p) => !B64URL.test(p))) {
    throw malformed('must be three base64url parts joined by dots');
  }
  const [h = '', p = '', s = ''] = parts;
  const header = parseJson(h, 'header');
  if (typeof header.alg !== 'string' || typeof header.kid !== 'string') {
    throw malformed('header needs alg and kid');
  }
  if (header.crit !== undefined) throw malformed('header has unsupported crit parameters');
  return {
    header: header as unknown as JwsHeader,
    payload: parseJson(p, 'payload'),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

/** Finds a verifying key by kid; undefined when unknown. */
export type KeyLookup = (kid: string) => VerifyingKey | undefined;

/** Verifies a compact JWS against the known keys; throws a coded AppError when it does not hold. */
export function verifyCompact(
  token: string,
  keys: readonly VerifyingKey[] | KeyLookup,
): DecodedJws {
  const decoded = decodeCompact(token);
  const lookup: KeyLookup =
    typeof keys === 'function' ? keys : (kid) => keys.find((k) => k.kid === kid);
  const key = lookup(decoded.header.kid);
  if (!key) {
    throw new AppError('JWS_KEY_UNKNOWN', `No published key has kid ${decoded.header.kid}`, {
      context: { kid: decoded.header.kid },
    });
  }
  // The header's alg must be the key's: never let the token pick how it is checked.
  if (decoded.header.alg !== key.alg) {
    throw new AppError(
      'JWS_ALGORITHM_MISMATCH',
      `Key ${key.kid} signs ${key.alg}, not ${decoded.header.alg}`,
    );
  }
  if (!verifyBytes(key, Buffer.from(decoded.signingInput, 'ascii'), decoded.signature)) {
    throw new AppError('JWS_BAD_SIGNATURE', 'The signature does not match the content');
  }
  return decoded;
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function parseJson(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw malformed(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function malformed(why: string): AppError {
  return new AppError('JWS_MALFORMED', `The license token ${why}`);
}
