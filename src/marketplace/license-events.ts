import type { Sql } from '../db/sql.js';
import { AppError } from '../errors.js';
import { findLicense } from '../db/repositories/licenses.js';
import type { LicenseLifecycleGateway } from '../temporal/gateway/index.js';
import type { Order } from '../db/repositories/orders.js';

/**
 * Passes a renewal or unsubscription on to the order's license lifecycle, if the order has a
 * license yet. Called on every receipt of the event, replays included, so a marketplace retry
 * after a Temporal outage still reaches the lifecycle (its handlers are idempotent).
 */
export async function forwardOrderChangeToLicense(
  sql: Sql,
  temporal: LicenseLifecycleGateway | undefined,
  kind: 'renewed' | 'unsubscribed' | 'expired',
  order: Order,
  event: { orderId: string; orderLineId: string },
): Promise<void> {
  // Expiry is the lifecycle's own timer; the marketplace's notice changes nothing there.
  if (kind === 'expired') return;
  const license = await findLicense(sql, 'order_id', order.id);
  if (!license) return;
  if (!temporal)
    throw new AppError('UNAVAILABLE', 'Temporal is not configured; retry later', {
      retryable: true,
    });
  try {
    if (kind === 'renewed') {
      await temporal.renewLicenseLifecycle(license.id, {
        orderId: event.orderId,
        orderLineId: event.orderLineId,
        expiresAt: order.expireTime ?? new Date().toISOString(),
        scene: 'RENEWAL',
      });
    } else {
      await temporal.unsubscribeLicenseLifecycle(license.id, event);
    }
  } catch (err) {
    throw new AppError(
      'UNAVAILABLE',
      'the order was recorded but its license could not be told yet; retry',
      {
        retryable: true,
        cause: err,
      },
    );
  }
}
