import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../../src/db/ids.js';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { seedOrder, testKeyring } from '../../../helpers/deploy.js';

/**
 * Start Deployment's refusals: who may call it, and what bad input answers. None of these reach
 * Temporal (the app has none), so a refusal that wrote a row or stored a password would show.
 */
describe('deployment routes: principals and bad input', () => {
  let t: TestApp;
  let buyer: string;
  let otherBuyer: string;
  let seller: string;
  let otherSeller: string;
  let operator: string;
  let orderRef: string;
  let unsubscribedRef: string;
  let noPackageRef: string;

  beforeAll(async () => {
    t = await startTestApp('pglite', { secretsKeyring: testKeyring() });
    const b = await t.principal('buyer', 'alice');
    buyer = b.key;
    otherBuyer = (await t.principal('buyer', 'mallory')).key;
    const s = await t.principal('seller', 'acme');
    seller = s.key;
    otherSeller = (await t.principal('seller', 'rival')).key;
    operator = (await t.principal('operator')).key;
    const productId = newId('prd');
    await t.db.query(
      `insert into products (id, seller_id, marketplace_product_id, name, license_model,
         install_command, license_path)
       values ($1, $2, $3, 'Demo', 'license2', 'true', '/opt/demo/license.key')`,
      [productId, s.principal.sellerId, `MP-${productId}`],
    );
    // A package record is all these tests need: no workflow ever pushes it.
    await t.db.query(
      `insert into packages (id, product_id, seller_id, sha256, size_bytes, storage_key, file_name)
       values ($1, $2, $3, $4, 1, $5, 'demo.tar')`,
      [newId('pkg'), productId, s.principal.sellerId, 'a'.repeat(64), `sha256/${'a'.repeat(64)}`],
    );
    const bare = newId('prd');
    await t.db.query(
      `insert into products (id, seller_id, marketplace_product_id, name, license_model,
         install_command, license_path)
       values ($1, $2, $3, 'Bare', 'license2', 'true', '/opt/demo/license.key')`,
      [bare, s.principal.sellerId, `MP-${bare}`],
    );
    const ids = { buyerId: b.principal.buyerId!, sellerId: s.principal.sellerId!, productId };
    orderRef = await seedOrder(t.db, ids);
    unsubscribedRef = await seedOrder(t.db, ids);
    noPackageRef = await seedOrder(t.db, { ...ids, productId: bare });
    await t.db.query(`update orders set status = 'unsubscribed' where id = $1`, [unsubscribedRef]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const good = { server: { imageRef: 'img-1', flavorRef: 's6.small.1' } };
  const post = (key: string | undefined, body: unknown, ref = orderRef) =>
    t.call('POST', `/v1/orders/${ref}/deployments`, { key, body });
  const codeOf = async (res: Response) =>
    ((await res.json()) as { error: { code: string; message: string } }).error;

  async function nothingWritten(): Promise<void> {
    const d = await t.db.query('select id from deployments');
    const s = await t.db.query('select id from secrets');
    expect({ deployments: d.length, secrets: s.length }).toEqual({ deployments: 0, secrets: 0 });
  }

  it('answers 401 without an API key', async () => {
    const res = await post(undefined, good);
    expect(res.status).toBe(401);
    expect((await codeOf(res)).code).toBe('UNAUTHENTICATED');
  });

  it("answers 403 to the order's seller and 404 to another buyer", async () => {
    const bySeller = await post(seller, good);
    expect(bySeller.status).toBe(403);
    expect((await codeOf(bySeller)).code).toBe('FORBIDDEN');
    const byOther = await post(otherBuyer, good);
    expect(byOther.status).toBe(404);
    expect((await codeOf(byOther)).code).toBe('NOT_FOUND');
    expect((await post(buyer, good, 'ord_doesnotexist')).status).toBe(404);
    await nothingWritten();
  });

  it('shows progress to the buyer, the seller and operators, and 404 to everyone else', async () => {
    const path = `/v1/orders/${orderRef}/deployments/current`;
    for (const key of [buyer, seller, operator]) {
      const res = await t.call('GET', path, { key });
      expect(res.status).toBe(404);
      expect((await codeOf(res)).code).toBe('NO_DEPLOYMENT');
    }
    for (const key of [otherBuyer, otherSeller]) {
      const res = await t.call('GET', path, { key });
      expect(res.status).toBe(404);
      expect((await codeOf(res)).code).toBe('NOT_FOUND');
    }
  });

  it('cancel: 403 for sellers, 404 for foreign buyers, 409 when nothing runs', async () => {
    const path = `/v1/orders/${orderRef}/deployments/current/cancel`;
    expect((await t.call('POST', path, { key: seller })).status).toBe(403);
    expect((await t.call('POST', path, { key: otherBuyer })).status).toBe(404);
    const res = await t.call('POST', path, { key: buyer });
    expect(res.status).toBe(409);
    expect((await codeOf(res)).code).toBe('NO_ACTIVE_DEPLOYMENT');
  });

  it('hardware ID: 403 for sellers, 404 for foreign buyers, 400 for a bad body, 409 when nothing runs', async () => {
    const path = `/v1/orders/${orderRef}/deployments/current/hardware-id`;
    const body = { hardwareId: '52:54:00:AB:CD:EF|D|B|C' };
    expect((await t.call('POST', path, { key: seller, body })).status).toBe(403);
    expect((await t.call('POST', path, { key: otherBuyer, body })).status).toBe(404);
    const bad = await t.call('POST', path, { key: buyer, body: { hardwareId: '' } });
    expect(bad.status).toBe(400);
    expect((await codeOf(bad)).code).toBe('VALIDATION_FAILED');
    const idle = await t.call('POST', path, { key: buyer, body });
    expect(idle.status).toBe(409);
    expect((await codeOf(idle)).code).toBe('NO_ACTIVE_DEPLOYMENT');
  });

  it.each([
    ['not JSON', '{"server":', 'BAD_JSON'],
    ['no server choice', {}, 'VALIDATION_FAILED'],
    ['an unknown field', { ...good, region: 'mars-1' }, 'VALIDATION_FAILED'],
    ['a bad CIDR', { ...good, vpc: { cidr: '10.0.0.0/33' } }, 'VALIDATION_FAILED'],
    [
      'both choices at once',
      { ...good, vpc: { cidr: '10.0.0.0/16', existingId: 'v' } },
      'VALIDATION_FAILED',
    ],
    ['a resource id with a slash', { server: { existingId: '../x' } }, 'VALIDATION_FAILED'],
    [
      "the buyer's server without a password",
      { server: { existingId: 'srv-1' } },
      'VALIDATION_FAILED',
    ],
  ])('answers 400 to %s, writing nothing', async (_what, body, code) => {
    const res = await post(buyer, body);
    expect(res.status).toBe(400);
    expect((await codeOf(res)).code).toBe(code);
    await nothingWritten();
  });

  it('refuses a bad ECS password without echoing or logging it', async () => {
    const secret = 'S3cret!' + 'x'.repeat(30);
    const res = await post(buyer, { ...good, adminPassword: secret });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('adminPassword');
    expect(text.includes(secret)).toBe(false);
    expect(t.logLines.join('').includes(secret)).toBe(false);
    await nothingWritten();
  });

  it.each([
    ['only two character classes', 'abcdefgh12', 'at least three'],
    ['a character ECS refuses', 'Passw0rd 23#', 'may only contain'],
    ['the user name root', 'MyRoot!2345', 'user name'],
    ['root reversed', 'xTOOR!2345a', 'user name'],
  ])(
    'answers 400 before anything starts to an ECS password with %s, without echoing it',
    async (_why, password, says) => {
      const res = await post(buyer, { ...good, adminPassword: password });
      expect(res.status).toBe(400);
      const error = await codeOf(res);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toContain('adminPassword: ECS password rule');
      expect(error.message).toContain(says);
      expect(error.message.includes(password)).toBe(false);
      expect(t.logLines.join('').includes(password)).toBe(false);
      await nothingWritten();
    },
  );

  it('answers 415 to a body that is not application/json', async () => {
    const res = await t.call('POST', `/v1/orders/${orderRef}/deployments`, {
      key: buyer,
      body: JSON.stringify(good),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
  });

  it('answers 409 for an order that is no longer active, and 503 without Temporal', async () => {
    const gone = await post(buyer, good, unsubscribedRef);
    expect(gone.status).toBe(409);
    expect((await codeOf(gone)).code).toBe('ORDER_NOT_DEPLOYABLE');
    const bare = await post(buyer, good, noPackageRef);
    expect(bare.status).toBe(409);
    expect((await codeOf(bare)).message).toContain('no package');
    const down = await post(buyer, { ...good, adminPassword: 'Buyer!pass-42' });
    expect(down.status).toBe(503);
    expect((await codeOf(down)).code).toBe('UNAVAILABLE');
    await nothingWritten();
  });

  it('documents the three operations in the OpenAPI document', async () => {
    const res = await t.call('GET', '/openapi.json');
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/orders/{id}/deployments'] ?? {})).toEqual(['post']);
    expect(doc.paths['/v1/orders/{id}/deployments/current']?.get).toBeDefined();
    expect(doc.paths['/v1/orders/{id}/deployments/current/cancel']?.post).toBeDefined();
    expect(doc.paths['/v1/orders/{id}/deployments/current/hardware-id']?.post).toBeDefined();
  });
});
