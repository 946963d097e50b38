import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import type { Sql } from '../db/sql.js';
import {
  deleteHostKey,
  deleteHostKeyReturning,
  getHostKeyFingerprint,
  insertHostKeyIfAbsent,
} from '../db/repositories/ssh-host-keys.js';
import { appendAudit } from '../license/audit-log.js';

/** OpenSSH's display form of a host key: `SHA256:` + unpadded base64 of the key blob's digest. */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The error that stops a deployment when a server presents a key other than the pinned one. */
export function hostKeyMismatch(serverId: string, expected: string, actual: string): AppError {
  return new AppError(
    'HOST_KEY_MISMATCH',
    `host key of server ${serverId} changed: pinned ${expected}, presented ${actual}`,
    { retryable: false, context: { serverId, expected, actual } },
  );
}

/** Where host-key pins live: one SHA-256 fingerprint per server, recorded at first contact. */
export interface HostKeyPins {
  /** The pinned fingerprint, or undefined before first contact. */
  get(serverId: string): Promise<string | undefined>;
  /**
   * Pins `fingerprint` unless a pin exists; returns the pin in force afterwards, so two racing
   * first contacts agree on one key.
   */
  pinIfAbsent(serverId: string, fingerprint: string): Promise<string>;
  /** Forgets a server's pin (the server was deleted or rebuilt on purpose). */
  forget(serverId: string): Promise<void>;
}

/** Host-key pins in the `ssh_host_keys` table (migration 0200). */
export function createSqlHostKeyPins(sql: Sql): HostKeyPins {
  return {
    get: (serverId) => getHostKeyFingerprint(sql, serverId),
    async pinIfAbsent(serverId, fingerprint) {
      await insertHostKeyIfAbsent(sql, serverId, fingerprint);
      const pinned = await getHostKeyFingerprint(sql, serverId);
      return pinned ?? fingerprint;
    },
    forget: (serverId) => deleteHostKey(sql, serverId),
  };
}

/**
 * Resets a server's pin on request (its owner rebuilt it): the pin goes and `host_key.reset` enters
 * the audit trail in the same transaction, with the fingerprint that was pinned (null when none
 * was), so the next contact pins the key the server presents then. Answers that fingerprint.
 */
export async function resetHostKeyPin(
  sql: Sql,
  reset: { serverId: string; actor: string; data?: Record<string, unknown> },
  now = new Date(),
): Promise<string | undefined> {
  return sql.transaction(async (tx) => {
    const previous = await deleteHostKeyReturning(tx, reset.serverId);
    await appendAudit(
      tx,
      {
        actor: reset.actor,
        action: 'host_key.reset',
        subject: reset.serverId,
        data: { ...reset.data, fingerprint: previous ?? null },
      },
      now,
    );
    return previous;
  });
}
