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

const toChained = (r: AuditRow): ChainedAuditEvent => ({
  seq: Number(r.seq),
  at: iso(r.at),
  actor: r.actor,
  action: r.action,
  subject: r.subject,
  data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** Which events a listing shows: exact subject, actor and action, each optional. */
export interface AuditFilter {
  subject?: string;
  actor?: string;
  action?: string;
}

/**
 * A page of events, newest first, keyed by `seq` (strictly below `beforeSeq` when given); `next`
 * is the `seq` to continue below when more follow.
 */
export async function listAuditEvents(
  sql: Sql,
  filter: AuditFilter,
  page: { limit: number; beforeSeq?: number },
): Promise<{ items: ChainedAuditEvent[]; next?: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.subject !== undefined) where.push(`subject = $${params.push(filter.subject)}`);
  if (filter.actor !== undefined) where.push(`actor = $${params.push(filter.actor)}`);
  if (filter.action !== undefined) where.push(`action = $${params.push(filter.action)}`);
  if (page.beforeSeq !== undefined) where.push(`seq < $${params.push(page.beforeSeq)}`);
  const rows = await sql.query<AuditRow>(
    `select * from audit_events ${where.length ? `where ${where.join(' and ')}` : ''}
      order by seq desc limit $${params.push(page.limit + 1)}`,
    params,
  );
  const items = rows.slice(0, page.limit).map(toChained);
  const last = items.at(-1);
  return { items, ...(rows.length > page.limit && last ? { next: last.seq } : {}) };
}

/**
 * Up to `limit` events after `afterSeq` and up to `lastSeq`, in chain order (the chain is checked
 * in batches so a long log is never held in memory whole).
 */
export async function readAuditAfter(
  sql: Sql,
  range: { afterSeq: number; lastSeq: number },
  limit: number,
): Promise<ChainedAuditEvent[]> {
  const rows = await sql.query<AuditRow>(
    'select * from audit_events where seq > $1 and seq <= $2 order by seq limit $3',
    [range.afterSeq, range.lastSeq, limit],
  );
  return rows.map(toChained);
}

/**
 * The chain head as `audit_head` keeps it (moved by every append, in the append's statement) and
 * the newest event's `seq`, read in one statement so they belong together: events appended
 * later are not part of the chain this head closes.
 */
export async function storedAuditHead(
  sql: Sql,
): Promise<{ hash: string; lastSeq: number } | undefined> {
  const rows = await sql.query<{ hash: string; last_seq: string | number | null }>(
    'select h.hash, (select max(seq) from audit_events) as last_seq from audit_head h where h.id = 1',
  );
  const r = rows[0];
  return r && { hash: r.hash, lastSeq: r.last_seq === null ? 0 : Number(r.last_seq) };
}
