import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { appendAudit } from '../../../../src/license/audit-log.js';

interface Event {
  seq: number;
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown>;
  hash: string;
}
interface Page {
  items: Event[];
  next: string | null;
}

describe('/v1/audit (operators)', () => {
  let t: TestApp;
  let operator: string;

  const append = (n: number, subject: (i: number) => string) =>
    t.db.transaction(async (tx) => {
      for (let i = 0; i < n; i++) {
        await appendAudit(tx, {
          actor: i % 2 ? 'seller:slr_a' : 'system',
          action: i % 3 ? 'license.issued' : 'generator.registered',
          subject: subject(i),
          data: { i },
        });
      }
    });

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await t.principal('operator')).key;
    await append(7, (i) => (i < 3 ? 'lic_one' : `lic_${i}`));
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Runs `tamper`, then puts the events back exactly as they were. */
  const tampered = async (tamper: () => Promise<void>, check: () => Promise<void>) => {
    const saved = await t.db.query('select * from audit_events order by seq');
    await tamper();
    try {
      await check();
    } finally {
      await t.db.query('delete from audit_events');
      for (const r of saved) {
        await t.db.query(
          `insert into audit_events (seq, at, actor, action, subject, data, prev_hash, hash)
           values ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [r.seq, r.at, r.actor, r.action, r.subject, JSON.stringify(r.data), r.prev_hash, r.hash],
        );
      }
    }
  };

  const get = async <T>(path: string, key = operator) => {
    const res = await t.call('GET', path, { key });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as T;
  };

  it('answers 403 FORBIDDEN to seller and buyer keys', async () => {
    const seller = (await t.principal('seller')).key;
    const buyer = (await t.principal('buyer')).key;
    for (const key of [seller, buyer]) {
      for (const path of ['/v1/audit', '/v1/audit/chain']) {
        const res = await t.call('GET', path, { key });
        expect(res.status).toBe(403);
      }
    }
  });

  it('lists events newest first, filtered, and pages by cursor each once', async () => {
    const all = await get<Page>('/v1/audit');
    expect(all.items.map((e) => e.seq)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(all.next).toBeNull();
    const seen: number[] = [];
    let url = '/v1/audit?limit=3';
    for (;;) {
      const page = await get<Page>(url);
      seen.push(...page.items.map((e) => e.seq));
      if (!page.next) break;
      url = `/v1/audit?limit=3&cursor=${page.next}`;
    }
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const one = await get<Page>('/v1/audit?subject=lic_one');
    expect(one.items.map((e) => e.data.i)).toEqual([2, 1, 0]);
    const byActor = await get<Page>('/v1/audit?actor=seller%3Aslr_a&action=license.issued');
    expect(byActor.items.map((e) => e.data.i)).toEqual([5, 1]);
    for (const cursor of ['nope!', Buffer.from('[0]').toString('base64url'), 'W10']) {
      const res = await t.call('GET', `/v1/audit?cursor=${cursor}`, { key: operator });
      expect(res.status).toBe(400);
    }
  });

  it('says where an edited event breaks the chain, and lists from there', async () => {
    await tampered(
      async () => {
        await t.db.query(`update audit_events set data = '{"i": 99}' where seq = 4`);
      },
      async () => {
        const chain = await get<{ cursor: string }>('/v1/audit/chain');
        expect(chain).toMatchObject({
          ok: false,
          reason: 'EDITED',
          brokenAtSeq: 4,
          verified: 3,
          event: { seq: 4, subject: 'lic_3', action: 'generator.registered' },
        });
        const from = await get<Page>(`/v1/audit?cursor=${chain.cursor}`);
        expect(from.items.map((e) => e.seq)).toEqual([4, 3, 2, 1]);
      },
    );
    expect(await get('/v1/audit/chain')).toMatchObject({ ok: true, count: 7 });
  });

  it('says an event was removed before the next one', async () => {
    await tampered(
      async () => {
        await t.db.query('delete from audit_events where seq = 5');
      },
      async () => {
        expect(await get('/v1/audit/chain')).toMatchObject({
          ok: false,
          reason: 'MISSING_BEFORE',
          brokenAtSeq: 6,
          verified: 4,
        });
      },
    );
  });

  it('says the newest events were cut off the end', async () => {
    await tampered(
      async () => {
        await t.db.query('delete from audit_events where seq >= 5');
      },
      async () => {
        expect(await get('/v1/audit/chain')).toMatchObject({
          ok: false,
          reason: 'HEAD_MISMATCH',
          brokenAtSeq: 5,
          verified: 4,
          event: null,
        });
      },
    );
  });

  it('reports the chain intact across batches, with the head and count', async () => {
    await append(1003, (i) => `bulk_${i}`);
    const chain = await get<{ ok: boolean; count: number; head: string; lastSeq: number }>(
      '/v1/audit/chain',
    );
    const newest = (await get<Page>('/v1/audit?limit=1')).items[0]!;
    expect(chain).toMatchObject({ ok: true, count: 1010, head: newest.hash, lastSeq: 1010 });
  });
});
