import { describe, expect, it } from 'vitest';
import {
  auditHash,
  GENESIS_HASH,
  verifyAuditChain,
  type ChainedAuditEvent,
} from '../../../src/license/audit-chain.js';

function chain(n: number): ChainedAuditEvent[] {
  const out: ChainedAuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const body = {
      at: new Date(1_700_000_000_000 + i).toISOString(),
      actor: 'seller:s1',
      action: 'license.issued',
      subject: `lic_${i}`,
      data: { b: i, a: [1, { y: 2, x: 1 }] },
    };
    const hash = auditHash(prev, body);
    out.push({ ...body, seq: i, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('audit hash chain', () => {
  it('accepts an untouched chain and reports its head', () => {
    const events = chain(5);
    expect(verifyAuditChain(events)).toEqual({ ok: true, count: 5, head: events[4]!.hash });
  });

  it('does not care about the key order jsonb gives back', () => {
    const events = chain(2);
    const reordered = events.map((e) => ({ ...e, data: { a: [1, { x: 1, y: 2 }], b: e.data.b } }));
    expect(verifyAuditChain(reordered).ok).toBe(true);
  });

  it('detects an edited event at its seq', () => {
    const events = chain(5);
    events[2] = { ...events[2]!, subject: 'lic_other' };
    expect(verifyAuditChain(events)).toEqual({ ok: false, brokenAtSeq: 3, reason: 'EDITED' });
  });

  it('detects a deleted event at the event after it', () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(verifyAuditChain(events)).toEqual({
      ok: false,
      brokenAtSeq: 3,
      reason: 'MISSING_BEFORE',
    });
  });

  it('detects events cut off the end against a published head', () => {
    const events = chain(5);
    const head = events[4]!.hash;
    expect(verifyAuditChain(events.slice(0, 4), head)).toMatchObject({
      ok: false,
      reason: 'HEAD_MISMATCH',
    });
  });
});
