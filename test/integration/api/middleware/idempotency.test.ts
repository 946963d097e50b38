import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../helpers/databases.js';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { createLicenseServices } from '../../../../src/license/services.js';
import { wrappingKeysFrom } from '../../../../src/license/wrapping-keys.js';
import type { Keyring } from '../../../../src/crypto/keyring.js';

/** An answer that carries a secret (no-store) is replayed for its Idempotency-Key, but stored sealed. */
describe('Idempotency-Key on answers that carry secrets', () => {
  let t: TestApp;
  const secretsKeyring: Keyring = { activeId: 'k1', keys: new Map([['k1', randomBytes(32)]]) };

  beforeAll(async () => {
    t = await startTestApp('pglite', (db) => ({
      secretsKeyring,
      license: createLicenseServices({
        sql: db,
        wraps: wrappingKeysFrom({ activeId: 'k1', keys: new Map([['k1', randomBytes(32)]]) }),
        issuer: 'http://oneclick.test',
      }),
    }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('replays the issued license code and keeps only ciphertext in the database', async () => {
    const seller = await t.principal('seller', 'acme');
    await t.call('POST', '/v1/products', {
      key: seller.key,
      body: { marketplaceProductId: 'OFFI-IDS', name: 'Acme', licenseModel: 'license2' },
    });
    const paid = await t.marketplace('paid', {
      orderId: 'CS-I1',
      orderLineId: 'CS-I1-1',
      customerId: 'c',
      productId: 'OFFI-IDS',
    });
    const orderRef = ((await paid.json()) as { order: { id: string } }).order.id;
    const issue = () =>
      t.call('POST', `/v1/licenses/orders/${orderRef}/code`, {
        key: seller.key,
        body: {},
        headers: { 'idempotency-key': 'issue-1' },
      });

    const first = await issue();
    expect(first.status).toBe(201);
    const code = ((await first.json()) as { code: string }).code;
    expect(code).toMatch(/^PL-/);
    const again = await issue();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('cache-control')).toBe('no-store');
    expect(((await again.json()) as { code: string }).code).toBe(code);
    const rows = await t.db.query<{ response: unknown }>(
      'select response from idempotency_keys where key = $1',
      ['issue-1'],
    );
    expect(JSON.stringify(rows[0]!.response)).not.toContain(code);
  });
});

describe.each(databaseKinds)('Idempotency-Key claims and keys over time on %s', (kind) => {
  let t: TestApp;
  let seller: { principal: { id: string }; key: string };
  const body = (id: string) => ({
    marketplaceProductId: id,
    name: 'Acme',
    licenseModel: 'license2',
  });
  const hashOf = (b: unknown) =>
    createHash('sha256').update('POST /v1/products\n').update(JSON.stringify(b)).digest('hex');
  const create = (b: unknown, key: string) =>
    t.call('POST', '/v1/products', {
      key: seller.key,
      body: b,
      headers: { 'idempotency-key': key },
    });
  /** A claim left by a request that died `ageSeconds` ago, before it answered. */
  const deadClaim = (key: string, b: unknown, ageSeconds: number) =>
    t.db.query(
      `insert into idempotency_keys (principal_id, key, request_hash, status_code, response, created_at)
       values ($1, $2, $3, 0, 'null', now() - make_interval(secs => $4))`,
      [seller.principal.id, key, hashOf(b), ageSeconds],
    );
  const keysNamed = async (key: string) =>
    (await t.db.query('select key from idempotency_keys where key = $1', [key])).length;

  beforeEach(async () => {
    t = await startTestApp(kind);
    seller = await t.principal('seller', 'acme');
  });
  afterEach(async () => {
    await t.close();
  });

  it('answers 409 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    expect((await create(body('OFFI-R1'), 'k-reused')).status).toBe(201);
    const res = await create(body('OFFI-R2'), 'k-reused');
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('takes over a claim whose request died more than 5 minutes ago, not a younger one', async () => {
    await deadClaim('k-young', body('OFFI-Y'), 60);
    const busy = await create(body('OFFI-Y'), 'k-young');
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_IN_USE' } });

    await deadClaim('k-dead', body('OFFI-D'), 6 * 60);
    const taken = await create(body('OFFI-D'), 'k-dead');
    expect(taken.status).toBe(201);
    const again = await create(body('OFFI-D'), 'k-dead');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(
      ((await taken.json()) as { id: string }).id,
    );
  });

  it('prunes keys older than 24 hours on a later write', async () => {
    await deadClaim('k-old', body('OFFI-O'), 25 * 3600);
    await t.db.query(
      `insert into idempotency_keys (principal_id, key, request_hash, status_code, response, created_at)
       values ($1, 'k-old-answered', 'h', 201, '{}', now() - interval '25 hours'),
              ($1, 'k-recent', 'h', 201, '{}', now() - interval '23 hours')`,
      [seller.principal.id],
    );
    expect((await create(body('OFFI-N'), 'k-new')).status).toBe(201);
    expect(await keysNamed('k-old')).toBe(0);
    expect(await keysNamed('k-old-answered')).toBe(0);
    expect(await keysNamed('k-recent')).toBe(1);
    expect(await keysNamed('k-new')).toBe(1);
  });
});
