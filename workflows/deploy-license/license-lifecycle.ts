import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { licenseLifecycle, licenseLifecycleWorkflowId } from '../license-lifecycle.js';

/**
 * Starts the lifecycle of a license a deployment issued, as a child the deployment abandons: it
 * keeps running after the deployment closes (ParentClosePolicy.ABANDON). A lifecycle already
 * running for the license (a redeployment of the order, a license route that started it) is left
 * as it is.
 */
export async function startLicenseLifecycle(licenseId: string): Promise<void> {
  try {
    await startChild(licenseLifecycle, {
      workflowId: licenseLifecycleWorkflowId(licenseId),
      args: [{ licenseId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
