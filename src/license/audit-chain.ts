import { createHash } from 'node:crypto';

/**
 * The tamper-evident audit trail: each event's hash covers the previous event's hash and the
 * event's own fields in a canonical JSON form, so editing an event changes its hash, and deleting
 * one leaves the next event pointing at a hash that no longer exists. The newest hash (the head) is
 * published in the signed revocation list, so even cutting events off the end is detected.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEventBody {
  /** ISO-8601 time with milliseconds (what JS and PostgreSQL both keep exactly). */
  at: string;
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown>;
}

export interface ChainedAuditEvent extends AuditEventBody {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The hash of an event after `prevHash`. */
export function auditHash(prevHash: string, event: AuditEventBody): string {
  return createHash('sha256')
    .update(`${prevHash}\n${auditBodyText(event)}`, 'utf8')
    .digest('hex');
}

/** The canonical text of an event that its hash covers (after the previous hash and a newline). */
export function auditBodyText(event: AuditEventBody): string {
  return canonicalJson({
    at: new Date(event.at).toISOString(),
    actor: event.actor,
    action: event.action,
    subject: event.subject,
    data: event.data,
  });
}

export type ChainVerdict =
  | { ok: true; count: number; head: string }
  | { ok: false; brokenAtSeq: number; reason: 'EDITED' | 'MISSING_BEFORE' | 'HEAD_MISMATCH' };

/**
 * Checks events in seq order from the genesis. `expectedHead`, when given (from a signed list),
 * also catches events removed from the end.
 */
export function verifyAuditChain(
  events: readonly ChainedAuditEvent[],
  expectedHead?: string,
): ChainVerdict {
  let prev = GENESIS_HASH;
  for (const e of events) {
    if (e.prevHash !== prev) return { ok: false, brokenAtSeq: e.seq, reason: 'MISSING_BEFORE' };
    if (auditHash(prev, e) !== e.hash) return { ok: false, brokenAtSeq: e.seq, reason: 'EDITED' };
    prev = e.hash;
  }
  if (expectedHead !== undefined && expectedHead !== prev) {
    const last = events.at(-1);
    return { ok: false, brokenAtSeq: last ? last.seq + 1 : 1, reason: 'HEAD_MISMATCH' };
  }
  return { ok: true, count: events.length, head: prev };
}

/** JSON with object keys sorted at every level, so jsonb's reordering never changes a hash. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
