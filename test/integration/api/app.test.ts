import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, MARKETPLACE_KEY } from '../../helpers/api.js';
import { signedQuery } from '../../../src/marketplace/signing.js';

interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

const product = {
  marketplaceProductId: 'OFFI-ACME-1',
  skuCode: 'sku-pro',
  name: 'Acme DB',
  licenseModel: 'license2',
  installCommand: './install.sh',
  verifyCommand: './verify.sh',
  ports: [8443],
  variables: { EDITION: 'pro' },
};

describe('API', () => {
  let t: TestApp;
  let seller: string;
  let otherSeller: string;
  let buyer: string;
  let operator: string;

  beforeAll(async () => {
    t = await startTestApp();
    seller = (await t.principal('seller', 'acme')).key;
    otherSeller = (await t.principal('seller', 'other')).key;
    buyer = (await t.principal('buyer', 'bob')).key;
    operator = (await t.principal('operator', 'ops')).key;
    const res = await t.call('POST', '/v1/products', { key: seller, body: product });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  async function expectError(res: Response, status: number, code: string) {
    expect(res.status).toBe(status);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe(code);
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
    expect(body.error.message.length).toBeGreaterThan(0);
  }

  describe('errors', () => {
    it('answers 404 ROUTE_NOT_FOUND for an unknown route', async () => {
      await expectError(await t.call('GET', '/v1/nope', { key: operator }), 404, 'ROUTE_NOT_FOUND');
      await expectError(await t.call('GET', '/nowhere'), 404, 'ROUTE_NOT_FOUND');
    });
    it('answers 401 without a key and with a wrong key', async () => {
      await expectError(await t.call('GET', '/v1/orders'), 401, 'UNAUTHENTICATED');
      await expectError(
        await t.call('GET', '/v1/orders', { key: 'ock_00000000_wrong' }),
        401,
        'INVALID_API_KEY',
      );
      await expectError(
        await t.call('GET', '/v1/orders', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }),
        401,
        'UNAUTHENTICATED',
      );
    });
    it('answers 403 FORBIDDEN for the wrong role', async () => {
      await expectError(
        await t.call('POST', '/v1/products', { key: buyer, body: product }),
        403,
        'FORBIDDEN',
      );
    });
    it('answers 400 BAD_JSON for malformed JSON and writes nothing', async () => {
      await expectError(
        await t.call('POST', '/v1/products', { key: seller, body: '{"name": ' }),
        400,
        'BAD_JSON',
      );
    });
    it('answers 400 VALIDATION_FAILED naming each wrong field', async () => {
      const res = await t.call('POST', '/v1/products', {
        key: seller,
        body: { ...product, marketplaceProductId: 'X2', ports: ['x'], licenseModel: 'v3' },
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.message).toContain('ports.0');
      expect(body.error.message).toContain('licenseModel');
    });
    it('answers 415 for a body that is not JSON', async () => {
      await expectError(
        await t.call('POST', '/v1/products', {
          key: seller,
          body: 'a=b',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });
    it('answers 413 BODY_TOO_LARGE for a body over 1 MiB', async () => {
      const big = JSON.stringify({ ...product, name: 'x'.repeat(1024 * 1024) });
      await expectError(
        await t.call('POST', '/v1/products', { key: seller, body: big }),
        413,
        'BODY_TOO_LARGE',
      );
      const rows = await t.db.query('select id from products');
      expect(rows).toHaveLength(1);
    });
    it('answers 400 VALIDATION_FAILED, not 500, for NUL characters in a query, a path or a body', async () => {
      await expectError(
        await t.call('GET', '/v1/orders?before=a%00b', { key: buyer }),
        400,
        'VALIDATION_FAILED',
      );
      await expectError(
        await t.call('GET', '/v1/orders/ord%00x', { key: buyer }),
        400,
        'VALIDATION_FAILED',
      );
      await expectError(
        await t.call('POST', '/v1/products', {
          key: seller,
          body: { ...product, marketplaceProductId: 'OFFI-NUL', name: 'a\u0000b' },
        }),
        400,
        'VALIDATION_FAILED',
      );
    });
    it('answers 409 CONFLICT for a product id registered twice', async () => {
      await expectError(
        await t.call('POST', '/v1/products', { key: otherSeller, body: product }),
        409,
        'CONFLICT',
      );
    });
  });

  describe('marketplace order intake', () => {
    const paid = {
      orderId: 'CS001',
      orderLineId: 'CS001-1',
      customerId: 'cust-bob',
      productId: 'OFFI-ACME-1',
      expireTime: '20271124000000',
    };

    it('creates a paid order once and returns the same order for a replayed event', async () => {
      const first = await t.marketplace('paid', paid);
      expect(first.status).toBe(201);
      const a = (await first.json()) as {
        resultCode: string;
        order: { id: string; supervision: { state: string } };
      };
      expect(a.resultCode).toBe('000000');
      expect(a.order.supervision.state).toBe('awaiting_delivery');
      const again = await t.marketplace('paid', paid);
      expect(again.status).toBe(200);
      const b = (await again.json()) as { order: { id: string }; created: boolean };
      expect(b.order.id).toBe(a.order.id);
      expect(b.created).toBe(false);
      expect(await t.db.query('select id from orders')).toHaveLength(1);
    });
    it('refuses a bad signature with 401 BAD_SIGNATURE and writes nothing', async () => {
      const res = await t.marketplace(
        'paid',
        { ...paid, orderId: 'CS-BAD' },
        { accessKey: 'C'.repeat(64) },
      );
      await expectError(res, 401, 'BAD_SIGNATURE');
      const missing = await t.app.request('/marketplace/v1/orders/paid', {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      await expectError(missing, 401, 'BAD_SIGNATURE');
      expect(
        await t.db.query("select id from orders where marketplace_order_id = 'CS-BAD'"),
      ).toHaveLength(0);
    });
    it('refuses a timestamp more than 60 s off', async () => {
      await expectError(
        await t.marketplace('paid', paid, { now: Date.now() - 61_000 }),
        401,
        'TIMESTAMP_OUT_OF_WINDOW',
      );
      await expectError(
        await t.marketplace('paid', paid, { now: Date.now() + 61_000 }),
        401,
        'TIMESTAMP_OUT_OF_WINDOW',
      );
    });
    it('refuses a nonce seen before', async () => {
      const raw = JSON.stringify(paid);
      const q = signedQuery(MARKETPLACE_KEY, raw);
      expect((await t.marketplace('paid', paid, { query: q })).status).toBe(200);
      await expectError(await t.marketplace('paid', paid, { query: q }), 409, 'NONCE_REPLAYED');
    });
    it('answers 404 PRODUCT_NOT_FOUND for an unknown product', async () => {
      await expectError(
        await t.marketplace('paid', { ...paid, orderId: 'CS-X', productId: 'OFFI-NONE' }),
        404,
        'PRODUCT_NOT_FOUND',
      );
    });
    it('answers 400 VALIDATION_FAILED for a wrong expireTime', async () => {
      await expectError(
        await t.marketplace('paid', { ...paid, orderId: 'CS-Y', expireTime: '2027-11-24' }),
        400,
        'VALIDATION_FAILED',
      );
      await expectError(
        await t.marketplace('paid', { ...paid, orderId: 'CS-Z', expireTime: '20271324000000' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(
        await t.db.query("select id from orders where marketplace_order_id in ('CS-Y', 'CS-Z')"),
      ).toHaveLength(0);
    });
    it('applies renewal, expiry and unsubscription', async () => {
      const renewed = await t.marketplace('renewed', {
        orderId: 'CS001-R1',
        orderLineId: 'CS001-1',
        expireTime: '20281124000000',
      });
      expect(renewed.status).toBe(201);
      expect(((await renewed.json()) as { order: { expireTime: string } }).order.expireTime).toBe(
        '2028-11-24T00:00:00.000Z',
      );
      // An unsubscription decommissions the order through Temporal, which this app has none of:
      // the change is recorded, and the marketplace is told to retry (it does, KooGallery-style).
      const unsub = await t.marketplace('unsubscribed', {
        orderId: 'CS001-U1',
        orderLineId: 'CS001-1',
      });
      await expectError(unsub, 503, 'UNAVAILABLE');
      const [recorded] = await t.db.query<{ status: string }>(
        `select status from orders where order_line_id = 'CS001-1'`,
      );
      expect(recorded?.status).toBe('unsubscribed');
      await expectError(
        await t.marketplace('expired', { orderId: 'CS404', orderLineId: 'nope' }),
        404,
        'ORDER_NOT_FOUND',
      );
    });
  });

  describe('orders by role', () => {
    it('shows the buyer their order, the other seller a 404, the operator everything', async () => {
      const list = (await (await t.call('GET', '/v1/orders', { key: buyer })).json()) as {
        items: { id: string }[];
      };
      expect(list.items).toHaveLength(1);
      const id = list.items[0]!.id;
      const mine = await t.call('GET', `/v1/orders/${id}`, { key: buyer });
      expect(mine.status).toBe(200);
      expect(
        ((await mine.json()) as { supervisionEvents: unknown[] }).supervisionEvents,
      ).toHaveLength(1);
      expect((await t.call('GET', `/v1/orders/${id}`, { key: seller })).status).toBe(200);
      await expectError(
        await t.call('GET', `/v1/orders/${id}`, { key: otherSeller }),
        404,
        'NOT_FOUND',
      );
      const other = (await (await t.call('GET', '/v1/orders', { key: otherSeller })).json()) as {
        items: unknown[];
      };
      expect(other.items).toHaveLength(0);
      expect((await t.call('GET', `/v1/orders/${id}`, { key: operator })).status).toBe(200);
    });
  });

  describe('principals', () => {
    it('creates a seller login for an existing seller and refuses fields of another role', async () => {
      const me = (await (await t.call('GET', '/v1/me', { key: seller })).json()) as {
        sellerId: string;
      };
      const res = await t.call('POST', '/v1/principals', {
        key: operator,
        body: { role: 'seller', name: 'acme-2', sellerId: me.sellerId },
      });
      expect(res.status).toBe(201);
      await expectError(
        await t.call('POST', '/v1/principals', {
          key: operator,
          body: { role: 'buyer', name: 'b', sellerId: me.sellerId },
        }),
        400,
        'VALIDATION_FAILED',
      );
      await expectError(
        await t.call('POST', '/v1/principals', {
          key: operator,
          body: { role: 'seller', name: 's', sellerId: 'slr_nope' },
        }),
        404,
        'NOT_FOUND',
      );
      await expectError(
        await t.call('POST', '/v1/principals/prn_nope/keys', { key: operator }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and refuses it for another request', async () => {
      const body = { ...product, marketplaceProductId: 'OFFI-IDEM' };
      const headers = { 'idempotency-key': 'create-idem-1' };
      const a = await t.call('POST', '/v1/products', { key: seller, body, headers });
      const b = await t.call('POST', '/v1/products', { key: seller, body, headers });
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect(((await b.json()) as { id: string }).id).toBe(((await a.json()) as { id: string }).id);
      await expectError(
        await t.call('POST', '/v1/products', {
          key: seller,
          body: { ...body, name: 'changed' },
          headers,
        }),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });
  });

  it('serves an OpenAPI document listing the routes', async () => {
    const doc = (await (await t.call('GET', '/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/v1/orders',
        '/v1/orders/{id}',
        '/v1/products',
        '/marketplace/v1/orders/paid',
      ]),
    );
  });

  it('reports Temporal as down in /healthz when it is not configured', async () => {
    const res = await t.call('GET', '/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ database: { ok: true }, temporal: { ok: false } });
  });

  it('never writes an API key into the log', () => {
    const log = t.logLines.join('');
    expect(log).toContain('"requestId"');
    for (const key of [seller, buyer, operator]) expect(log).not.toContain(key);
  });
});
