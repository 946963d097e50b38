import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../../errors.js';
import { verifyKoogallerySignature } from '../../marketplace/signing.js';
import {
  closingOrderSchema,
  paidOrderSchema,
  receiveOrderChange,
  receivePaidOrder,
  renewedOrderSchema,
  type IntakeResult,
} from '../../marketplace/order-intake.js';
import { rememberNonce } from '../../db/repositories/orders.js';
import { forwardOrderChangeToLicense } from '../../marketplace/license-events.js';
import { parseJsonText } from '../body.js';
import type { AppEnv } from '../context.js';
import type { OpenApiRegistry } from '../openapi.js';

/** KooGallery refuses a timestamp more than 60 s from its own clock; so do we. */
export const SIGNATURE_WINDOW_MS = 60_000;

/**
 * Checks KooGallery's query-string signature over the raw body, then the timestamp window, then
 * the nonce (remembered only for correctly signed calls, so strangers cannot fill the table).
 */
async function verifiedBody(c: Context<AppEnv>): Promise<string> {
  const { marketplaceAccessKey, db, now = Date.now } = c.get('deps');
  const signature = c.req.query('signature');
  const timestamp = c.req.query('timestamp');
  const nonce = c.req.query('nonce');
  if (!signature || !timestamp || !nonce) {
    throw new AppError(
      'BAD_SIGNATURE',
      'signature, timestamp and nonce query parameters are required',
    );
  }
  if (!/^\d{10,16}$/.test(timestamp) || nonce.length > 128) {
    throw new AppError(
      'BAD_SIGNATURE',
      'timestamp must be milliseconds and nonce at most 128 characters',
    );
  }
  const body = await c.req.text();
  if (
    !verifyKoogallerySignature({
      accessKey: marketplaceAccessKey,
      body,
      timestamp,
      nonce,
      signature,
    })
  ) {
    throw new AppError('BAD_SIGNATURE', 'signature does not match the body');
  }
  if (Math.abs(now() - Number(timestamp)) > SIGNATURE_WINDOW_MS) {
    throw new AppError('TIMESTAMP_OUT_OF_WINDOW', 'timestamp is more than 60 s from our clock');
  }
  if (!(await rememberNonce(db, nonce)))
    throw new AppError('NONCE_REPLAYED', 'this nonce was used before');
  return body;
}

const answer = (c: Context<AppEnv>, r: IntakeResult) =>
  c.json(
    { resultCode: '000000', resultMsg: 'success', created: r.created, order: r.order },
    r.created ? 201 : 200,
  );

/** The marketplace's order events, signed the KooGallery way. */
export function marketplaceRoutes(docs: OpenApiRegistry) {
  const doc = (event: string, body: z.ZodType) => ({
    method: 'post' as const,
    path: `/marketplace/v1/orders/${event}`,
    summary: `Order ${event} (KooGallery-signed; replays return the first result)`,
    tags: ['marketplace'],
    security: 'marketplace' as const,
    body,
    errors: [
      'BAD_SIGNATURE',
      'TIMESTAMP_OUT_OF_WINDOW',
      'NONCE_REPLAYED',
      'VALIDATION_FAILED',
      'PRODUCT_NOT_FOUND',
      'ORDER_NOT_FOUND',
    ],
  });
  docs.add(
    doc('paid', paidOrderSchema),
    doc('renewed', renewedOrderSchema),
    doc('unsubscribed', closingOrderSchema),
    doc('expired', closingOrderSchema),
  );
  return new Hono<AppEnv>()
    .post('/orders/paid', async (c) => {
      const input = parseJsonText(await verifiedBody(c), paidOrderSchema);
      return answer(c, await receivePaidOrder(c.get('deps').db, input));
    })
    .post('/orders/renewed', orderChange('renewed', renewedOrderSchema))
    .post('/orders/unsubscribed', orderChange('unsubscribed', closingOrderSchema))
    .post('/orders/expired', orderChange('expired', closingOrderSchema));
}

/** Renewal, unsubscription, expiry: record the change once, then tell the order's license. */
function orderChange(
  kind: 'renewed' | 'unsubscribed' | 'expired',
  schema: typeof renewedOrderSchema | typeof closingOrderSchema,
) {
  return async (c: Context<AppEnv>) => {
    const { db, temporal } = c.get('deps');
    const input = parseJsonText(await verifiedBody(c), schema);
    const result = await receiveOrderChange(db, kind, input);
    await forwardOrderChangeToLicense(db, temporal, kind, result.order, input);
    return answer(c, result);
  };
}
