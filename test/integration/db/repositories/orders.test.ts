import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../helpers/databases.js';
import type { Database } from '../../../../src/db/sql.js';
import { sellerWithProduct } from '../../../helpers/products.js';
import { listOrders, rememberNonce } from '../../../../src/db/repositories/orders.js';
import { receivePaidOrder } from '../../../../src/marketplace/order-intake.js';

describe.each(databaseKinds)('orders repository on %s', (kind) => {
  let db: Database;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
  });
  afterEach(async () => {
    await db.close();
  });

  it("lists only the buyer's own orders", async () => {
    const { product } = await sellerWithProduct(db);
    const a = await receivePaidOrder(db, {
      orderId: 'A',
      orderLineId: 'A1',
      customerId: 'ca',
      productId: product.marketplaceProductId,
    });
    await receivePaidOrder(db, {
      orderId: 'B',
      orderLineId: 'B1',
      customerId: 'cb',
      productId: product.marketplaceProductId,
    });
    const mine = await listOrders(db, { buyerId: a.order.buyerId }, { limit: 50 });
    expect(mine.items.map((o) => o.orderId)).toEqual(['A']);
    expect((await listOrders(db, {}, { limit: 50 })).items).toHaveLength(2);
  });

  it('pages newest first without skipping or repeating orders that share a created_at', async () => {
    const { product } = await sellerWithProduct(db);
    for (let i = 0; i < 7; i++) {
      await receivePaidOrder(db, {
        orderId: `O${i}`,
        orderLineId: `L${i}`,
        customerId: 'c',
        productId: product.marketplaceProductId,
      });
    }
    // Five share one instant (to the microsecond); one is older, one newer.
    await db.query(`update orders set created_at = '2026-05-01T10:00:00.123456Z'`);
    await db.query(
      `update orders set created_at = '2026-05-01T10:00:00.123455Z' where marketplace_order_id = 'O3'`,
    );
    await db.query(
      `update orders set created_at = '2026-05-01T10:00:00.123457Z' where marketplace_order_id = 'O5'`,
    );
    const all = (await listOrders(db, {}, { limit: 50 })).items;
    expect(all[0]?.orderId).toBe('O5');
    expect(all.at(-1)?.orderId).toBe('O3');
    const tied = all.slice(1, -1).map((o) => o.id);
    expect(tied).toEqual([...tied].sort().reverse());

    const seen: string[] = [];
    let page = await listOrders(db, {}, { limit: 2 });
    for (;;) {
      seen.push(...page.items.map((o) => o.id));
      if (!page.next) break;
      page = await listOrders(db, {}, { limit: 2, after: page.next });
    }
    expect(seen).toEqual(all.map((o) => o.id));
  });

  it('remembers a nonce and reports the replay', async () => {
    expect(await rememberNonce(db, 'n-1')).toBe(true);
    expect(await rememberNonce(db, 'n-1')).toBe(false);
  });
});
