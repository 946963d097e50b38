import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../src/db/sql.js';
import { getOrder } from '../src/db/repositories/orders.js';
import {
  getActiveDeployment,
  getDeployment,
  listSteps,
  recordSupervisionNote,
} from '../src/db/repositories/deployments.js';
import { latestSucceededDeploymentId } from '../src/db/repositories/evidence.js';
import { findLicense } from '../src/db/repositories/licenses.js';
import type { CloudTarget } from '../src/cloud/types.js';
import { createdResourcesOf, type CreatedResource } from '../src/domain/deployment-resources.js';
import { readStepTails } from '../src/evidence/step-tails.js';
import type { LicenseServices } from '../src/license/services.js';

/** What a decommission has to undo for an order, read from what its deployments recorded. */
export interface DecommissionPlan {
  /** A deployment still running: cancelled first, so that it compensates. */
  runningWorkflowId?: string;
  /** The delivered deployment, whose resources go (and whose continued access ends). */
  deliveredDeploymentId?: string;
  created: CreatedResource[];
  /** The account and region the delivered deployment's resources live in. */
  cloud?: CloudTarget;
}

/** The activities of the decommission workflow (workflows/decommission.ts). */
export function createDecommissionActivities(deps: { db: Database; license: LicenseServices }) {
  const { db } = deps;
  return {
    async planDecommission(input: { orderRef: string }): Promise<DecommissionPlan> {
      const running = await getActiveDeployment(db, input.orderRef);
      const deliveredId = await latestSucceededDeploymentId(db, input.orderRef);
      const delivered = deliveredId ? await getDeployment(db, deliveredId) : undefined;
      if (!delivered?.request) {
        return { runningWorkflowId: running?.workflowId, created: [] };
      }
      const choices = delivered.request.choices;
      const tails = readStepTails(await listSteps(db, delivered.id));
      const created = createdResourcesOf({
        deploymentId: delivered.id,
        buyerOwned: {
          vpc: 'existingId' in choices.vpc,
          subnet: 'existingId' in choices.subnet,
          securityGroup: 'existingId' in choices.securityGroup,
          server: 'existingId' in choices.server,
        },
        ids: {
          vpcId: tails.network?.vpcId,
          subnetId: tails.network?.subnetId,
          securityGroupId: tails.network?.securityGroupId,
          serverId: tails.server?.id,
        },
        publicIp: choices.publicIp !== undefined,
      });
      return {
        runningWorkflowId: running?.workflowId,
        deliveredDeploymentId: delivered.id,
        created,
        cloud: delivered.request.cloud,
      };
    },

    /** Succeeds once no deployment of the order runs any more (it is retried until then). */
    async deploymentSettled(input: { orderRef: string }): Promise<void> {
      if (await getActiveDeployment(db, input.orderRef)) {
        throw ApplicationFailure.retryable('the deployment is still compensating', 'STILL_RUNNING');
      }
    },

    /**
     * Releases the order's license: a License 2.0 code is RELEASED (the seller's software then
     * gets KooGallery's released answer), a License 1.0 license is revoked and so appears on the
     * revocation list. Idempotent.
     */
    async releaseOrderLicense(input: {
      orderRef: string;
      reason: string;
    }): Promise<{ licenseId?: string; model?: string }> {
      const license = await findLicense(db, 'order_id', input.orderRef);
      if (!license) return {};
      await deps.license.lifecycle.setStatus(license.id, 'RELEASED', 'system:decommission');
      if (license.model === 'license1') {
        await deps.license.revocation.revoke(license.sellerId, license.id, input.reason);
      }
      return { licenseId: license.id, model: license.model };
    },

    /** Tells the order's supervision (and through it the marketplace) what was done. */
    async noteDecommissioned(input: { orderRef: string; note: string }): Promise<void> {
      if (!(await getOrder(db, input.orderRef))) return;
      await recordSupervisionNote(db, input.orderRef, input.note);
    },
  };
}

export type DecommissionActivities = ReturnType<typeof createDecommissionActivities>;
