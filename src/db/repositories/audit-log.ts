import type { Sql } from '../sql.js';
import type { AuditEventBody, ChainedAuditEvent } from '../../license/audit-chain.js';
import { iso } from './row-values.js';

/**
 * The hash-chained `audit_events` table and its head (`audit_head`). What a hash covers is
 * `src/license/audit-chain.ts`'s rule; this module only stores and reads.
 */

interface AuditRow {
  seq: string | number;
  at: Date | string;
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown> | string;
  prev_hash: string;
  hash: string;
}

/**
 * Appends one event in one statement: it moves the chain head to
 * sha256(head + "\n" + `bodyText`) and inserts the event with the old and new head, so the head
 * row's lock is held from here to commit only, and a waiting append re-reads the head its
 * predecessor committed. Returns the event's hash.
 */
export async function insertAuditEvent(
  tx: Sql,
  body: AuditEventBody,
  bodyText: string,
): Promise<string> {
  const rows = await tx.query<{ hash: string }>(
    `with head as (
       update audit_head
          set prev = hash, hash = encode(sha256(convert_to(hash || chr(10) || $6, 'UTF8')), 'hex')
        where id = 1
       returning prev, hash)
     insert into audit_events (at, actor, action, subject, data, prev_hash, hash)
     select $1, $2, $3, $4, $5::jsonb, head.prev, head.hash from head
     returning hash`,
    [body.at, body.actor, body.action, body.subject, JSON.stringify(body.data), bodyText],
  );
  const hash = rows[0]?.hash;
  if (!hash) throw new Error('audit_head is missing its row (migration 0101)');
  return hash;
}

/** The newest event's hash, or undefined when there is none. */
export async function latestAuditHash(sql: Sql): Promise<string | undefined> {
  const rows = await sql.query<{ hash: string }>(
    'select hash from audit_events order by seq desc limit 1',
  );
  return rows[0]?.hash;
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
    at: iso(r.at),
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}
