import {
  ActivityCancellationType,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { DeliveryActivities } from '../../activities/delivery.js';
import type { DeploymentActivities } from '../../activities/deployment.js';
import type { DeploymentTimeouts } from '../../src/domain/deployment.js';
import { retryPolicy } from '../retry-policy.js';

type Activities = DeliveryActivities & DeploymentActivities;

/**
 * The activity proxies of deployLicense, one per kind of step. Their RetryPolicy is the only
 * retry of a step: the activity makes one attempt and says whether another is worth it (and, for
 * a throttled cloud, after how long).
 */
export function deploymentActivities(t: DeploymentTimeouts) {
  const retry = (maximumAttempts: number) => retryPolicy(t, maximumAttempts);
  // Work on the server: long, heartbeating; compensation must not delete a server an upload is
  // still writing to, so a cancel waits for the activity to stop.
  const onServer = {
    startToCloseTimeout: '45 minutes',
    heartbeatTimeout: t.heartbeatMs ?? 30_000,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  } as const;
  return {
    /**
     * Loading the plan and ending the deployment: short, idempotent database work, run as local
     * activities inside the workflow task (no task-queue round trip, no workflow task of its own).
     */
    records: proxyLocalActivities<Activities>({
      startToCloseTimeout: '30 seconds',
      retry: retry(30),
    }),
    /** SSH, push and license: each resumable or idempotent. */
    delivery: proxyActivities<Activities>({ ...onServer, retry: retry(3) }),
    /** The seller's installer and verify command: run again at most once. */
    commands: proxyActivities<Activities>({ ...onServer, retry: retry(2) }),
  };
}
