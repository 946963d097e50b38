import type { Sql } from '../db/sql.js';
import {
  auditHash,
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

/** Appends one event; call inside the caller's transaction so the event and the change commit together. */
export async function appendAudit(tx: Sql, entry: AuditEntry, now = new Date()): Promise<string> {
  await tx.query('select pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const head = await tx.query<{ hash: string }>(
    'select hash from audit_events order by seq desc limit 1',
  );
  const prevHash = head[0]?.hash ?? GENESIS_HASH;
  // Millisecond precision: what both JavaScript and the hash see, so re-reading gives the same hash.
  const at = new Date(Math.floor(now.getTime())).toISOString();
  const body = {
    at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    data: entry.data ?? {},
  };
  const hash = auditHash(prevHash, body);
  await tx.query(
    `insert into audit_events (at, actor, action, subject, data, prev_hash, hash)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [at, body.actor, body.action, body.subject, JSON.stringify(body.data), prevHash, hash],
  );
  return hash;
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
