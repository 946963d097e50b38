import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Huawei Cloud APIG "SDK-HMAC-SHA256" request signing, byte for byte as the official SDKs do it
 * (see shared/reference/huaweicloud-ecs-vpc.md §1). Used by the sandbox cloud emulator to check
 * what the SDK sends, and by the license open API to check sellers' software; so the verifier is a
 * plain function over the request as it arrived on the wire, with the secret looked up by AK.
 */

export const ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** The header a signer may use to declare the payload hash instead of hashing the body. */
const CONTENT_SHA256_HEADER = 'x-sdk-content-sha256';
/** The gateway refuses an X-Sdk-Date further than this from its clock (APIGW.0303). */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

export type HeaderValue = string | string[] | undefined;

/** A request as seen on the wire: raw path (no query), raw query string, headers, body bytes. */
export interface WireRequest {
  method: string;
  /** The path exactly as sent, without the query, e.g. `/v1/p1/jobs/j1`. */
  rawPath: string;
  /** The raw query string without `?` (`a=1&b=2`), or already-decoded pairs. */
  query?: string | Record<string, string | string[]>;
  /** Header names in any case. */
  headers: Record<string, HeaderValue>;
  body?: string | Uint8Array;
}

// RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes (upper case).
const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

/** Percent-encodes like the SDK's `AKSKSigner.urlEncode`. */
export function sdkUrlEncode(text: string): string {
  let out = '';
  for (const ch of text) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) {
      out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** Each path segment encoded again, with a trailing `/` always added (the SDK's CanonicalURI). */
export function canonicalUri(rawPath: string): string {
  const uri = rawPath.split('/').map(sdkUrlEncode).join('/');
  return uri.endsWith('/') ? uri : `${uri}/`;
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, '%20'));
  } catch {
    // A malformed escape cannot have come from a signer; keep it raw so the signature just fails.
    return part;
  }
}

/** Parses a raw query string into decoded key → values, keeping repeated keys. */
export function parseQuery(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (raw === '') return out;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeQueryPart(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryPart(pair.slice(eq + 1));
    (out[key] ??= []).push(value);
  }
  return out;
}

/** Keys sorted, repeated values sorted, each key=value encoded, joined with `&`. */
export function canonicalQueryString(query: WireRequest['query']): string {
  const pairs: Record<string, string[]> =
    typeof query === 'string' || query === undefined
      ? parseQuery(query ?? '')
      : Object.fromEntries(
          Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? [...v] : [v]]),
        );
  const parts: string[] = [];
  for (const key of Object.keys(pairs).sort()) {
    const values = [...(pairs[key] ?? [])].sort();
    for (const value of values) parts.push(`${sdkUrlEncode(key)}=${sdkUrlEncode(value)}`);
  }
  return parts.join('&');
}

function headerValue(headers: Record<string, HeaderValue>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(',') : value;
  }
  return undefined;
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hex SHA-256 of the body as it is (the empty body's hash when there is none). */
function bodyHash(req: WireRequest): string {
  if (req.body === undefined || req.body.length === 0) return EMPTY_BODY_SHA256;
  return sha256Hex(req.body);
}

/** What a signer puts on the canonical request's last line: its declared hash, else the body's. */
function payloadHash(req: WireRequest): string {
  return headerValue(req.headers, CONTENT_SHA256_HEADER) ?? bodyHash(req);
}

/** The canonical request over the given signed header names (lower case, sorted). */
export function canonicalRequest(req: WireRequest, signedHeaders: string[]): string {
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${headerValue(req.headers, name) ?? ''}\n`)
    .join('');
  return [
    req.method.toUpperCase(),
    canonicalUri(req.rawPath),
    canonicalQueryString(req.query),
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash(req),
  ].join('\n');
}

/** `SDK-HMAC-SHA256\n<date>\n<hex sha256 of canonical request>`. */
export function stringToSign(canonical: string, sdkDate: string): string {
  return [ALGORITHM, sdkDate, sha256Hex(canonical)].join('\n');
}

function hmacHex(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

/** Formats a date as the SDK's `X-Sdk-Date`: `YYYYMMDDTHHmmssZ` in UTC. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Parses `YYYYMMDDTHHmmssZ`; undefined when malformed. */
export function parseSdkDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Signs a request as the SDK does: adds `X-Sdk-Date` (unless present) and signs every header
 * given plus `host`. Returns the headers to send, including `Authorization`.
 */
export function signRequest(
  req: WireRequest & { host: string },
  credentials: { ak: string; sk: string },
  now: Date = new Date(),
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const existingDate = headerValue(headers, 'x-sdk-date');
  const sdkDate = existingDate ?? formatSdkDate(now);
  if (existingDate === undefined) headers['X-Sdk-Date'] = sdkDate;
  if (headerValue(headers, 'host') === undefined) headers.host = req.host;
  const signed = Object.keys(headers)
    .map((k) => k.toLowerCase())
    .sort();
  const canonical = canonicalRequest({ ...req, headers }, signed);
  const signature = hmacHex(credentials.sk, stringToSign(canonical, sdkDate));
  headers.Authorization =
    `${ALGORITHM} Access=${credentials.ak}, SignedHeaders=${signed.join(';')}, ` +
    `Signature=${signature}`;
  return headers;
}

/** Why a request was refused; the emulator and the open API map these to their own codes. */
export type VerifyFailure =
  | 'MISSING_AUTHORIZATION'
  | 'MALFORMED_AUTHORIZATION'
  | 'MISSING_DATE'
  | 'DATE_OUT_OF_WINDOW'
  | 'UNKNOWN_ACCESS_KEY'
  | 'BAD_SIGNATURE';

export type VerifyResult = { ok: true; ak: string } | { ok: false; reason: VerifyFailure };

/** Looks up the SK of an AK; undefined for an unknown AK. */
export type SecretLookup = (ak: string) => string | undefined | Promise<string | undefined>;

const AUTH_PATTERN =
  /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/;

/**
 * Verifies an SDK-HMAC-SHA256 signature over a request as it arrived. The signed headers are the
 * ones the Authorization header names: the SDKs differ (Node signs content-type and host, Go
 * signs neither), so only X-Sdk-Date is required, which bounds replay to the 15-minute window.
 */
export async function verifySdkHmacSha256(
  req: WireRequest,
  lookupSecret: SecretLookup,
  options: { now?: Date; maxSkewMs?: number } = {},
): Promise<VerifyResult> {
  const authorization = headerValue(req.headers, 'authorization');
  if (authorization === undefined || authorization === '') {
    return { ok: false, reason: 'MISSING_AUTHORIZATION' };
  }
  const match = AUTH_PATTERN.exec(authorization);
  if (!match) return { ok: false, reason: 'MALFORMED_AUTHORIZATION' };
  const [, ak = '', signedList = '', signature = ''] = match;
  const signedHeaders = signedList.split(';');
  const sorted = [...signedHeaders].sort();
  if (
    signedHeaders.some((h, i) => h === '' || h !== h.toLowerCase() || h !== sorted[i]) ||
    !signedHeaders.includes('x-sdk-date')
  ) {
    return { ok: false, reason: 'MALFORMED_AUTHORIZATION' };
  }
  const sdkDate = headerValue(req.headers, 'x-sdk-date');
  const date = sdkDate === undefined ? undefined : parseSdkDate(sdkDate);
  if (sdkDate === undefined || date === undefined) return { ok: false, reason: 'MISSING_DATE' };
  const now = options.now ?? new Date();
  if (Math.abs(now.getTime() - date.getTime()) > (options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    return { ok: false, reason: 'DATE_OUT_OF_WINDOW' };
  }
  const secret = await lookupSecret(ak);
  if (secret === undefined) return { ok: false, reason: 'UNKNOWN_ACCESS_KEY' };
  // The signature covers the body only through the hash on the canonical request's last line, so
  // that hash is always the hash of the bytes received: a declared X-Sdk-Content-Sha256 must be
  // signed and equal to it (never UNSIGNED-PAYLOAD). Otherwise a captured request could be
  // replayed with another body. Each case is a signature that does not cover this request.
  const declared = headerValue(req.headers, CONTENT_SHA256_HEADER);
  const received = bodyHash(req);
  if (
    declared !== undefined &&
    (!signedHeaders.includes(CONTENT_SHA256_HEADER) || declared.toLowerCase() !== received)
  ) {
    return { ok: false, reason: 'BAD_SIGNATURE' };
  }
  const expected = hmacHex(secret, stringToSign(canonicalRequest(req, signedHeaders), sdkDate));
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return { ok: false, reason: 'BAD_SIGNATURE' };
  }
  return { ok: true, ak };
}
