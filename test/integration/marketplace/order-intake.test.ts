import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../helpers/databases.js';
import type { Database } from '../../../src/db/sql.js';
import { sellerWithProduct } from '../../helpers/products.js';
import { listSupervisionEvents } from '../../../src/db/repositories/orders.js';
import { receiveOrderChange, receivePaidOrder } from '../../../src/marketplace/order-intake.js';
import { AppError } from '../../../src/errors.js';

describe.each(databaseKinds)('marketplace order intake on %s', (kind) => {
  let db: Database;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
  });
  afterEach(async () => {
    await db.close();
  });

  it('creates a paid order once with its supervision record in the first state', async () => {
    const { product, seller } = await sellerWithProduct(db, 'license1');
    const input = {
      orderId: 'CS2611240001',
      orderLineId: 'CS2611240001-000001',
      customerId: 'cust-1',
      productId: product.marketplaceProductId,
      expireTime: '20271124000000',
    };
    const first = await receivePaidOrder(db, input);
    const again = await receivePaidOrder(db, input);
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.order).toEqual(first.order);
    expect(first.order.supervision.state).toBe('awaiting_hardware_id');
    expect(first.order.sellerId).toBe(seller.sellerId);
    expect(first.order.expireTime).toBe('2027-11-24T00:00:00.000Z');
    const count = await db.query<{ n: string | number }>('select count(*) as n from orders');
    expect(Number(count[0]!.n)).toBe(1);
    const events = await listSupervisionEvents(db, first.order.supervision.id);
    expect(events.map((e) => e.toState)).toEqual(['awaiting_hardware_id']);
  });

  it('keeps one order when the same paid event arrives twice at once', async () => {
    const { product } = await sellerWithProduct(db);
    const input = {
      orderId: 'O-1',
      orderLineId: 'L-1',
      customerId: 'c',
      productId: product.marketplaceProductId,
    };
    const results = await Promise.all([receivePaidOrder(db, input), receivePaidOrder(db, input)]);
    expect(results[0].order.id).toBe(results[1].order.id);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('refuses the same orderId + orderLineId with another product or customer, writing nothing', async () => {
    const { product } = await sellerWithProduct(db);
    const { product: other } = await sellerWithProduct(db);
    const input = {
      orderId: 'O-C',
      orderLineId: 'L-C',
      customerId: 'c-first',
      productId: product.marketplaceProductId,
    };
    const first = await receivePaidOrder(db, input);
    for (const changed of [
      { ...input, productId: other.marketplaceProductId },
      { ...input, customerId: 'c-second' },
      { ...input, productId: 'unknown-product' },
    ]) {
      await expect(receivePaidOrder(db, changed)).rejects.toMatchObject({
        code: 'ORDER_CONFLICT',
      });
    }
    const again = await receivePaidOrder(db, input);
    expect(again).toEqual({ order: first.order, created: false });
    const buyers = await db.query<{ marketplace_customer_id: string }>(
      'select marketplace_customer_id from buyers',
    );
    expect(buyers.map((b) => b.marketplace_customer_id)).toEqual(['c-first']);
  });

  it('refuses an order for an unknown product and writes nothing', async () => {
    await expect(
      receivePaidOrder(db, { orderId: 'O', orderLineId: 'L', customerId: 'c', productId: 'nope' }),
    ).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
    const rows = await db.query('select id from buyers');
    expect(rows).toHaveLength(0);
  });

  it('renews, expires and unsubscribes an order once per event', async () => {
    const { product } = await sellerWithProduct(db);
    const paid = await receivePaidOrder(db, {
      orderId: 'O-2',
      orderLineId: 'L-2',
      customerId: 'c',
      productId: product.marketplaceProductId,
    });
    const renewed = await receiveOrderChange(db, 'renewed', {
      orderId: 'R-1',
      orderLineId: 'L-2',
      expireTime: '20281231235959',
    });
    expect(renewed.order.expireTime).toBe('2028-12-31T23:59:59.000Z');
    expect(
      (
        await receiveOrderChange(db, 'renewed', {
          orderId: 'R-1',
          orderLineId: 'L-2',
          expireTime: '20291231235959',
        })
      ).created,
    ).toBe(false);
    const unsub = await receiveOrderChange(db, 'unsubscribed', {
      orderId: 'U-1',
      orderLineId: 'L-2',
    });
    expect(unsub.order.status).toBe('unsubscribed');
    expect(unsub.order.id).toBe(paid.order.id);
    await expect(
      receiveOrderChange(db, 'renewed', {
        orderId: 'R-2',
        orderLineId: 'L-2',
        expireTime: '20301231235959',
      }),
    ).rejects.toBeInstanceOf(AppError);
  });
});
