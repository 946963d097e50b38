import { randomBytes } from 'node:crypto';
import { newId } from '../../../src/db/ids.js';
import type { Sql } from '../../../src/db/sql.js';
import type { WrappingKey } from '../../../src/license/seal.js';

/** A wrapping key for tests. */
export const testWraps = (): WrappingKey[] => [{ kid: 'k1', key: randomBytes(32) }];

export interface Seeded {
  sellerId: string;
  buyerId: string;
  productId: string;
  orderRef: string;
  marketplaceOrderId: string;
}

/** A seller, a buyer, a product of the model and a paid order with its supervision record. */
export async function seedOrder(
  sql: Sql,
  model: 'license2' | 'license1',
  opts: { sellerId?: string; buyerId?: string; expireTime?: Date | null; createdAt?: Date } = {},
): Promise<Seeded> {
  const sellerId = opts.sellerId ?? newId('sel');
  if (!opts.sellerId)
    await sql.query('insert into sellers (id, name) values ($1, $2)', [sellerId, 'Seller']);
  const buyerId = opts.buyerId ?? newId('buy');
  if (!opts.buyerId)
    await sql.query('insert into buyers (id, name) values ($1, $2)', [buyerId, 'Buyer']);
  const productId = newId('prd');
  await sql.query(
    `insert into products (id, seller_id, marketplace_product_id, sku_code, name, license_model)
     values ($1, $2, $3, 'SKU-1', 'Product', $4)`,
    [productId, sellerId, `MP-${productId}`, model],
  );
  const orderRef = newId('ord');
  const marketplaceOrderId = `CS${randomBytes(5).toString('hex').toUpperCase()}`;
  await sql.query(
    `insert into orders (id, marketplace_order_id, order_line_id, buyer_id, seller_id, product_id, status,
       expire_time, created_at)
     values ($1, $2, $3, $4, $5, $6, 'active', $7, $8)`,
    [
      orderRef,
      marketplaceOrderId,
      `${marketplaceOrderId}-000001`,
      buyerId,
      sellerId,
      productId,
      opts.expireTime === undefined ? new Date(Date.now() + 365 * 86_400_000) : opts.expireTime,
      opts.createdAt ?? new Date(Date.now() - 60_000),
    ],
  );
  await sql.query(
    `insert into supervision_records (id, order_id, license_model, state) values ($1, $2, $3, $4)`,
    [
      newId('sup'),
      orderRef,
      model,
      model === 'license2' ? 'awaiting_delivery' : 'awaiting_hardware_id',
    ],
  );
  return { sellerId, buyerId, productId, orderRef, marketplaceOrderId };
}

/** The order's supervision state. */
export async function supervisionState(
  sql: Sql,
  orderRef: string,
): Promise<{ state: string; start: Date | null }> {
  const rows = await sql.query<{ state: string; service_start_time: Date | string | null }>(
    'select state, service_start_time from supervision_records where order_id = $1',
    [orderRef],
  );
  const r = rows[0]!;
  return { state: r.state, start: r.service_start_time ? new Date(r.service_start_time) : null };
}
