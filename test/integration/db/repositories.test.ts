import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../helpers/databases.js';
import type { Database } from '../../../src/db/sql.js';
import { migrate } from '../../../src/db/migrate.js';
import {
  createApiKey,
  createPrincipal,
  findPrincipalByApiKey,
  revokeApiKey,
} from '../../../src/db/repositories/principals.js';
import { createProduct } from '../../../src/db/repositories/products.js';
import {
  listOrders,
  listSupervisionEvents,
  rememberNonce,
} from '../../../src/db/repositories/orders.js';
import { receiveOrderChange, receivePaidOrder } from '../../../src/marketplace/order-intake.js';
import { AppError } from '../../../src/errors.js';

describe.each(databaseKinds)('repositories on %s', (kind) => {
  let db: Database;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
  });
  afterEach(async () => {
    await db.close();
  });

  async function sellerWithProduct(licenseModel: 'license1' | 'license2' = 'license2') {
    const seller = await createPrincipal(db, { role: 'seller', name: 'Acme' });
    const product = await createProduct(db, seller.sellerId!, {
      marketplaceProductId: `OFFI${Math.random().toString(36).slice(2, 10)}`,
      skuCode: 'sku-1',
      name: 'Acme DB',
      licenseModel,
      installCommand: './install.sh',
      verifyCommand: './verify.sh',
      installDir: '/opt/acme',
      licensePath: '/opt/acme/license.jws',
      ports: [22, 8443],
      variables: { EDITION: 'pro' },
    });
    return { seller, product };
  }

  it('applies migrations once and reports nothing pending the second time', async () => {
    expect(await migrate(db)).toEqual([]);
  });

  it('finds a principal by its API key and stops after revocation', async () => {
    const p = await createPrincipal(db, { role: 'operator', name: 'ops' });
    const { id, key } = await createApiKey(db, p.id, 'laptop');
    expect(key).toMatch(/^ock_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect((await findPrincipalByApiKey(db, key))?.id).toBe(p.id);
    const stored = await db.query<{ key_hash: string }>(
      'select key_hash from api_keys where id = $1',
      [id],
    );
    expect(stored[0]!.key_hash).not.toContain(key.slice(13));
    expect(await revokeApiKey(db, id)).toBe(true);
    expect(await findPrincipalByApiKey(db, key)).toBeUndefined();
  });

  it('creates a paid order once with its supervision record in the first state', async () => {
    const { product, seller } = await sellerWithProduct('license1');
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
    const { product } = await sellerWithProduct();
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

  it('refuses an order for an unknown product and writes nothing', async () => {
    await expect(
      receivePaidOrder(db, { orderId: 'O', orderLineId: 'L', customerId: 'c', productId: 'nope' }),
    ).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
    const rows = await db.query('select id from buyers');
    expect(rows).toHaveLength(0);
  });

  it('renews, expires and unsubscribes an order once per event', async () => {
    const { product } = await sellerWithProduct();
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

  it("lists only the buyer's own orders", async () => {
    const { product } = await sellerWithProduct();
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
