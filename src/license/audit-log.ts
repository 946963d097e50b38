import type { Sql } from '../db/sql.js';
import {
  auditBodyText,
  GENESIS_HASH,
  verifyAuditChain,
  type ChainVerdict,
  type ChainedAuditEvent,
} from './audit-chain.js';

/**
 * Appends to and checks the hash-chained `audit_events` table. Appends are serialized on the
 * `audit_head` row: two appends reading the same head would fork the chain.
 */

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

/**
 * Appends one event; call inside the caller's transaction so the event and the change commit
 * together. One statement moves the chain head (table `audit_head`) and inserts the event with
 * sha256(prev + "\n" + canonical body), as `auditHash` computes it: the head row's lock is held
 * from here to commit only, and a waiting append re-reads the head its predecessor committed.
 */
export async function appendAudit(tx: Sql, entry: AuditEntry, now = new Date()): Promise<string> {
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
    `with head as (
       update audit_head
          set prev = hash, hash = encode(sha256(convert_to(hash || chr(10) || $6, 'UTF8')), 'hex')
        where id = 1
       returning prev, hash)
     insert into audit_events (at, actor, action, subject, data, prev_hash, hash)
     select $1, $2, $3, $4, $5::jsonb, head.prev, head.hash from head
     returning hash`,
    [at, body.actor, body.action, body.subject, JSON.stringify(body.data), auditBodyText(body)],
  );
  const hash = rows[0]?.hash;
  if (!hash) throw new Error('audit_head is missing its row (migration 0101)');
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
