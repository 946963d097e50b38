import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure, type LoadedDataConverter } from '@temporalio/common';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { optionalTsToDate } from '@temporalio/common/lib/time.js';
// A CommonJS module: Node's ESM loader sees only its default export, not `temporal`.
import proto, { type temporal } from '@temporalio/proto';
import {
  liveActivityOf,
  type DeployLicenseInput,
  type LiveActivity,
  type PendingActivity,
  type RunningDeployment,
} from '../../domain/deployment.js';
import {
  progressQuery,
  submitHardwareIdUpdate,
} from '../../../workflows/deploy-license/messages.js';
import {
  DeploymentStatusKey,
  DeploymentStepKey,
  OrderIdKey,
  ProductIdKey,
  SellerIdKey,
} from '../search-attributes.js';
import type { BoundClient } from './bound-client.js';
import { workflowType, type Workflows } from './workflow-types.js';

type DeployLicense = Workflows['deployLicense'];

/** The order a deployment belongs to, as its search attributes name it. */
export interface DeploymentOrder {
  id: string;
  sellerId: string;
  productId: string;
}

export type StartDeploymentResult =
  | { outcome: 'running'; firstExecutionRunId: string }
  /** A run of this workflow id succeeded already; the order is deployed. */
  | { outcome: 'already-succeeded' };

export type HardwareIdResult =
  | { accepted: true; fingerprint: string }
  | { accepted: false; code: 'INVALID_FINGERPRINT' | 'NOT_AWAITING_HARDWARE_ID'; message: string };

/** The deployLicense workflow as its callers see it. */
export interface DeploymentGateway {
  /**
   * Starts the deployment, or answers the run already going (starting again is how a lost start
   * heals); a failed run may be started again, a succeeded one may not.
   */
  startDeployment(
    workflowId: string,
    input: DeployLicenseInput,
    order: DeploymentOrder,
  ): Promise<StartDeploymentResult>;
  /**
   * The running deployment's own progress (unless a workflow task is under way), its pending
   * activities and the latest heartbeat of the one under way (push bytes and rate, installer
   * output); fails after `timeoutMs` (e.g. no worker polling).
   */
  deploymentProgress(workflowId: string, timeoutMs: number): Promise<RunningDeployment>;
  /** License 1.0: hands the buyer's hardware ID to a deployment waiting for one. */
  submitHardwareId(workflowId: string, hardwareId: string): Promise<HardwareIdResult>;
  /** Cancels the run (its compensation removes what it made); a missing run is not an error. */
  cancelDeployment(workflowId: string): Promise<'cancelled' | 'not-found'>;
}

const REFUSED_HARDWARE_ID = ['INVALID_FINGERPRINT', 'NOT_AWAITING_HARDWARE_ID'] as const;

const WORKFLOW_TASK_STARTED =
  proto.temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED;

const PENDING_STATES: Record<number, PendingActivity['state']> = {
  1: 'scheduled',
  2: 'started',
  3: 'cancel-requested',
  4: 'paused',
};

/** describe()'s pending activity, without Temporal's protobuf types. */
function pendingActivityOf(p: temporal.api.workflow.v1.IPendingActivityInfo): PendingActivity {
  const message = p.lastFailure?.message;
  return {
    activity: p.activityType?.name ?? 'unknown',
    attempt: p.attempt ?? 1,
    maximumAttempts: p.maximumAttempts ?? 0,
    state: PENDING_STATES[p.state ?? 0] ?? 'unknown',
    ...(message && { lastFailure: message.slice(0, 1000) }),
  };
}

/**
 * The latest heartbeat of the activity under way, decoded with the client's data converter (the
 * worker's codec encrypted it). An activity waiting for its next attempt shows none: its details
 * are the failed attempt's. Details this process cannot decode (another key) show nothing.
 */
async function liveOf(
  converter: LoadedDataConverter,
  pending: temporal.api.workflow.v1.IPendingActivityInfo[],
): Promise<LiveActivity | undefined> {
  let latest: LiveActivity | undefined;
  for (const p of pending) {
    const payloads = p.heartbeatDetails?.payloads;
    if (PENDING_STATES[p.state ?? 0] !== 'started' || !payloads?.length) continue;
    let details: unknown;
    try {
      [details] = await decodeArrayFromPayloads(converter, payloads);
    } catch {
      continue;
    }
    const recordedAt = optionalTsToDate(p.lastHeartbeatTime)?.toISOString();
    const live = liveActivityOf(p.activityType?.name ?? '', details, recordedAt);
    if (live && (!latest || live.at > latest.at)) latest = live;
  }
  return latest;
}

/** The deployLicense calls, bound to a client and task queue. */
export function deploymentGateway({ client, taskQueue }: BoundClient): DeploymentGateway {
  const converter = client.options.loadedDataConverter;
  return {
    async startDeployment(workflowId, input, order) {
      try {
        const handle = await client.workflow.start<DeployLicense>(workflowType('deployLicense'), {
          taskQueue,
          workflowId,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          typedSearchAttributes: [
            { key: OrderIdKey, value: order.id },
            { key: SellerIdKey, value: order.sellerId },
            { key: ProductIdKey, value: order.productId },
            { key: DeploymentStepKey, value: 'requested' },
            { key: DeploymentStatusKey, value: 'running' },
          ],
        });
        return { outcome: 'running', firstExecutionRunId: handle.firstExecutionRunId };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          return { outcome: 'already-succeeded' };
        }
        throw err;
      }
    },

    deploymentProgress(workflowId, timeoutMs) {
      return client.withDeadline(Date.now() + timeoutMs, async () => {
        const handle = client.workflow.getHandle<DeployLicense>(workflowId);
        // Only Temporal knows the attempts of a step under way and its last heartbeat.
        const described = await handle.describe();
        const raw = described.raw.pendingActivities ?? [];
        const pending = raw.map(pendingActivityOf);
        const live = await liveOf(converter, raw);
        // A workflow task under way (local activities making the network, say) holds a query
        // until it ends, seconds later; the caller shows the recorded steps meanwhile. A task
        // only scheduled is asked: with no worker polling, the query fails at the deadline.
        if (described.raw.pendingWorkflowTask?.state === WORKFLOW_TASK_STARTED) {
          return { pending, ...(live && { live }) };
        }
        const progress = await handle.query(progressQuery);
        return { progress, pending, ...(live && { live }) };
      });
    },

    async submitHardwareId(workflowId, hardwareId) {
      const handle = client.workflow.getHandle<DeployLicense>(workflowId);
      try {
        const r = await handle.executeUpdate(submitHardwareIdUpdate, { args: [hardwareId] });
        return { accepted: true, fingerprint: r.fingerprint };
      } catch (err) {
        const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
        if (cause instanceof ApplicationFailure) {
          const code = REFUSED_HARDWARE_ID.find((c) => c === cause.type);
          if (code) return { accepted: false, code, message: cause.message };
        }
        throw err;
      }
    },

    async cancelDeployment(workflowId) {
      try {
        await client.workflow.getHandle(workflowId).cancel();
        return 'cancelled';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'not-found';
        throw err;
      }
    },
  };
}
