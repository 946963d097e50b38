import { z } from 'zod';
import type { Sql } from '../db/sql.js';
import { newId } from '../db/ids.js';
import { AppError } from '../errors.js';
import { parseKooGalleryTime } from '../domain/marketplace-time.js';
import { initialSupervisionState } from '../domain/supervision.js';
import { getProductByMarketplaceId } from '../db/repositories/products.js';
import { upsertBuyer } from '../db/repositories/principals.js';
import {
  findOrderEvent,
  getOrder,
  getOrderByLine,
  getOrderByMarketplaceIds,
  insertOrder,
  insertOrderEvent,
  insertSupervision,
  updateOrderStatus,
  type Order,
  type OrderEventKind,
} from '../db/repositories/orders.js';

const id64 = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and ._:- only');
const kgTime = z.string().regex(/^\d{14}$/, 'yyyyMMddHHmmss (UTC)');
const testFlag = z.enum(['0', '1']).optional();

/** A paid order: KooGallery's order fields that OneClick needs to deploy and license it. */
export const paidOrderSchema = z.object({
  orderId: id64,
  orderLineId: id64,
  customerId: id64,
  customerName: z.string().min(1).max(200).optional(),
  productId: id64,
  skuCode: id64.optional(),
  periodType: z.enum(['year', 'month', 'day', 'hour', 'once']).optional(),
  expireTime: kgTime.optional(),
  testFlag,
});

/** Renewal: `orderId` is the renewal order's own id, `orderLineId` the licensed line. */
export const renewedOrderSchema = z.object({
  orderId: id64,
  orderLineId: id64,
  expireTime: kgTime,
  testFlag,
});

/** Unsubscription (`orderId` of the unsubscription order) or expiry of the licensed line. */
export const closingOrderSchema = z.object({
  orderId: id64,
  orderLineId: id64,
  testFlag,
});

export type PaidOrder = z.infer<typeof paidOrderSchema>;

/** What the marketplace gets back; `created` is false for a replayed event. */
export interface IntakeResult {
  order: Order;
  created: boolean;
}

/**
 * A replayed paid event must be the same order: the same product and the same customer. Anything
 * else is another order under a used orderId + orderLineId, refused rather than answered with the
 * first one (the caller's transaction rolls back the buyer an unknown customerId just made).
 */
async function sameOrder(sql: Sql, order: Order, input: PaidOrder): Promise<IntakeResult> {
  const product = await getProductByMarketplaceId(sql, input.productId);
  const buyerId = await upsertBuyer(sql, input.customerId, input.customerName ?? input.customerId);
  const differs = [
    product?.id !== order.productId && 'productId',
    buyerId !== order.buyerId && 'customerId',
  ].filter((f): f is string => f !== false);
  if (differs.length > 0) {
    throw new AppError(
      'ORDER_CONFLICT',
      `order ${input.orderId} line ${input.orderLineId} was received before with another ${differs.join(' and ')}`,
      { context: { orderId: input.orderId, orderLineId: input.orderLineId, differs } },
    );
  }
  return { order, created: false };
}

/**
 * A paid order creates the order and its supervision record in the model's first state, once:
 * the same orderId + orderLineId again returns that order and writes nothing, unless its product
 * or customer differs (`ORDER_CONFLICT`).
 */
export async function receivePaidOrder(sql: Sql, input: PaidOrder): Promise<IntakeResult> {
  return sql.transaction(async (tx) => {
    const seen = await findOrderEvent(tx, 'paid', input.orderId, input.orderLineId);
    if (seen) return sameOrder(tx, (await getOrder(tx, seen.orderRef))!, input);

    const product = await getProductByMarketplaceId(tx, input.productId);
    if (!product) {
      throw new AppError(
        'PRODUCT_NOT_FOUND',
        `no product is registered for productId ${input.productId}`,
        {},
      );
    }
    const expireTime = input.expireTime
      ? parseKooGalleryTime(input.expireTime, 'expireTime')
      : null;
    const buyerId = await upsertBuyer(tx, input.customerId, input.customerName ?? input.customerId);
    const orderRef = newId('ord');
    const inserted = await insertOrder(tx, {
      id: orderRef,
      orderId: input.orderId,
      orderLineId: input.orderLineId,
      buyerId,
      sellerId: product.sellerId,
      productId: product.id,
      skuCode: input.skuCode ?? product.skuCode,
      periodType: input.periodType ?? null,
      expireTime,
      testFlag: input.testFlag === '1',
    });
    if (!inserted) {
      // Only a concurrent twin gets here: the unique key made this insert wait for the twin's
      // commit, and under READ COMMITTED the next statement sees the twin's order.
      const twin = await getOrderByMarketplaceIds(tx, input.orderId, input.orderLineId);
      if (twin) return sameOrder(tx, twin, input);
      throw new AppError('CONFLICT', 'the same order is being received concurrently; retry', {
        retryable: true,
      });
    }
    await insertOrderEvent(tx, {
      id: newId('oev'),
      kind: 'paid',
      orderId: input.orderId,
      orderLineId: input.orderLineId,
      orderRef,
      body: input,
    });
    await insertSupervision(tx, {
      id: newId('sup'),
      orderRef,
      licenseModel: product.licenseModel,
      state: initialSupervisionState(product.licenseModel),
      note: `order ${input.orderId} paid`,
    });
    return { order: (await getOrder(tx, orderRef))!, created: true };
  });
}

/** Renewal, unsubscription and expiry change the licensed order's status once per event. */
export async function receiveOrderChange(
  sql: Sql,
  kind: Exclude<OrderEventKind, 'paid'>,
  input: { orderId: string; orderLineId: string; expireTime?: string },
): Promise<IntakeResult> {
  return sql.transaction(async (tx) => {
    const seen = await findOrderEvent(tx, kind, input.orderId, input.orderLineId);
    if (seen) return { order: (await getOrder(tx, seen.orderRef))!, created: false };
    const order = await getOrderByLine(tx, input.orderLineId);
    if (!order) {
      throw new AppError('ORDER_NOT_FOUND', `no order has orderLineId ${input.orderLineId}`);
    }
    if (order.status === 'unsubscribed') {
      throw new AppError('ORDER_CLOSED', `order ${order.orderId} was unsubscribed`);
    }
    const expireTime = input.expireTime
      ? parseKooGalleryTime(input.expireTime, 'expireTime')
      : undefined;
    const status = kind === 'renewed' ? 'active' : kind;
    const inserted = await insertOrderEvent(tx, {
      id: newId('oev'),
      kind,
      orderId: input.orderId,
      orderLineId: input.orderLineId,
      orderRef: order.id,
      body: input,
    });
    if (!inserted)
      throw new AppError('CONFLICT', 'the same event is being received concurrently; retry', {
        retryable: true,
      });
    await updateOrderStatus(tx, order.id, { status, expireTime });
    return { order: (await getOrder(tx, order.id))!, created: true };
  });
}
