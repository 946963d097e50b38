import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receivePaidOrder } from '../../../../src/marketplace/order-intake.js';
import { sellerWithProduct } from '../../../helpers/products.js';
import { startTestApp, type TestApp } from '../../../helpers/api.js';

interface Page {
  items: {
    id: string;
    product: { id: string; name: string; ports: number[] };
    deployment: { id: string; state: string } | null;
  }[];
  next: string | null;
}

describe('GET /v1/orders', () => {
  let t: TestApp;
  let operator: string;
  let productId: string;
  let productName: string;

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await t.principal('operator')).key;
    const { product } = await sellerWithProduct(t.db);
    productId = product.id;
    productName = product.name;
    for (let i = 0; i < 5; i++) {
      await receivePaidOrder(t.db, {
        orderId: `O${i}`,
        orderLineId: `L${i}`,
        customerId: 'c',
        productId: product.marketplaceProductId,
      });
    }
    await t.db.query(`update orders set created_at = '2026-05-01T10:00:00.5Z'`);
  });
  afterAll(async () => {
    await t.close();
  });

  it('pages through orders sharing a created_at with the opaque cursor, each once', async () => {
    const all = (await (await t.call('GET', '/v1/orders', { key: operator })).json()) as Page;
    expect(all.items).toHaveLength(5);
    expect(all.next).toBeNull();
    const seen: string[] = [];
    let url = '/v1/orders?limit=2';
    for (;;) {
      const page = (await (await t.call('GET', url, { key: operator })).json()) as Page;
      seen.push(...page.items.map((o) => o.id));
      if (!page.next) break;
      expect(page.next).toMatch(/^[A-Za-z0-9_-]+$/);
      url = `/v1/orders?limit=2&cursor=${page.next}`;
    }
    expect(seen).toEqual(all.items.map((o) => o.id));
  });

  it("names each order's product and newest deployment, in the list and on the order", async () => {
    const all = (await (await t.call('GET', '/v1/orders', { key: operator })).json()) as Page;
    const [first, second] = all.items;
    expect(first!.product).toMatchObject({ id: productId, name: productName });
    expect(Array.isArray((first!.product as { ports?: unknown }).ports)).toBe(true);
    expect(first!.deployment).toBeNull();
    // An older, failed deployment and a newer one running: the newer is the order's.
    await t.db.query(
      `insert into deployments (id, order_id, workflow_id, state, created_at)
       values ('dep_listing_0', $1, 'w0', 'failed', now() - interval '1 hour'),
              ('dep_listing_1', $1, 'w1', 'install', now())`,
      [second!.id],
    );
    const again = (await (await t.call('GET', '/v1/orders', { key: operator })).json()) as Page;
    expect(again.items.find((o) => o.id === second!.id)!.deployment).toEqual({
      id: 'dep_listing_1',
      state: 'install',
    });
    const one = (await (
      await t.call('GET', `/v1/orders/${second!.id}`, { key: operator })
    ).json()) as Page['items'][number];
    expect(one.product.name).toBe(productName);
    expect(one.deployment).toEqual({ id: 'dep_listing_1', state: 'install' });
  });

  it('answers 400 VALIDATION_FAILED for a malformed cursor', async () => {
    const bad = Buffer.from('["yesterday","x"]').toString('base64url');
    for (const cursor of ['not-a-cursor', bad, '%2F%2F']) {
      const res = await t.call('GET', `/v1/orders?cursor=${cursor}`, { key: operator });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'VALIDATION_FAILED',
      );
    }
  });
});
