import { z } from '@hono/zod-openapi';
import type { Sql } from '../../db/sql.js';
import {
  listAuditEvents,
  readAuditAfter,
  storedAuditHead,
} from '../../db/repositories/audit-log.js';
import { auditHash, GENESIS_HASH, type ChainedAuditEvent } from '../../license/audit-chain.js';
import { defineRoute, ok, resourceRoutes } from '../contract.js';

/**
 * The audit log for operators (mounted at /v1/audit): the hash-chained events, newest first,
 * filtered by subject, actor or action; and the chain checked from the genesis to the head that
 * `audit_head` keeps, saying where it breaks and why. What a hash covers is
 * `src/license/audit-chain.ts`'s rule (`auditHash`), applied here batch by batch.
 */

/** The cursor of the audit list: base64url of `[seq]`, the last event shown (keyset on seq). */
export function encodeAuditCursor(seq: number | undefined): string | null {
  return seq === undefined ? null : Buffer.from(JSON.stringify([seq])).toString('base64url');
}

/** The seq a cursor holds, or undefined when it is not one of ours. */
export function decodeAuditCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const seq = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : undefined;
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
  } catch {
    return undefined;
  }
}

const text = (max: number) => z.string().trim().min(1).max(max).optional();
const listQuery = z.object({
  subject: text(200).openapi({ description: 'Only events about this subject (exact)' }),
  actor: text(200).openapi({ description: 'Only events by this actor (exact), e.g. seller:slr_…' }),
  action: text(100).openapi({ description: 'Only events of this action (exact)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(64)
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      const seq = decodeAuditCursor(s);
      if (seq === undefined)
        ctx.addIssue({ code: 'custom', message: 'not a cursor this API handed out' });
      return seq;
    })
    .openapi({ description: 'The `next` of the previous page, as it was given' }),
});

/** The chain's verdict: intact up to the head, or broken at an event, with the reason. */
export type ChainReport =
  | { ok: true; count: number; head: string; lastSeq: number; checkedAt: string }
  | {
      ok: false;
      /** EDITED: the event changed after it was written; MISSING_BEFORE: an event before it was
       * removed (or re-hashed); HEAD_MISMATCH: events were cut off the end, or the head moved. */
      reason: 'EDITED' | 'MISSING_BEFORE' | 'HEAD_MISMATCH';
      brokenAtSeq: number;
      /** Events verified before the break. */
      verified: number;
      /** The event where the chain breaks (none when the end was cut off). */
      event: Pick<ChainedAuditEvent, 'seq' | 'at' | 'actor' | 'action' | 'subject'> | null;
      /** A list cursor whose page starts at that event. */
      cursor: string | null;
      checkedAt: string;
    };

const BATCH = 1000;

/** Checks the stored chain from the genesis to the stored head, a batch at a time. */
export async function checkAuditChain(sql: Sql, now = new Date()): Promise<ChainReport> {
  const checkedAt = now.toISOString();
  const head = (await storedAuditHead(sql)) ?? { hash: GENESIS_HASH, lastSeq: 0 };
  let prev = GENESIS_HASH;
  let verified = 0;
  let afterSeq = 0;
  for (;;) {
    const batch = await readAuditAfter(sql, { afterSeq, lastSeq: head.lastSeq }, BATCH);
    for (const e of batch) {
      const reason =
        e.prevHash !== prev ? 'MISSING_BEFORE' : auditHash(prev, e) !== e.hash ? 'EDITED' : null;
      if (reason) {
        const { seq, at, actor, action, subject } = e;
        return {
          ok: false,
          reason,
          brokenAtSeq: seq,
          verified,
          event: { seq, at, actor, action, subject },
          cursor: encodeAuditCursor(seq + 1),
          checkedAt,
        };
      }
      prev = e.hash;
      verified += 1;
      afterSeq = e.seq;
    }
    if (batch.length < BATCH) break;
  }
  if (prev !== head.hash) {
    return {
      ok: false,
      reason: 'HEAD_MISMATCH',
      brokenAtSeq: afterSeq + 1,
      verified,
      event: null,
      cursor: null,
      checkedAt,
    };
  }
  return { ok: true, count: verified, head: prev, lastSeq: head.lastSeq, checkedAt };
}

/** The audit log routes (operators). */
export function auditRoutes() {
  const tags = ['operators'];
  const list = defineRoute({
    method: 'get',
    path: '/',
    summary: 'The audit log, newest first, filtered by subject, actor or action (operators)',
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { query: listQuery },
    errors: [],
    responses: { 200: ok('A page of events and the `cursor` of the next (`next`)') },
  });
  const chain = defineRoute({
    method: 'get',
    path: '/chain',
    summary:
      "Checks the audit log's hash chain from the genesis to the head; says where it breaks (operators)",
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    errors: [],
    responses: { 200: ok('`ok` and the count and head, or where and why the chain breaks') },
  });
  return resourceRoutes()
    .openapi(list, async (c) => {
      const { limit, cursor, subject, actor, action } = c.req.valid('query');
      const page = await listAuditEvents(
        c.get('deps').db,
        { subject, actor, action },
        { limit, ...(cursor !== undefined && { beforeSeq: cursor }) },
      );
      return c.json({ items: page.items, next: encodeAuditCursor(page.next) });
    })
    .openapi(chain, async (c) => c.json(await checkAuditChain(c.get('deps').db)));
}
