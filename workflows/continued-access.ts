import {
  condition,
  defineSignal,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { DeliveryActivities, SshEndpoint } from '../activities/delivery.js';
import type { DeploymentActivities } from '../activities/deployment.js';
import { describeFailure } from './failures.js';

/**
 * continuedAccess (`access-<deploymentId>`): a product that declares `continuedAccessDays` keeps
 * OneClick's per-deployment key on the buyer's server after delivery. This workflow holds the
 * end of that access as a durable timer: when it fires (or `endAccess` is signalled, e.g. on
 * decommission), the key leaves the server's authorized_keys and its sealed private half is
 * deleted. Started by the deployment as a child it abandons, so it outlives it.
 */
export interface ContinuedAccessInput {
  deploymentId: string;
  /** How to reach the server with the kept key (no password: the buyer's is discarded). */
  endpoint: SshEndpoint;
  publicKey: string;
  /** The sealed private key, kept until a day after `until` (finishDeployment). */
  privateKeyRef: string;
  /** ISO-8601: when the access ends. */
  until: string;
}

export const endAccessSignal = defineSignal('endAccess');

export const continuedAccessWorkflowId = (deploymentId: string) => `access-${deploymentId}`;

const { removeDeploymentKey, discardSecrets } = proxyActivities<
  DeliveryActivities & DeploymentActivities
>({
  startToCloseTimeout: '2 minutes',
  // A server that is down for a while is tried again for about a day (the key's grace).
  retry: {
    initialInterval: '1 minute',
    backoffCoefficient: 2,
    maximumInterval: '2 hours',
    maximumAttempts: 16,
  },
});

export async function continuedAccess(input: ContinuedAccessInput): Promise<{ removed: boolean }> {
  let ended = false;
  setHandler(endAccessSignal, () => {
    ended = true;
  });
  const left = Date.parse(input.until) - Date.now();
  if (left > 0) await condition(() => ended, left);
  let removed = false;
  try {
    ({ removed } = await removeDeploymentKey({
      endpoint: input.endpoint,
      publicKey: input.publicKey,
    }));
  } catch (err) {
    if (isCancellation(err)) throw err;
    // A server deleted meanwhile has no key to remove; the private half goes all the same.
    log.warn('could not remove the continued-access key', { error: describeFailure(err).code });
  }
  await discardSecrets({ refs: [input.privateKeyRef] });
  return { removed };
}
