import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
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
import type { DecommissionGateway } from '../../temporal/gateway/index.js';
import type { AppEnv } from '../context.js';
import { defineRoute, ok, resourceRoutes } from '../contract.js';
import { documentedOnly, parseJsonText } from '../validation.js';

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

/**
 * KooGallery's signature query parameters. Only described here: `verifiedBody` checks them over the
 * raw body, so that every signature problem answers BAD_SIGNATURE, never VALIDATION_FAILED.
 */
const signedQuery = [
  ['signature', 'hex HMAC-SHA256 over key, nonce, timestamp and the body (see the README)'],
  ['timestamp', 'milliseconds since the epoch, within 60 s of our clock'],
  ['nonce', 'at most 128 characters, never used before'],
].map(([name, description]) => ({
  name: name!,
  in: 'query' as const,
  required: true,
  description: description!,
  schema: { type: 'string' as const },
}));

const SIGNED = ['BAD_SIGNATURE', 'TIMESTAMP_OUT_OF_WINDOW', 'NONCE_REPLAYED'] as const;

/** One order event: body documented from the schema the handler parses with, after the signature. */
function eventRoute(
  event: 'paid' | 'renewed' | 'unsubscribed' | 'expired',
  body: z.ZodType,
  errors: readonly string[],
) {
  return defineRoute({
    method: 'post',
    path: `/orders/${event}`,
    summary: `Order ${event} (KooGallery-signed; replays return the first result)`,
    tags: ['marketplace'],
    auth: 'marketplace',
    request: {
      body: { required: true, content: { 'application/json': { schema: documentedOnly(body) } } },
    },
    parameters: signedQuery,
    errors: [...SIGNED, 'BAD_JSON', 'VALIDATION_FAILED', 'CONFLICT', ...errors],
    responses: {
      201: ok('The order, recorded now'),
      200: ok('The same order, recorded before (a replayed event)'),
    },
  });
}

/** The marketplace's order events, signed the KooGallery way. */
export function marketplaceRoutes() {
  const forwarding = ['ORDER_NOT_FOUND', 'ORDER_CLOSED', 'UNAVAILABLE'] as const;
  return resourceRoutes()
    .openapi(
      eventRoute('paid', paidOrderSchema, ['PRODUCT_NOT_FOUND', 'ORDER_CONFLICT']),
      async (c) => {
        const input = parseJsonText(await verifiedBody(c), paidOrderSchema);
        return answer(c, await receivePaidOrder(c.get('deps').db, input));
      },
    )
    .openapi(
      eventRoute('renewed', renewedOrderSchema, forwarding),
      orderChange('renewed', renewedOrderSchema),
    )
    .openapi(
      eventRoute('unsubscribed', closingOrderSchema, forwarding),
      orderChange('unsubscribed', closingOrderSchema),
    )
    .openapi(
      eventRoute('expired', closingOrderSchema, forwarding),
      orderChange('expired', closingOrderSchema),
    );
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
    if (kind === 'renewed') {
      // A renewal in the expiry grace keeps the order: the waiting decommission is cancelled.
      await temporal?.cancelWaitingDecommission(result.order.id).catch((err: unknown) => {
        throw new AppError('UNAVAILABLE', 'the renewal was recorded but not yet applied; retry', {
          retryable: true,
          cause: err,
        });
      });
    } else {
      const graceMs =
        kind === 'expired' ? (c.get('deps').expiryGraceMs ?? DEFAULT_EXPIRY_GRACE_MS) : 0;
      await startDecommission(temporal, result.order.id, kind, graceMs);
    }
    return answer(c, result);
  };
}

const DEFAULT_EXPIRY_GRACE_MS = 15 * 24 * 3600_000;

/**
 * Unsubscription and expiry decommission the order (workflows/decommission.ts). Started on every
 * receipt, replays included, so a marketplace retry after a Temporal outage still starts it.
 */
async function startDecommission(
  temporal: DecommissionGateway | undefined,
  orderRef: string,
  reason: 'unsubscribed' | 'expired',
  graceMs: number,
): Promise<void> {
  if (!temporal) {
    throw new AppError('UNAVAILABLE', 'Temporal is not configured; retry later', {
      retryable: true,
    });
  }
  try {
    await temporal.startDecommission({ orderRef, reason, graceMs });
  } catch (err) {
    throw new AppError('UNAVAILABLE', 'the order was recorded but not yet decommissioned; retry', {
      retryable: true,
      cause: err,
    });
  }
}
