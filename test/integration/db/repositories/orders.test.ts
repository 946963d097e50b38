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
    expect(mine.map((o) => o.orderId)).toEqual(['A']);
    expect(await listOrders(db, {}, { limit: 50 })).toHaveLength(2);
  });

  it('remembers a nonce and reports the replay', async () => {
    expect(await rememberNonce(db, 'n-1')).toBe(true);
    expect(await rememberNonce(db, 'n-1')).toBe(false);
  });
});
