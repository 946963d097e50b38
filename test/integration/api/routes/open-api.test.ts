import { createHash } from 'node:crypto';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../../src/db/migrate.js';
import { openPglite, type Database } from '../../../../src/db/sql.js';
import { createOpenApiRoutes, OPEN_API_BASE } from '../../../../src/api/routes/open-api.js';
import { ApiCredentialStore } from '../../../../src/license/api-credentials.js';
import { LicenseCodeService } from '../../../../src/license/license-code-service.js';
import { seedOrder, supervisionState, testWraps } from '../../../helpers/license/seed.js';

const HOST = 'mkt.oneclick.test';
let db: Database;
let codes: LicenseCodeService;
let credentials: ApiCredentialStore;
let app: ReturnType<typeof createOpenApiRoutes>;

beforeAll(async () => {
  db = await openPglite(undefined);
  await migrate(db);
  const wraps = testWraps();
  codes = new LicenseCodeService({ sql: db, wraps });
  credentials = new ApiCredentialStore(db, wraps);
  app = createOpenApiRoutes({ codes, credentials });
});
afterAll(() => db.close());

/** Signs with the official Huawei SDK's signer, as a seller's software would. */
function call(
  path: string,
  data: unknown,
  cred: { ak: string; sk: string },
  tamper?: (body: string) => string,
) {
  const credential = { getAk: () => cred.ak, getSk: () => cred.sk } as unknown as ICredential;
  const headers = AKSKSigner.sign(
    {
      endpoint: `https://${HOST}${OPEN_API_BASE}${path}`,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      queryParams: {},
      data,
    },
    credential,
  ) as Record<string, string>;
  const body = JSON.stringify(data);
  return app.request(`https://${HOST}${OPEN_API_BASE}${path}`, {
    method: 'POST',
    headers,
    body: tamper ? tamper(body) : body,
  });
}

async function claimedCode() {
  const o = await seedOrder(db, 'license2');
  const cred = await credentials.create(o.sellerId);
  const { code, license } = await codes.issue(o.orderRef, 'system');
  await codes.claim(license.id, 'buyer');
  return { o, cred, code, license };
}

describe('License 2.0 open API', () => {
  it("activates a claimed code with KooGallery's envelope, then answers ALIVE on heartbeat", async () => {
    const { o, cred, code } = await claimedCode();
    const res = await call('/v1/license/activate', { license: code }, cred);
    expect(res.status).toBe(200);
    const json = (await res.json()) as { error_code: string; data: { license_code_info: string } };
    expect(json.error_code).toBe('92020000');
    expect(typeof json.data.license_code_info).toBe('string');
    expect(JSON.parse(json.data.license_code_info)).toMatchObject({
      status: 'ALIVE',
      order_id: o.marketplaceOrderId,
      amount: 1,
    });
    expect((await supervisionState(db, o.orderRef)).state).toBe('activated');
    const hb = await call('/v1/license/heartbeat', { license: code }, cred);
    expect(await hb.json()).toMatchObject({
      error_code: '92020000',
      data: { status: 'ALIVE', license_code: code },
    });
  });

  it('answers 92020003 for a second activation with another request', async () => {
    const { cred, code } = await claimedCode();
    await call('/v1/license/activate', { license: code }, cred);
    const now = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    expect(
      await (
        await call('/v1/license/activate', { license: code, real_effect_time: now }, cred)
      ).json(),
    ).toMatchObject({ error_code: '92020003' });
  });

  it('answers 92020004 for an unclaimed code and 92020011 when querying it', async () => {
    const o = await seedOrder(db, 'license2');
    const cred = await credentials.create(o.sellerId);
    const { code } = await codes.issue(o.orderRef, 'system');
    expect(
      await (await call('/v1/license/activate', { license: code }, cred)).json(),
    ).toMatchObject({ error_code: '92020004' });
    expect(
      await (await call('/v1/license/heartbeat', { license: code }, cred)).json(),
    ).toMatchObject({ error_code: '92020011' });
  });

  it("answers 92020005 for an unknown code and for another seller's code", async () => {
    const { code } = await claimedCode();
    const stranger = await seedOrder(db, 'license2');
    const strangerCred = await credentials.create(stranger.sellerId);
    expect(
      await (await call('/v1/license/activate', { license: code }, strangerCred)).json(),
    ).toMatchObject({ error_code: '92020005' });
    expect(
      await (
        await call('/v1/license/activate', { license: 'PL-0000000-0000000-0000000' }, strangerCred)
      ).json(),
    ).toMatchObject({
      error_code: '92020005',
    });
  });

  it('answers 92020002 for a missing or over-long license and a bad real_effect_time', async () => {
    const { cred, code } = await claimedCode();
    expect(await (await call('/v1/license/activate', {}, cred)).json()).toMatchObject({
      error_code: '92020002',
    });
    expect(
      await (await call('/v1/license/activate', { license: 'X'.repeat(65) }, cred)).json(),
    ).toMatchObject({ error_code: '92020002' });
    expect(
      await (
        await call('/v1/license/activate', { license: code, real_effect_time: '2026-01-01' }, cred)
      ).json(),
    ).toMatchObject({
      error_code: '92020002',
    });
  });

  it('refuses a bad signature, an unknown AK and a body changed after signing with 401', async () => {
    const { cred, code } = await claimedCode();
    const wrongSk = await call(
      '/v1/license/activate',
      { license: code },
      { ak: cred.ak, sk: 'x'.repeat(40) },
    );
    expect(wrongSk.status).toBe(401);
    expect(await wrongSk.json()).toMatchObject({ error_code: 'APIG.0301' });
    const unknownAk = await call(
      '/v1/license/activate',
      { license: code },
      { ak: 'NOSUCHAK0000', sk: cred.sk },
    );
    expect(unknownAk.status).toBe(401);
    const tampered = await call('/v1/license/activate', { license: code }, cred, (b) =>
      b.replace('PL', 'pl'),
    );
    expect(tampered.status).toBe(401);
    const unsigned = await app.request(`https://${HOST}${OPEN_API_BASE}/v1/license/activate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ license: code }),
    });
    expect(unsigned.status).toBe(401);
    // None of these activated the code.
    expect(
      await (await call('/v1/license/heartbeat', { license: code }, cred)).json(),
    ).toMatchObject({ error_code: '92020011' });
  });

  it('refuses a captured signed request replayed with another body, and still takes it with its own', async () => {
    const { cred, code } = await claimedCode();
    const other = await claimedCode();
    const url = `https://${HOST}${OPEN_API_BASE}/v1/license/activate`;
    const credential = { getAk: () => cred.ak, getSk: () => cred.sk } as unknown as ICredential;
    const data = { license: code };
    const captured = AKSKSigner.sign(
      {
        endpoint: url,
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        queryParams: {},
        data,
      },
      credential,
    ) as Record<string, string>;
    const ownHash = createHash('sha256').update(JSON.stringify(data)).digest('hex');
    const replayed = JSON.stringify({ license: other.code });
    // Another body as is, and another body behind the original hash declared in a header the
    // signature does not cover, and behind UNSIGNED-PAYLOAD.
    for (const extra of [
      {} as Record<string, string>,
      { 'X-Sdk-Content-Sha256': ownHash },
      { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
    ]) {
      const res = await app.request(url, {
        method: 'POST',
        headers: { ...captured, ...extra },
        body: replayed,
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error_code: 'APIG.0301' });
    }
    // A seller signing UNSIGNED-PAYLOAD into the signature is refused too.
    const unsignedPayload = AKSKSigner.sign(
      {
        endpoint: url,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
        queryParams: {},
        data,
      },
      credential,
    ) as Record<string, string>;
    expect(unsignedPayload.Authorization).toContain('x-sdk-content-sha256');
    const up = await app.request(url, {
      method: 'POST',
      headers: unsignedPayload,
      body: JSON.stringify(data),
    });
    expect(up.status).toBe(401);
    // The other code was never activated; the captured request with its own body still works.
    expect(
      await (await call('/v1/license/heartbeat', { license: other.code }, other.cred)).json(),
    ).toMatchObject({ error_code: '92020011' });
    const own = await app.request(url, {
      method: 'POST',
      headers: captured,
      body: JSON.stringify(data),
    });
    expect(await own.json()).toMatchObject({ error_code: '92020000' });
  });

  it('stops accepting a revoked AK', async () => {
    const { o, cred, code } = await claimedCode();
    await credentials.revoke(o.sellerId, cred.ak);
    expect((await call('/v1/license/activate', { license: code }, cred)).status).toBe(401);
  });

  it("answers 415 and 405 with KooGallery's HTTP-level codes", async () => {
    const res = await app.request(`https://${HOST}${OPEN_API_BASE}/v1/license/activate`, {
      method: 'POST',
      body: 'x',
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error_code: '95000003' });
    const get = await app.request(`https://${HOST}${OPEN_API_BASE}/v1/license/activate`);
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ error_code: '95000002' });
  });

  it('activates a v2 batch, reporting 92020020 with per-item codes when one is invalid', async () => {
    const a = await claimedCode();
    const o2 = await seedOrder(db, 'license2', { sellerId: a.o.sellerId });
    const second = await codes.issue(o2.orderRef, 'system');
    await codes.claim(second.license.id, 'buyer');
    const res = await call(
      '/v2/license/activate',
      { licenses: [{ license: a.code }, { license: 'PL-0000000-0000000-0000000' }, second.code] },
      a.cred,
    );
    const json = (await res.json()) as {
      error_code: string;
      data: { results: { error_code: string }[] };
    };
    expect(json.error_code).toBe('92020020');
    expect(json.data.results.map((r) => r.error_code)).toEqual([
      '92020000',
      '92020005',
      '92020000',
    ]);
    const hb = await call('/v2/license/heartbeat', { licenses: [a.code, second.code] }, a.cred);
    expect(await hb.json()).toMatchObject({ error_code: '92020000' });
  });
});
