import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
