import type { Sql } from '../db/sql.js';
import { insertAuditEvent, latestAuditHash, readAudit } from '../db/repositories/audit-log.js';
import { auditBodyText, GENESIS_HASH, verifyAuditChain, type ChainVerdict } from './audit-chain.js';

/**
 * Appends to and checks the hash-chained audit trail (stored by `db/repositories/audit-log.ts`).
 * Appends are serialized on the `audit_head` row: two appends reading the same head would fork
 * the chain.
 */

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  data?: Record<string, unknown>;
}

/**
 * Appends one event; call inside the caller's transaction so the event and the change commit
 * together. Its hash is sha256(prev + "\n" + canonical body), as `auditHash` computes it.
 */
export async function appendAudit(tx: Sql, entry: AuditEntry, now = new Date()): Promise<string> {
  // Millisecond precision: what both JavaScript and the hash see, so re-reading gives the same hash.
  const body = {
    at: new Date(Math.floor(now.getTime())).toISOString(),
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    data: entry.data ?? {},
  };
  return insertAuditEvent(tx, body, auditBodyText(body));
}

/** The newest hash (genesis when empty). */
export async function auditHead(sql: Sql): Promise<string> {
  return (await latestAuditHash(sql)) ?? GENESIS_HASH;
}

/** Verifies the whole chain as stored. */
export async function verifyStoredAudit(sql: Sql, expectedHead?: string): Promise<ChainVerdict> {
  return verifyAuditChain(await readAudit(sql), expectedHead);
}
