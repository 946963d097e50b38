import {
  CancellationScope,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
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
  const { orderRef } = input;
  const plan = await acts.planDecommission({ orderRef });
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
  }
  const released = await acts.releaseOrderLicense({
    orderRef,
    reason: `order ${input.reason}`,
  });
  if (plan.created.length > 0) {
    await executeChild(deprovisionWorkflow, {
      workflowId: `${decommissionWorkflowId(orderRef)}-deprovision`,
      args: [{ created: plan.created }],
    });
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
  await CancellationScope.nonCancellable(() =>
    acts.noteDecommissioned({
      orderRef,
      note: `decommissioned (${input.reason}): ${
        cancelledDeployment ? 'running deployment cancelled, ' : ''
      }license ${released.licenseId ?? 'none'} released, ${plan.created.length} resource(s) deleted; evidence kept`,
    }),
  );
  return { cancelledDeployment, licenseId: released.licenseId, deleted: plan.created.length };
}
