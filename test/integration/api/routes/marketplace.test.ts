import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { sellerWithProduct } from '../../../helpers/products.js';

describe('marketplace order events', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a replayed paid event with the first order, and 409 ORDER_CONFLICT when its product or customer changed', async () => {
    const { product } = await sellerWithProduct(t.db);
    const { product: other } = await sellerWithProduct(t.db);
    const paid = {
      orderId: 'CS-MC1',
      orderLineId: 'CS-MC1-1',
      customerId: 'cust-mc',
      productId: product.marketplaceProductId,
    };
    const first = await t.marketplace('paid', paid);
    expect(first.status).toBe(201);
    const order = ((await first.json()) as { order: { id: string } }).order;

    const replay = await t.marketplace('paid', paid);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ resultCode: '000000', created: false, order });

    for (const changed of [
      { ...paid, productId: other.marketplaceProductId },
      { ...paid, customerId: 'cust-other' },
    ]) {
      const res = await t.marketplace('paid', changed);
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: 'ORDER_CONFLICT' } });
    }
  });
});
