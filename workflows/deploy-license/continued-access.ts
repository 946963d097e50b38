import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import {
  continuedAccess,
  continuedAccessWorkflowId,
  type ContinuedAccessInput,
} from '../continued-access.js';

/**
 * Starts the end of a delivered server's continued access as a child the deployment abandons
 * (ParentClosePolicy.ABANDON): its timer keeps running after the deployment closes.
 */
export async function startContinuedAccess(input: ContinuedAccessInput): Promise<void> {
  await startChild(continuedAccess, {
    workflowId: continuedAccessWorkflowId(input.deploymentId),
    args: [input],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
}
