import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * KooGallery's query-string request signature (access guide AG-0070649248, License 2.0 §2.4):
 *   canonical = accessKey + nonce + timestamp + lower(hex(HMAC_SHA256(accessKey, body)))
 *   signature = HEX(HMAC_SHA256(accessKey, canonical))
 * The platform appends `signature`, `timestamp` (milliseconds) and `nonce` to the URL.
 */
export interface KoogallerySignatureInput {
  accessKey: string;
  /** The raw request body exactly as sent (bytes or UTF-8 text); empty for GET. */
  body: string | Uint8Array;
  timestamp: string;
  nonce: string;
}

/** Computes the upper-case hex signature KooGallery appends as `signature`. */
export function koogallerySignature({
  accessKey,
  body,
  timestamp,
  nonce,
}: KoogallerySignatureInput): string {
  const bodyMac = createHmac('sha256', accessKey).update(body).digest('hex').toLowerCase();
  const canonical = accessKey + nonce + timestamp + bodyMac;
  return createHmac('sha256', accessKey).update(canonical).digest('hex').toUpperCase();
}

/** Constant-time check of a received signature (hex, any case). */
export function verifyKoogallerySignature(
  input: KoogallerySignatureInput & { signature: string },
): boolean {
  const expected = Buffer.from(koogallerySignature(input), 'utf8');
  const got = Buffer.from(input.signature.toUpperCase(), 'utf8');
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** The query string (`signature`, `timestamp`, `nonce`) for an outbound signed call. */
export function signedQuery(
  accessKey: string,
  body: string | Uint8Array,
  now = Date.now(),
): URLSearchParams {
  const timestamp = String(now);
  const nonce = randomNonce();
  return new URLSearchParams({
    signature: koogallerySignature({ accessKey, body, timestamp, nonce }),
    timestamp,
    nonce,
  });
}

/**
 * `Body-Sign` response header of the V1 guides (§2.7): base64 HMAC-SHA256 over the raw body,
 * both values in double quotes.
 */
export function bodySignHeader(accessKey: string, rawBody: string | Uint8Array): string {
  const mac = createHmac('sha256', accessKey).update(rawBody).digest('base64');
  return `sign_type="HMAC-SHA256", signature="${mac}"`;
}

/** Checks a `Body-Sign` header against the raw body; false when absent or malformed. */
export function verifyBodySign(
  accessKey: string,
  rawBody: string | Uint8Array,
  header: string | null | undefined,
): boolean {
  if (!header) return false;
  const m = /sign_type="HMAC-SHA256",\s*signature="([A-Za-z0-9+/=]+)"/.exec(header);
  if (!m?.[1]) return false;
  const expected = createHmac('sha256', accessKey).update(rawBody).digest();
  const got = Buffer.from(m[1], 'base64');
  return expected.length === got.length && timingSafeEqual(expected, got);
}

function randomNonce(): string {
  // 16 random bytes as hex: unguessable, and cheap for the receiver to remember.
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16))).toString('hex');
}
