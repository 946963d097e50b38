import type { Sql } from '../db/sql.js';
import { lockSupervision, moveSupervision } from '../db/repositories/orders.js';
import { assertSupervisionTransition } from '../domain/supervision.js';

/**
 * Moves the order's supervision to `to` when that is the next step; a record already there is left
 * alone (replays), any other state is refused with INVALID_STATE_TRANSITION. Returns the
 * transition's event id when it moved, undefined when it did not.
 */
export async function advanceSupervision(
  tx: Sql,
  orderRef: string,
  to: string,
  note: string,
  serviceStartTime?: Date,
  /** Who: a principal id, or `system` (the default). */
  actor = 'system',
  detail?: Record<string, unknown>,
): Promise<number | undefined> {
  const rec = await lockSupervision(tx, orderRef);
  if (!rec) return undefined; // orders made before supervision existed: nothing to move
  if (rec.state === to) return undefined;
  assertSupervisionTransition(rec.licenseModel, rec.state, to);
  return moveSupervision(tx, {
    id: rec.id,
    from: rec.state,
    to,
    note,
    serviceStartTime,
    actor,
    detail,
  });
}
