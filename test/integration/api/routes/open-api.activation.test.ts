import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../../src/db/sql.js';
import { readAudit } from '../../../../src/db/repositories/audit-log.js';
import { createOpenApiRoutes, OPEN_API_BASE } from '../../../../src/api/routes/open-api.js';
import { ApiCredentialStore } from '../../../../src/license/api-credentials.js';
import { verifyStoredAudit } from '../../../../src/license/audit-log.js';
import {
  ACTIVATION_REPEAT_WINDOW_MS,
  LicenseCodeService,
} from '../../../../src/license/license-code-service.js';
import { databaseKinds, openTestDatabase } from '../../../helpers/databases.js';
import { seedOrder, testWraps } from '../../../helpers/license/seed.js';

/**
 * Activation repeated after a lost reply (issue 10), through the signed open API: the same
 * request again answers success with the same data; another request, or the same one long after,
 * answers 92020003.
 */
const HOST = 'mkt.oneclick.test';
type Answer = { error_code: string; error_msg: string; data?: { license_code_info: string } };

describe.each(databaseKinds)('open API activation repeated on %s', (kind) => {
  let db: Database;
  let codes: LicenseCodeService;
  let credentials: ApiCredentialStore;
  let app: ReturnType<typeof createOpenApiRoutes>;
  /** The service's clock, moved by the tests; the signatures use the real one. */
  let skewMs = 0;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    const wraps = testWraps();
    codes = new LicenseCodeService({
      sql: db,
      wraps,
      now: () => new Date(Date.now() + skewMs),
    });
    credentials = new ApiCredentialStore(db, wraps);
    app = createOpenApiRoutes({ codes, credentials });
  });
  afterAll(async () => {
    await db?.close();
  });

  /** Signs with the official Huawei SDK's signer, as a seller's software would. */
  async function activate(data: unknown, cred: { ak: string; sk: string }): Promise<Answer> {
    const credential = { getAk: () => cred.ak, getSk: () => cred.sk } as unknown as ICredential;
    const url = `https://${HOST}${OPEN_API_BASE}/v1/license/activate`;
    const headers = AKSKSigner.sign(
      {
        endpoint: url,
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        queryParams: {},
        data,
      },
      credential,
    ) as Record<string, string>;
    const res = await app.request(url, { method: 'POST', headers, body: JSON.stringify(data) });
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  }

  async function claimedCode() {
    const o = await seedOrder(db, 'license2');
    const cred = await credentials.create(o.sellerId);
    const { code, license } = await codes.issue(o.orderRef, 'system');
    await codes.claim(license.id, 'buyer');
    return { o, cred, code, license };
  }

  const activations = async (licenseId: string) =>
    (await readAudit(db, licenseId)).filter((e) => e.action === 'license.activated').length;

  /** yyyyMMddHHmmss (UTC) of a moment `agoMs` before now. */
  const kooTime = (agoMs: number) =>
    new Date(Date.now() - agoMs).toISOString().replace(/\D/g, '').slice(0, 14);

  it('answers the same request again with success and the same data, activating once', async () => {
    const { o, cred, code, license } = await claimedCode();
    const first = await activate({ license: code }, cred);
    expect(first.error_code).toBe('92020000');
    const again = await activate({ license: code }, cred);
    expect(again).toEqual(first);
    expect(JSON.parse(again.data!.license_code_info)).toMatchObject({
      status: 'ALIVE',
      order_id: o.marketplaceOrderId,
      amount: 1,
    });
    expect(await activations(license.id)).toBe(1);
    const events = await db.query<{ to_state: string }>(
      `select e.to_state from supervision_events e join supervision_records s on s.id = e.record_id
        where s.order_id = $1 and e.to_state = 'activated'`,
      [o.orderRef],
    );
    expect(events).toHaveLength(1);
    expect((await verifyStoredAudit(db)).ok).toBe(true);
  });

  it('answers the same real_effect_time again with success, and another one or none with 92020003', async () => {
    const { cred, code, license } = await claimedCode();
    const at = kooTime(30_000);
    const first = await activate({ license: code, real_effect_time: at }, cred);
    expect(first.error_code).toBe('92020000');
    expect(await activate({ license: code, real_effect_time: at }, cred)).toEqual(first);
    expect(
      await activate({ license: code, real_effect_time: kooTime(20_000) }, cred),
    ).toMatchObject({ error_code: '92020003' });
    expect(await activate({ license: code }, cred)).toMatchObject({ error_code: '92020003' });
    expect(await activations(license.id)).toBe(1);
  });

  it('answers 92020003 to a request with a real_effect_time after one without', async () => {
    const { cred, code } = await claimedCode();
    expect((await activate({ license: code }, cred)).error_code).toBe('92020000');
    expect(await activate({ license: code, real_effect_time: kooTime(0) }, cred)).toMatchObject({
      error_code: '92020003',
    });
  });

  it('answers both of two identical activations racing each other with success', async () => {
    const { cred, code, license } = await claimedCode();
    const [a, b] = await Promise.all([
      activate({ license: code }, cred),
      activate({ license: code }, cred),
    ]);
    expect(a?.error_code).toBe('92020000');
    expect(b).toEqual(a);
    expect(await activations(license.id)).toBe(1);
  });

  it('answers 92020003 to the same request once the repeat window has passed', async () => {
    const { cred, code } = await claimedCode();
    expect((await activate({ license: code }, cred)).error_code).toBe('92020000');
    skewMs = ACTIVATION_REPEAT_WINDOW_MS + 60_000;
    try {
      expect(await activate({ license: code }, cred)).toMatchObject({ error_code: '92020003' });
    } finally {
      skewMs = 0;
    }
  });

  it('answers 92020003 to the same request once the code is frozen or revoked', async () => {
    const frozen = await claimedCode();
    expect((await activate({ license: frozen.code }, frozen.cred)).error_code).toBe('92020000');
    await db.query(`update licenses set status = 'FROZEN' where id = $1`, [frozen.license.id]);
    expect(await activate({ license: frozen.code }, frozen.cred)).toMatchObject({
      error_code: '92020003',
    });
    const revoked = await claimedCode();
    expect((await activate({ license: revoked.code }, revoked.cred)).error_code).toBe('92020000');
    await db.query(`update licenses set revoked_at = now() where id = $1`, [revoked.license.id]);
    expect(await activate({ license: revoked.code }, revoked.cred)).toMatchObject({
      error_code: '92020003',
    });
  });

  it("answers 92020005 to the same request signed by another seller's key", async () => {
    const { cred, code } = await claimedCode();
    expect((await activate({ license: code }, cred)).error_code).toBe('92020000');
    const stranger = await seedOrder(db, 'license2');
    const strangerCred = await credentials.create(stranger.sellerId);
    expect(await activate({ license: code }, strangerCred)).toMatchObject({
      error_code: '92020005',
    });
  });
});
