import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  sleep,
} from '@temporalio/workflow';
import type { DecommissionActivities } from '../activities/decommission.js';
import { continuedAccessWorkflowId, endAccessSignal } from './continued-access.js';
import { deprovisionWorkflow } from './provision.js';

/**
 * decommission (`decommission-<orderRef>`, so a second notice finds the first): on unsubscription
 * or expiry, a running deployment is cancelled first and compensates; the license is released
 * (License 2.0 code RELEASED, License 1.0 revoked and on the revocation list); what OneClick
 * created for the order is deleted (never the buyer's own resources); OneClick's continued SSH
 * access ends; the evidence stays; and supervision hears of it.
 */
export interface DecommissionInput {
  orderRef: string;
  reason: 'unsubscribed' | 'expired';
  /**
   * Expiry: how long a renewal may still come (it cancels this run while it waits). Nothing is
   * touched before it has passed; after that the decommission runs to its end.
   */
  graceMs?: number;
}

export interface DecommissionResult {
  cancelledDeployment: boolean;
  licenseId?: string;
  deleted: number;
}

export const decommissionWorkflowId = (orderRef: string) => `decommission-${orderRef}`;

const acts = proxyActivities<DecommissionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '1 minute' },
});
// A cancelled deployment compensates before it ends: wait for it, for up to about an hour.
const settle = proxyActivities<DecommissionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 1.5,
    maximumInterval: '1 minute',
    maximumAttempts: 80,
  },
});

export async function decommission(input: DecommissionInput): Promise<DecommissionResult> {
  if (input.graceMs && input.graceMs > 0) await sleep(input.graceMs);
  return CancellationScope.nonCancellable(() => decommissionNow(input));
}

async function decommissionNow(input: DecommissionInput): Promise<DecommissionResult> {
  const { orderRef } = input;
  let plan = await acts.planDecommission({ orderRef });
  let cancelledDeployment = false;
  if (plan.runningWorkflowId) {
    try {
      await getExternalWorkflowHandle(plan.runningWorkflowId).cancel();
      cancelledDeployment = true;
    } catch (err) {
      // It ended meanwhile: nothing to cancel.
      log.info('running deployment already gone', { error: String(err) });
    }
    await settle.deploymentSettled({ orderRef });
    // It may have delivered after all (the cancel came during its last, non-cancellable step).
    plan = await acts.planDecommission({ orderRef });
  }
  const released = await acts.releaseOrderLicense({
    orderRef,
    reason: `order ${input.reason}`,
  });
  // What fails from here on is said in the note and fails the run (so a marketplace retry starts
  // it again), but never stops the steps after it.
  const problems: string[] = [];
  if (plan.created.length > 0) {
    try {
      await executeChild(deprovisionWorkflow, {
        workflowId: `${decommissionWorkflowId(orderRef)}-deprovision-${plan.deliveredDeploymentId ?? 'none'}`,
        args: [{ created: plan.created, cloud: plan.cloud }],
      });
    } catch (err) {
      problems.push(`deleting resources failed: ${String(err)}`.slice(0, 300));
    }
  }
  if (plan.deliveredDeploymentId) {
    try {
      await getExternalWorkflowHandle(continuedAccessWorkflowId(plan.deliveredDeploymentId)).signal(
        endAccessSignal,
      );
    } catch (err) {
      if (isCancellation(err)) throw err;
      // No continued access was kept for it.
    }
  }
  await acts.noteDecommissioned({
    orderRef,
    note: `decommissioned (${input.reason}): ${
      cancelledDeployment ? 'running deployment cancelled, ' : ''
    }license ${released.licenseId ?? 'none'} released, ${plan.created.length} resource(s) ${
      problems.length ? 'to delete, NOT all deleted' : 'deleted'
    }; evidence kept${problems.length ? `; ${problems.join('; ')}` : ''}`,
  });
  if (problems.length) {
    throw ApplicationFailure.nonRetryable(problems.join('; '), 'DECOMMISSION_INCOMPLETE');
  }
  return { cancelledDeployment, licenseId: released.licenseId, deleted: plan.created.length };
}
