import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/api/app.js';
import { createApiKey, createPrincipal } from '../../../../src/db/repositories/principals.js';
import { migrate } from '../../../../src/db/migrate.js';
import { openPglite, type Database } from '../../../../src/db/sql.js';
import { createLicenseServices } from '../../../../src/license/services.js';
import { createLogger } from '../../../../src/logger.js';
import { opensslVerify, openssl } from '../../../helpers/openssl.js';
import { seedOrder, testWraps } from '../../../helpers/license/seed.js';
import { startSampleGenerator } from '../../../../src/sandbox/sample-generator.js';
import { startLicenseWorker, type LicenseWorker } from '../../../helpers/license/temporal.js';
import {
  createTemporalGateway,
  lifecycleWorkflowId,
} from '../../../../src/temporal/gateway/index.js';
import { fileURLToPath } from 'node:url';

const WORKFLOWS = fileURLToPath(
  new URL('../../../../workflows/license-lifecycle.ts', import.meta.url),
);
let temporal: LicenseWorker | undefined;

const FP = '52:54:00:AA:BB:01|DISK-1|BOARD-1|CPU-1';
let db: Database;
let app: ReturnType<typeof createApp>;
const keysOf: Record<string, string> = {};
let sellerId = '';
let buyerId = '';

async function principal(role: 'buyer' | 'seller' | 'operator', name: string) {
  const p = await createPrincipal(db, { role, name });
  keysOf[name] = (await createApiKey(db, p.id)).key;
  return p;
}

function req(who: string | null, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (who) headers.authorization = `Bearer ${keysOf[who]}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return app.request(`http://oneclick.test${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

beforeAll(async () => {
  db = await openPglite(undefined);
  await migrate(db);
  const license = createLicenseServices({
    sql: db,
    wraps: testWraps(),
    issuer: 'http://oneclick.test',
    // The sample generator listens on loopback, as in the sandbox.
    allowPrivateSellerEndpoints: true,
  });
  temporal = await startLicenseWorker(WORKFLOWS, license);
  // The whole API, each answer held to the routes' contracts.
  app = createApp(
    {
      db,
      logger: createLogger('silent'),
      marketplaceAccessKey: 'unused',
      temporal: createTemporalGateway(temporal.client, temporal.taskQueue),
      license,
    },
    { checkContract: true },
  );
  sellerId = (await principal('seller', 'seller')).sellerId!;
  buyerId = (await principal('buyer', 'buyer')).buyerId!;
  await principal('buyer', 'stranger');
  await principal('operator', 'operator');
});
afterAll(async () => {
  await temporal?.stop();
  await db?.close();
});

describe('license routes', () => {
  it('gives the buyer a License 1.0 license that jose (via the JWKS) and openssl (via the PEM) verify', async () => {
    const o = await seedOrder(db, 'license1', { sellerId, buyerId });
    const res = await req('buyer', 'POST', `/v1/licenses/orders/${o.orderRef}/hardware-id`, {
      fingerprint: FP,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { document: string; kid: string; id: string };
    const set = (await (await req(null, 'GET', '/.well-known/jwks.json')).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(body.document, createLocalJWKSet(set));
    expect(payload).toMatchObject({ jti: body.id, fingerprint: FP, sub: o.marketplaceOrderId });
    const pem = await (
      await req(null, 'GET', `/.well-known/license-keys/${body.kid}/public-key.pem`)
    ).text();
    expect(opensslVerify(body.document, pem, 'EdDSA').ok).toBe(true);
    const cert = await (
      await req(null, 'GET', `/.well-known/license-keys/${body.kid}/certificate.pem`)
    ).text();
    const certKey = openssl(['x509', '-in', 'c.pem', '-pubkey', '-noout'], { 'c.pem': cert });
    expect(certKey.trim()).toBe(pem.trim());
    expect(
      await (
        await req(null, 'POST', '/licenses/verify', { license: body.document, fingerprint: FP })
      ).json(),
    ).toMatchObject({ valid: true });
  });

  it('answers 404 to another buyer and hides the document from the operator', async () => {
    const o = await seedOrder(db, 'license1', { sellerId, buyerId });
    const issued = (await (
      await req('buyer', 'POST', `/v1/licenses/orders/${o.orderRef}/hardware-id`, {
        fingerprint: FP,
      })
    ).json()) as { id: string };
    expect(
      (
        await req('stranger', 'POST', `/v1/licenses/orders/${o.orderRef}/hardware-id`, {
          fingerprint: FP,
        })
      ).status,
    ).toBe(404);
    expect((await req('stranger', 'GET', `/v1/licenses/${issued.id}`)).status).toBe(404);
    const seen = (await (
      await req('operator', 'GET', `/v1/licenses/${issued.id}`)
    ).json()) as Record<string, unknown>;
    expect(seen.id).toBe(issued.id);
    expect(seen).not.toHaveProperty('document');
    const mine = (await (await req('seller', 'GET', `/v1/licenses/${issued.id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(mine.document).toEqual(expect.any(String));
  });

  it('answers 400 INVALID_FINGERPRINT and 409 with the changed parts in the error envelope', async () => {
    const o = await seedOrder(db, 'license1', { sellerId, buyerId });
    const bad = await req('buyer', 'POST', `/v1/licenses/orders/${o.orderRef}/hardware-id`, {
      fingerprint: 'FF:FF:FF:FF:FF:FF|||',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_FINGERPRINT' } });
    await req('buyer', 'POST', `/v1/licenses/orders/${o.orderRef}/hardware-id`, {
      fingerprint: FP,
    });
    const other = await req('buyer', 'POST', `/v1/licenses/orders/${o.orderRef}/hardware-id`, {
      fingerprint: FP.replace('CPU-1', 'CPU-2'),
    });
    expect(other.status).toBe(409);
    const err = (await other.json()) as { error: { code: string; message: string } };
    expect(err.error.code).toBe('LICENSE_BOUND_TO_OTHER_MACHINE');
    expect(err.error.message).toContain('cpuId');
    const rebound = await req('buyer', 'POST', `/v1/licenses/orders/${o.orderRef}/hardware-id`, {
      fingerprint: FP.replace('CPU-1', 'CPU-2'),
      rebind: true,
    });
    expect(await rebound.json()).toMatchObject({ rebound: true, changedParts: ['cpuId'] });
  });

  it('lets the seller revoke, which the revocation list and verify endpoint then report', async () => {
    const o = await seedOrder(db, 'license1', { sellerId, buyerId });
    const issued = (await (
      await req('buyer', 'POST', `/v1/licenses/orders/${o.orderRef}/hardware-id`, {
        fingerprint: FP,
      })
    ).json()) as { id: string; document: string };
    expect(
      (await req('buyer', 'POST', `/v1/licenses/${issued.id}/revoke`, { reason: 'x' })).status,
    ).toBe(403);
    expect(
      (await req('seller', 'POST', `/v1/licenses/${issued.id}/revoke`, { reason: 'refund' }))
        .status,
    ).toBe(200);
    const list = await (await req(null, 'GET', '/.well-known/license-revocations.jws')).text();
    const payload = JSON.parse(Buffer.from(list.split('.')[1]!, 'base64url').toString()) as {
      revoked: { id: string }[];
    };
    expect(payload.revoked.map((r) => r.id)).toContain(issued.id);
    expect(
      await (await req(null, 'POST', '/licenses/verify', { license: issued.document })).json(),
    ).toMatchObject({
      valid: false,
      problem: 'LICENSE_REVOKED',
    });
    const audit = (await (
      await req('seller', 'GET', `/v1/licenses/${issued.id}/audit`)
    ).json()) as { items: { action: string }[]; chain: { ok: boolean } };
    expect(audit.items.map((e) => e.action)).toEqual(['license.issued', 'license.revoked']);
    expect(audit.chain.ok).toBe(true);
  });

  it('issues a License 2.0 code the buyer claims and then sees', async () => {
    const o = await seedOrder(db, 'license2', { sellerId, buyerId });
    expect((await req('buyer', 'POST', `/v1/licenses/orders/${o.orderRef}/code`)).status).toBe(403);
    const issued = await req('seller', 'POST', `/v1/licenses/orders/${o.orderRef}/code`);
    expect(issued.status).toBe(201);
    const { id, code } = (await issued.json()) as { id: string; code: string };
    expect((await req('seller', 'POST', `/v1/licenses/orders/${o.orderRef}/code`)).status).toBe(
      200,
    );
    expect(await (await req('buyer', 'POST', `/v1/licenses/${id}/claim`)).json()).toMatchObject({
      status: 'claimed',
    });
    expect(await (await req('buyer', 'GET', `/v1/licenses/${id}`)).json()).toMatchObject({
      code,
      status: 'claimed',
    });
    // Issuing started the license's lifecycle workflow.
    const handle = temporal!.client.workflow.getHandle(lifecycleWorkflowId(id));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test over');
  });

  it('rotates a seller key: the JWKS then publishes both keys', async () => {
    const before = (
      (await (await req(null, 'GET', '/.well-known/jwks.json')).json()) as JSONWebKeySet
    ).keys.length;
    const res = await req('seller', 'POST', '/v1/keys', { alg: 'RS256' });
    expect(res.status).toBe(201);
    const after = (await (
      await req(null, 'GET', '/.well-known/jwks.json')
    ).json()) as JSONWebKeySet;
    expect(after.keys.length).toBe(before + 1);
    expect(after.keys.every((k) => k.d === undefined)).toBe(true);
    const bad = await req('seller', 'POST', '/v1/keys', {
      pem: '-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----',
    });
    expect(await bad.json()).toMatchObject({ error: { code: 'KEY_IMPORT_INVALID' } });
  });

  it('refuses a plain-HTTP remote generator off loopback and keeps sellers to their own generators', async () => {
    const res = await req('seller', 'POST', '/v1/generators', {
      kind: 'remote',
      name: 'g',
      url: 'http://seller.example.com/gen',
      accessKey: 'K'.repeat(32),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'GENERATOR_URL_NOT_HTTPS' } });
    const created = (await (
      await req('seller', 'POST', '/v1/generators', {
        kind: 'built-in',
        name: 'b',
        template: { validityDays: 30 },
      })
    ).json()) as { generator: { id: string } };
    expect((await req('buyer', 'GET', '/v1/generators')).status).toBe(403);
    expect((await req('operator', 'GET', `/v1/generators/${created.generator.id}`)).status).toBe(
      200,
    );
    expect((await req('stranger', 'GET', `/v1/generators/${created.generator.id}`)).status).toBe(
      404,
    );
  });

  it('gives a seller an AK/SK once and lists only the AK afterwards', async () => {
    const created = (await (await req('seller', 'POST', '/v1/keys/api-credentials')).json()) as {
      ak: string;
      sk: string;
    };
    expect(created.sk).toHaveLength(40);
    const list = await (await req('seller', 'GET', '/v1/keys/api-credentials')).text();
    expect(list).toContain(created.ak);
    expect(list).not.toContain(created.sk);
  });

  it('registers a conforming remote generator as active and shows its check history', async () => {
    const accessKey = 'E'.repeat(64);
    const sample = await startSampleGenerator({ accessKey });
    try {
      const res = await req('seller', 'POST', '/v1/generators', {
        kind: 'remote',
        name: 'sample',
        url: sample.url,
        accessKey,
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as {
        generator: { id: string; status: string };
        report: { passed: boolean };
      };
      expect(body).toMatchObject({ generator: { status: 'active' }, report: { passed: true } });
      expect(JSON.stringify(body)).not.toContain(accessKey);
      sample.setBehaviour({ idempotent: false });
      const again = await req('seller', 'POST', `/v1/generators/${body.generator.id}/check`);
      expect(await again.json()).toMatchObject({
        generator: { status: 'failing' },
        report: { passed: false },
      });
      const history = (await (
        await req('seller', 'GET', `/v1/generators/${body.generator.id}/checks`)
      ).json()) as { items: { passed: boolean }[] };
      expect(history.items.map((i) => i.passed)).toEqual([false, true]);
    } finally {
      await sample.close();
    }
  });

  it('lists only the licenses a principal may see', async () => {
    const o = await seedOrder(db, 'license1', { sellerId, buyerId });
    const issued = (await (
      await req('buyer', 'POST', `/v1/licenses/orders/${o.orderRef}/hardware-id`, {
        fingerprint: FP,
      })
    ).json()) as { id: string };
    const ids = async (who: string, query = '') =>
      (
        (await (await req(who, 'GET', `/v1/licenses${query}`)).json()) as {
          items: { id: string }[];
        }
      ).items.map((i) => i.id);
    expect(await ids('buyer')).toContain(issued.id);
    expect(await ids('seller')).toContain(issued.id);
    expect(await ids('operator')).toContain(issued.id);
    expect(await ids('stranger')).toEqual([]);
    expect(await ids('buyer', `?orderId=${o.orderRef}`)).toEqual([issued.id]);
    expect((await req('buyer', 'GET', '/v1/licenses?limit=0')).status).toBe(400);
  });
});
