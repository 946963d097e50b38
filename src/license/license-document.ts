import { createHash } from 'node:crypto';
import { AppError, isAppError } from '../errors.js';
import type { SigningKey, VerifyingKey } from './keys.js';
import { decodeCompact, signCompact, verifyCompact, type KeyLookup } from './jws.js';

/**
 * License 1.0 documents: a JWS whose payload binds the license to an order, product, SKU and a
 * canonical hardware fingerprint. Time claims use the JWT names (`nbf`, `exp`, seconds) so that
 * any JOSE library's JWT verifier enforces them without OneClick-specific code.
 */
export const LICENSE_TYP = 'oneclick-license+jwt';
/** KooGallery's limit for a device fingerprint. */
export const MAX_FINGERPRINT_LENGTH = 1024;
/** A remote generator's output larger than this is refused rather than wrapped. */
export const MAX_REMOTE_LICENSE_LENGTH = 16 * 1024;

export type FeatureValue = string | number | boolean;

export interface LicenseClaims {
  /** Issuer: the OneClick instance's public URL. */
  iss: string;
  /** License id. */
  jti: string;
  /** The marketplace order id. */
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  orderLineId: string;
  productId: string;
  sku?: string;
  /** Canonical `MAC|diskId|boardId|cpuId` fingerprint. */
  fingerprint: string;
  features: Record<string, FeatureValue>;
  /** Who made the license: OneClick's built-in generator or a seller's remote one. */
  source: 'built-in' | 'remote';
  /** A remote generator's output, recorded verbatim and covered by OneClick's signature. */
  remote?: { generatorId: string; eventId: string; license: string; sha256: string };
}

export interface LicenseInput {
  issuer: string;
  licenseId: string;
  orderId: string;
  orderLineId: string;
  productId: string;
  sku?: string;
  fingerprint: string;
  notBefore: Date;
  expiresAt: Date;
  features?: Record<string, FeatureValue>;
  issuedAt?: Date;
  remote?: { generatorId: string; eventId: string; license: string };
}

/** Checks input and builds the claims; throws VALIDATION_FAILED naming the bad field. */
export function buildLicenseClaims(input: LicenseInput): LicenseClaims {
  for (const [name, value] of Object.entries({
    issuer: input.issuer,
    licenseId: input.licenseId,
    orderId: input.orderId,
    orderLineId: input.orderLineId,
    productId: input.productId,
  })) {
    if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
      throw invalid(`${name} must be 1 to 256 characters`);
    }
  }
  if (input.fingerprint.length === 0 || input.fingerprint.length > MAX_FINGERPRINT_LENGTH) {
    throw invalid(`fingerprint must be 1 to ${MAX_FINGERPRINT_LENGTH} characters`);
  }
  const nbf = seconds(input.notBefore, 'notBefore');
  const exp = seconds(input.expiresAt, 'expiresAt');
  if (exp <= nbf) throw invalid('expiresAt must be after notBefore');
  const features = input.features ?? {};
  for (const [k, v] of Object.entries(features)) {
    if (!['string', 'number', 'boolean'].includes(typeof v) || k.length > 64) {
      throw invalid(`feature ${k.slice(0, 64)} must be a string, number or boolean`);
    }
  }
  const claims: LicenseClaims = {
    iss: input.issuer,
    jti: input.licenseId,
    sub: input.orderId,
    iat: seconds(input.issuedAt ?? new Date(), 'issuedAt'),
    nbf,
    exp,
    orderLineId: input.orderLineId,
    productId: input.productId,
    ...(input.sku ? { sku: input.sku } : {}),
    fingerprint: input.fingerprint,
    features,
    source: input.remote ? 'remote' : 'built-in',
  };
  if (input.remote) {
    const { license } = input.remote;
    if (license.length === 0 || license.length > MAX_REMOTE_LICENSE_LENGTH) {
      throw invalid(`a remote license must be 1 to ${MAX_REMOTE_LICENSE_LENGTH} characters`);
    }
    claims.remote = {
      generatorId: input.remote.generatorId,
      eventId: input.remote.eventId,
      license,
      sha256: createHash('sha256').update(license, 'utf8').digest('hex'),
    };
  }
  return claims;
}

/** Signs a License 1.0 document. */
export function signLicense(key: SigningKey, claims: LicenseClaims): string {
  return signCompact(key, claims, LICENSE_TYP);
}

/** Why a license does not hold; the codes are stable for scripts. */
export type LicenseProblem =
  | 'JWS_MALFORMED'
  | 'JWS_KEY_UNKNOWN'
  | 'JWS_ALGORITHM_MISMATCH'
  | 'JWS_BAD_SIGNATURE'
  | 'LICENSE_NOT_A_LICENSE'
  | 'LICENSE_NOT_YET_VALID'
  | 'LICENSE_EXPIRED'
  | 'LICENSE_REVOKED'
  | 'LICENSE_FINGERPRINT_MISMATCH';

export type LicenseCheck =
  | { valid: true; claims: LicenseClaims; kid: string }
  | {
      valid: false;
      problem: LicenseProblem;
      message: string;
      claims?: LicenseClaims;
      kid?: string;
    };

export interface LicenseCheckOptions {
  now?: Date;
  /** When given, the license must be bound to exactly this canonical fingerprint. */
  fingerprint?: string;
  /** License ids that are revoked (from a verified revocation list). */
  revoked?: ReadonlySet<string>;
  /** Seconds of clock skew tolerated on nbf/exp. */
  leewaySeconds?: number;
}

/** Verifies signature, type, time window, revocation and (optionally) the fingerprint. */
export function checkLicense(
  token: string,
  keys: readonly VerifyingKey[] | KeyLookup,
  options: LicenseCheckOptions = {},
): LicenseCheck {
  let decoded;
  try {
    decoded = verifyCompact(token, keys);
  } catch (err) {
    if (isAppError(err)) {
      return { valid: false, problem: err.code as LicenseProblem, message: err.message };
    }
    throw err;
  }
  const kid = decoded.header.kid;
  if (decoded.header.typ !== LICENSE_TYP || !looksLikeClaims(decoded.payload)) {
    return {
      valid: false,
      kid,
      problem: 'LICENSE_NOT_A_LICENSE',
      message: 'The token is signed but is not a OneClick license',
    };
  }
  const claims = decoded.payload;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const leeway = options.leewaySeconds ?? 60;
  const fail = (problem: LicenseProblem, message: string): LicenseCheck => ({
    valid: false,
    problem,
    message,
    claims,
    kid,
  });
  if (options.revoked?.has(claims.jti)) return fail('LICENSE_REVOKED', 'The license was revoked');
  if (now + leeway < claims.nbf)
    return fail('LICENSE_NOT_YET_VALID', 'The license is not valid yet');
  if (now - leeway >= claims.exp) return fail('LICENSE_EXPIRED', 'The license has expired');
  if (options.fingerprint !== undefined && options.fingerprint !== claims.fingerprint) {
    return fail('LICENSE_FINGERPRINT_MISMATCH', 'The license is bound to another machine');
  }
  return { valid: true, claims, kid };
}

/** Reads the claims without verifying (for display only). */
export function peekLicense(token: string): LicenseClaims | undefined {
  const { payload } = decodeCompact(token);
  return looksLikeClaims(payload) ? payload : undefined;
}

function looksLikeClaims(p: Record<string, unknown>): p is LicenseClaims & Record<string, unknown> {
  return (
    typeof p.jti === 'string' &&
    typeof p.sub === 'string' &&
    typeof p.fingerprint === 'string' &&
    typeof p.nbf === 'number' &&
    typeof p.exp === 'number' &&
    (p.source === 'built-in' || p.source === 'remote')
  );
}

function seconds(d: Date, name: string): number {
  const t = d.getTime();
  if (!Number.isFinite(t)) throw invalid(`${name} is not a valid date`);
  return Math.floor(t / 1000);
}

function invalid(message: string): AppError {
  return new AppError('VALIDATION_FAILED', message);
}
