import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/sql.js';
import { databaseKinds, openTestDatabase } from '../../helpers/databases.js';
import { SigningKeyStore } from '../../../src/license/signing-key-store.js';
import { LicenseCodeService } from '../../../src/license/license-code-service.js';
import { LicenseDocumentService } from '../../../src/license/license-document-service.js';
import { GeneratorStore } from '../../../src/license/generator-store.js';
import { RevocationService } from '../../../src/license/revocation-service.js';
import { readAudit } from '../../../src/db/repositories/audit-log.js';
import { verifyStoredAudit } from '../../../src/license/audit-log.js';
import { verifyRevocationList } from '../../../src/license/revocation-list.js';
import {
  startSampleGenerator,
  type SampleGenerator,
} from '../../../src/sandbox/sample-generator.js';
import { seedOrder, supervisionState, testWraps } from '../../helpers/license/seed.js';

const FP_A = '52:54:00:00:00:0A|DISK-A|BOARD-A|CPU-A';
const FP_B = '52:54:00:00:00:0B|DISK-A|BOARD-A|CPU-A';
const ACCESS_KEY = 'B'.repeat(64);

let db: Database;
let generator: SampleGenerator;
const wraps = testWraps();
let keys: SigningKeyStore;
let codes: LicenseCodeService;
let docs: LicenseDocumentService;
let generators: GeneratorStore;
let revocation: RevocationService;

describe.each(databaseKinds)('license services on %s', (kind) => {
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    keys = new SigningKeyStore(db, wraps);
    generators = new GeneratorStore(db, wraps, { allowPrivateNetwork: true });
    codes = new LicenseCodeService({ sql: db, wraps });
    docs = new LicenseDocumentService({
      sql: db,
      keys,
      generators,
      issuer: 'https://oneclick.test',
    });
    revocation = new RevocationService(db, keys, 'https://oneclick.test');
    generator = await startSampleGenerator({ accessKey: ACCESS_KEY });
  });
  afterAll(async () => {
    await generator.close();
    await db.close();
  });

  describe('License 2.0 codes on the database', () => {
    it('issues one code per order line, the same one on every call', async () => {
      const o = await seedOrder(db, 'license2');
      const a = await codes.issue(o.orderRef, 'system');
      const b = await codes.issue(o.orderRef, 'system');
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      expect(b.code).toBe(a.code);
      const rows = await db.query<{ sealed_code: string; code_hash: string }>(
        'select sealed_code, code_hash from licenses where order_id = $1',
        [o.orderRef],
      );
      expect(rows[0]!.sealed_code).not.toContain(a.code.replace(/-/g, '').slice(2));
    });

    it('closes negotiated unsubscription once the buyer claims the code', async () => {
      const o = await seedOrder(db, 'license2');
      expect(await codes.negotiatedUnsubscriptionOpen(o.orderRef)).toBe(true);
      const { license } = await codes.issue(o.orderRef, 'system');
      expect(await codes.negotiatedUnsubscriptionOpen(o.orderRef)).toBe(true);
      await codes.claim(license.id, 'buyer');
      expect(await codes.negotiatedUnsubscriptionOpen(o.orderRef)).toBe(false);
    });

    it('answers not-claimed, then activates, then refuses a second, different activation', async () => {
      const o = await seedOrder(db, 'license2');
      const { code, license } = await codes.issue(o.orderRef, 'system');
      await expect(codes.activate(o.sellerId, code)).rejects.toMatchObject({
        code: 'LICENSE_CODE_NOT_CLAIMED',
      });
      await codes.claim(license.id, `buyer:${o.buyerId}`);
      expect((await supervisionState(db, o.orderRef)).state).toBe('code_claimed');
      const { info } = await codes.activate(o.sellerId, code.toLowerCase());
      expect(info).toMatchObject({ status: 'ALIVE', order_id: o.marketplaceOrderId, amount: 1 });
      const sup = await supervisionState(db, o.orderRef);
      expect(sup.state).toBe('activated');
      expect(sup.start).not.toBeNull();
      await expect(
        codes.activate(o.sellerId, code, new Date(Date.now() - 1_000)),
      ).rejects.toMatchObject({
        code: 'LICENSE_CODE_STATE',
      });
      await expect(codes.query(o.sellerId, code)).resolves.toMatchObject({ status: 'ALIVE' });
    });

    it("answers unknown for another seller's code and for a typo", async () => {
      const o = await seedOrder(db, 'license2');
      const other = await seedOrder(db, 'license2');
      const { code } = await codes.issue(o.orderRef, 'system');
      await expect(codes.activate(other.sellerId, code)).rejects.toMatchObject({
        code: 'LICENSE_CODE_UNKNOWN',
      });
      const typo = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
      await expect(codes.query(o.sellerId, typo)).rejects.toMatchObject({
        code: 'LICENSE_CODE_UNKNOWN',
      });
    });

    it('sets the service start time to a given real_effect_time and refuses one before the order', async () => {
      const created = new Date(Date.now() - 3_600_000);
      const o = await seedOrder(db, 'license2', { createdAt: created });
      const { code, license } = await codes.issue(o.orderRef, 'system');
      await codes.claim(license.id, 'buyer');
      await expect(
        codes.activate(o.sellerId, code, new Date(created.getTime() - 86_400_000)),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      const at = new Date(Math.floor((created.getTime() + 600_000) / 1000) * 1000);
      await codes.activate(o.sellerId, code, at);
      expect((await supervisionState(db, o.orderRef)).start?.toISOString()).toBe(at.toISOString());
    });
  });

  describe('License 1.0 documents on the database', () => {
    it('gives the same license for the same machine and moves supervision to awaiting_delivery', async () => {
      const o = await seedOrder(db, 'license1');
      const a = await docs.issueForMachine(o.orderRef, FP_A, { actor: 'buyer' });
      const b = await docs.issueForMachine(o.orderRef, FP_A.toLowerCase(), { actor: 'buyer' });
      expect(b.document).toBe(a.document);
      expect((await supervisionState(db, o.orderRef)).state).toBe('awaiting_delivery');
      expect(await revocation.verify(a.document, FP_A)).toMatchObject({ valid: true });
    });

    it('refuses another machine without rebind, naming the changed parts', async () => {
      const o = await seedOrder(db, 'license1');
      await docs.issueForMachine(o.orderRef, FP_A, { actor: 'buyer' });
      await expect(
        docs.issueForMachine(o.orderRef, FP_B, { actor: 'buyer' }),
      ).rejects.toMatchObject({
        code: 'LICENSE_BOUND_TO_OTHER_MACHINE',
        context: { changedParts: ['mac'] },
      });
    });

    it('allows three rebinds in the window and refuses the fourth with the changed parts', async () => {
      const o = await seedOrder(db, 'license1');
      await docs.issueForMachine(o.orderRef, FP_A, { actor: 'buyer' });
      const machines = ['0C', '0D', '0E'].map((m) => `52:54:00:00:00:${m}|DISK-A|BOARD-A|CPU-A`);
      for (const fp of machines) {
        const r = await docs.issueForMachine(o.orderRef, fp, { actor: 'buyer', rebind: true });
        expect(r).toMatchObject({ rebound: true, changedParts: ['mac'] });
      }
      await expect(
        docs.issueForMachine(o.orderRef, '52:54:00:00:00:0F|DISK-Z|BOARD-A|CPU-A', {
          actor: 'buyer',
          rebind: true,
        }),
      ).rejects.toMatchObject({
        code: 'REBIND_LIMIT_REACHED',
        context: { changedParts: ['mac', 'diskId'], limit: 3 },
      });
      // Going back to a machine already bound is a repeat of the current binding only.
      const current = await docs.issueForMachine(o.orderRef, machines[2]!, { actor: 'buyer' });
      expect(current.rebound).toBe(false);
    });

    it('refuses sentinel fingerprints', async () => {
      const o = await seedOrder(db, 'license1');
      await expect(
        docs.issueForMachine(o.orderRef, '00:00:00:00:00:00|DISK|BOARD|CPU', { actor: 'buyer' }),
      ).rejects.toMatchObject({ code: 'INVALID_FINGERPRINT' });
      await expect(
        docs.issueForMachine(o.orderRef, '52:54:00:00:00:01|DISK|To be filled by O.E.M.|CPU', {
          actor: 'buyer',
        }),
      ).rejects.toMatchObject({ code: 'INVALID_FINGERPRINT' });
    });

    it('wraps a remote generator license in an envelope OneClick signs', async () => {
      const o = await seedOrder(db, 'license1');
      const { generator: g, report } = await generators.registerRemote(o.sellerId, {
        name: 'sample',
        url: generator.url,
        accessKey: ACCESS_KEY,
      });
      expect(report.passed).toBe(true);
      expect(g.status).toBe('active');
      await generators.setProductSettings(o.sellerId, o.productId, { generatorId: g.id });
      const r = await docs.issueForMachine(o.orderRef, FP_A, { actor: 'buyer' });
      const check = await revocation.verify(r.document);
      expect(check).toMatchObject({
        valid: true,
        claims: { source: 'remote', remote: { generatorId: g.id } },
      });
      if (check.valid) expect(check.claims.remote?.license).toMatch(/^SAMPLE1\./);
      const realCalls = generator.calls.filter((c) => c.body.testFlag === '0');
      expect(realCalls).toHaveLength(1);
    });

    it('keeps a pending (non-conforming) remote generator from issuing', async () => {
      const o = await seedOrder(db, 'license1');
      generator.setBehaviour({ idempotent: false });
      try {
        const { generator: g } = await generators.registerRemote(o.sellerId, {
          name: 'bad',
          url: generator.url,
          accessKey: ACCESS_KEY,
        });
        expect(g.status).toBe('pending');
        await generators.setProductSettings(o.sellerId, o.productId, { generatorId: g.id });
        await expect(
          docs.issueForMachine(o.orderRef, FP_A, { actor: 'buyer' }),
        ).rejects.toMatchObject({ code: 'GENERATOR_NOT_ACTIVE' });
      } finally {
        generator.setBehaviour({ idempotent: true });
      }
    });
  });

  describe('keys, revocation and audit on the database', () => {
    it('keeps verifying old licenses after rotation until the old key is retired', async () => {
      const o = await seedOrder(db, 'license1');
      const first = await docs.issueForMachine(o.orderRef, FP_A, { actor: 'buyer' });
      const oldKid = first.license.kid!;
      await keys.addKey(o.sellerId, { generate: 'PS256' });
      expect(await revocation.verify(first.document)).toMatchObject({ valid: true });
      const o2 = await seedOrder(db, 'license1', { sellerId: o.sellerId });
      const second = await docs.issueForMachine(o2.orderRef, FP_A, { actor: 'buyer' });
      expect(second.license.kid).not.toBe(oldKid);
      await keys.retire(o.sellerId, oldKid);
      expect(await revocation.verify(first.document)).toMatchObject({
        valid: false,
        problem: 'JWS_KEY_UNKNOWN',
      });
      expect(await revocation.verify(second.document)).toMatchObject({ valid: true });
      await expect(keys.retire(o.sellerId, second.license.kid!)).rejects.toMatchObject({
        code: 'KEY_IS_ACTIVE',
      });
    });

    it('lists a revoked license in the signed status list and fails it on verify', async () => {
      const o = await seedOrder(db, 'license1');
      const r = await docs.issueForMachine(o.orderRef, FP_A, { actor: 'buyer' });
      await expect(revocation.revoke('sel_other', r.license.id, 'x')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await revocation.revoke(o.sellerId, r.license.id, 'chargeback');
      expect(await revocation.verify(r.document)).toMatchObject({
        valid: false,
        problem: 'LICENSE_REVOKED',
      });
      const list = verifyRevocationList(await revocation.statusList(), await keys.publishedKeys());
      expect(list.revoked.has(r.license.id)).toBe(true);
    });

    it('records every change in an audit chain that verifies and detects an edit', async () => {
      const verdict = await verifyStoredAudit(db);
      expect(verdict.ok).toBe(true);
      const events = await readAudit(db);
      expect(new Set(events.map((e) => e.action))).toEqual(
        new Set([
          'license.issued',
          'license.claimed',
          'license.activated',
          'license.rebound',
          'license.revoked',
          'generator.registered',
        ]),
      );
      const victim = events[3]!;
      await db.query(`update audit_events set subject = 'edited' where seq = $1`, [victim.seq]);
      expect(await verifyStoredAudit(db)).toMatchObject({
        ok: false,
        brokenAtSeq: victim.seq,
        reason: 'EDITED',
      });
      await db.query(`update audit_events set subject = $2 where seq = $1`, [
        victim.seq,
        victim.subject,
      ]);
    });
  });
});
