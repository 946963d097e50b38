import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { decommissionWorkflowId, type DecommissionInput } from '../../../workflows/decommission.js';
import type { BoundClient } from './bound-client.js';
import { workflowType, type Workflows } from './workflow-types.js';

/** The decommission workflow as the marketplace's unsubscription and expiry notices start it. */
export interface DecommissionGateway {
  /** Starts the order's decommission unless it runs or ran (its id is the order's). */
  startDecommission(input: DecommissionInput): Promise<'started' | 'exists'>;
  /** A renewal: cancels a decommission still waiting out its expiry grace. */
  cancelWaitingDecommission(orderRef: string): Promise<void>;
}

export function decommissionGateway({ client, taskQueue }: BoundClient): DecommissionGateway {
  return {
    async startDecommission(input) {
      try {
        await client.workflow.start<Workflows['decommission']>(workflowType('decommission'), {
          taskQueue,
          workflowId: decommissionWorkflowId(input.orderRef),
          args: [input],
          // A second notice (the marketplace retries, expiry after unsubscription) is the same
          // decommission; only one that failed, or that a renewal cancelled, may run again.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
        return 'started';
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'exists';
        throw err;
      }
    },
    async cancelWaitingDecommission(orderRef) {
      const handle = client.workflow.getHandle(decommissionWorkflowId(orderRef));
      try {
        if ((await handle.describe()).status.name === 'RUNNING') await handle.cancel();
      } catch (err) {
        // None was started for the order.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
  };
}
