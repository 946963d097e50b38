import { AppError } from '../errors.js';
import type { SigningKey, VerifyingKey } from './keys.js';
import { signCompact, verifyCompact, type KeyLookup } from './jws.js';

/**
 * The signed revocation status list offline software fetches: a JWS over the revoked license ids,
 * with an issue time and a next-update time (a client holding an expired list knows it is stale),
 * plus the audit chain head so the published history cannot be cut short unnoticed.
 */
export const REVOCATION_LIST_TYP = 'oneclick-revocations+jwt';

export interface RevocationList {
  iss: string;
  iat: number;
  /** Clients should fetch again after this (seconds since epoch). */
  exp: number;
  /** Revoked license ids with their revocation time (seconds). */
  revoked: { id: string; at: number }[];
  /** Hash of the newest audit event when the list was made. */
  auditHead: string;
}

/** Builds and signs a list. */
export function signRevocationList(
  key: SigningKey,
  input: {
    issuer: string;
    revoked: { id: string; at: Date }[];
    auditHead: string;
    now?: Date;
    ttlSeconds?: number;
  },
): string {
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const list: RevocationList = {
    iss: input.issuer,
    iat,
    exp: iat + (input.ttlSeconds ?? 3600),
    revoked: input.revoked.map((r) => ({ id: r.id, at: Math.floor(r.at.getTime() / 1000) })),
    auditHead: input.auditHead,
  };
  return signCompact(key, list, REVOCATION_LIST_TYP);
}

/** Verifies a list and returns the revoked ids; a stale list is an error, not an empty set. */
export function verifyRevocationList(
  token: string,
  keys: readonly VerifyingKey[] | KeyLookup,
  now = new Date(),
): { list: RevocationList; revoked: Set<string> } {
  const { header, payload } = verifyCompact(token, keys);
  if (header.typ !== REVOCATION_LIST_TYP || !Array.isArray(payload.revoked)) {
    throw new AppError('REVOCATION_LIST_INVALID', 'The document is not a OneClick revocation list');
  }
  const list = payload as unknown as RevocationList;
  if (typeof list.exp !== 'number' || list.exp * 1000 < now.getTime()) {
    throw new AppError(
      'REVOCATION_LIST_STALE',
      'The revocation list is out of date; fetch it again',
    );
  }
  return { list, revoked: new Set(list.revoked.map((r) => r.id)) };
}
