import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/sql.js';
import { readAudit } from '../../../src/db/repositories/audit-log.js';
import { appendAudit, auditHead, verifyStoredAudit } from '../../../src/license/audit-log.js';
import { databaseKinds, openTestDatabase } from '../../helpers/databases.js';

describe.each(databaseKinds)('audit log on %s', (kind) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(() => db.close());

  it('keeps one unbroken chain under 40 concurrent appending transactions', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        db.transaction((tx) =>
          appendAudit(tx, {
            actor: 'test',
            action: 'x.done',
            subject: `s${i}`,
            data: { i, nested: { b: 1, a: 2 } },
          }),
        ),
      ),
    );
    const verdict = await verifyStoredAudit(db);
    expect(verdict).toMatchObject({ ok: true, count: 40 });
    expect(await auditHead(db)).toBe((verdict as { head: string }).head);
  });

  it('leaves no event behind when the transaction rolls back', async () => {
    const before = (await readAudit(db)).length;
    await expect(
      db.transaction(async (tx) => {
        await appendAudit(tx, { actor: 'test', action: 'x.failed', subject: 'rollback' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await readAudit(db)).toHaveLength(before);
    await db.transaction((tx) =>
      appendAudit(tx, { actor: 'test', action: 'x.after', subject: 'after' }),
    );
    expect((await verifyStoredAudit(db)).ok).toBe(true);
  });

  it('detects an edited and a deleted event', async () => {
    const events = await readAudit(db);
    const victim = events[5]!;
    await db.query(`update audit_events set data = '{"i": 999}' where seq = $1`, [victim.seq]);
    expect(await verifyStoredAudit(db)).toMatchObject({
      ok: false,
      reason: 'EDITED',
      brokenAtSeq: victim.seq,
    });
    await db.query('delete from audit_events where seq = $1', [victim.seq]);
    expect(await verifyStoredAudit(db)).toMatchObject({
      ok: false,
      reason: 'MISSING_BEFORE',
      brokenAtSeq: events[6]!.seq,
    });
  });
});
