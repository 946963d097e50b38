import type { Sql } from '../db/sql.js';
import {
  auditBodyText,
  GENESIS_HASH,
  verifyAuditChain,
  type ChainVerdict,
  type ChainedAuditEvent,
} from './audit-chain.js';

/**
 * Appends to and checks the hash-chained `audit_events` table. Appends are serialized with a
 * transaction-scoped advisory lock: two concurrent appends reading the same head would fork the
 * chain (the unique hash index would then refuse one, but waiting is kinder than failing).
 */
const AUDIT_LOCK = 7233100;

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  data?: Record<string, unknown>;
}

interface AuditRow {
  seq: string | number;
  at: Date | string;
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** SQL expression taking the chain's lock; callers on a hot path fold it into an earlier statement. */
export const AUDIT_LOCK_SQL = `pg_advisory_xact_lock(${AUDIT_LOCK})`;

/**
 * Appends one event; call inside the caller's transaction so the event and the change commit
 * together. The previous hash is read and the new one computed by the same statement
 * (sha256 over `prev + "\n" + canonical body`, as `auditHash` computes it), after the lock: with
 * `lockHeld` the caller already took it in an earlier statement of the transaction.
 */
export async function appendAudit(
  tx: Sql,
  entry: AuditEntry,
  now = new Date(),
  options: { lockHeld?: boolean } = {},
): Promise<string> {
  if (!options.lockHeld) await tx.query(`select ${AUDIT_LOCK_SQL}`);
  // Millisecond precision: what both JavaScript and the hash see, so re-reading gives the same hash.
  const at = new Date(Math.floor(now.getTime())).toISOString();
  const body = {
    at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    data: entry.data ?? {},
  };
  const rows = await tx.query<{ hash: string }>(
    `insert into audit_events (at, actor, action, subject, data, prev_hash, hash)
     select $1, $2, $3, $4, $5::jsonb, h.prev,
            encode(sha256(convert_to(h.prev || chr(10) || $6, 'UTF8')), 'hex')
       from (select coalesce((select hash from audit_events order by seq desc limit 1), $7) as prev) h
     returning hash`,
    [
      at,
      body.actor,
      body.action,
      body.subject,
      JSON.stringify(body.data),
      auditBodyText(body),
      GENESIS_HASH,
    ],
  );
  return (rows[0] as { hash: string }).hash;
}

/** The newest hash (genesis when empty). */
export async function auditHead(sql: Sql): Promise<string> {
  const rows = await sql.query<{ hash: string }>(
    'select hash from audit_events order by seq desc limit 1',
  );
  return rows[0]?.hash ?? GENESIS_HASH;
}

/** Reads events of one subject, or all, in order. */
export async function readAudit(sql: Sql, subject?: string): Promise<ChainedAuditEvent[]> {
  const rows = await sql.query<AuditRow>(
    subject === undefined
      ? 'select * from audit_events order by seq'
      : 'select * from audit_events where subject = $1 order by seq',
    subject === undefined ? [] : [subject],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

/** Verifies the whole chain as stored. */
export async function verifyStoredAudit(sql: Sql, expectedHead?: string): Promise<ChainVerdict> {
  return verifyAuditChain(await readAudit(sql), expectedHead);
}
