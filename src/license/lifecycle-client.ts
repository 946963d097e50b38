import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  licenseLifecycle,
  renewSignal,
  unsubscribeSignal,
  type LicenseLifecycleInput,
  type RenewalSignal,
  type UnsubscribeSignal,
} from '../../workflows/license-lifecycle.js';

/**
 * Client side of the licenseLifecycle workflow (`license-<licenseId>`), for the code that issues
 * licenses and the marketplace event handlers. Starting twice is harmless; renewals and
 * unsubscriptions start the workflow if it is not running yet (signal-with-start), so an event
 * that arrives first is never lost.
 */
export const lifecycleWorkflowId = (licenseId: string): string => `license-${licenseId}`;

/** Starts the lifecycle of a license unless it already runs. */
export async function startLicenseLifecycle(
  client: Client,
  taskQueue: string,
  input: LicenseLifecycleInput,
): Promise<'started' | 'running'> {
  try {
    await client.workflow.start(licenseLifecycle, {
      taskQueue,
      workflowId: lifecycleWorkflowId(input.licenseId),
      args: [input],
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'running';
    throw err;
  }
}

/** Tells a license's lifecycle about a renewal (marketplace `renewed` event). */
export async function renewLicenseLifecycle(
  client: Client,
  taskQueue: string,
  licenseId: string,
  renewal: RenewalSignal,
): Promise<void> {
  await client.workflow.signalWithStart(licenseLifecycle, {
    taskQueue,
    workflowId: lifecycleWorkflowId(licenseId),
    args: [{ licenseId }],
    signal: renewSignal,
    signalArgs: [renewal],
  });
}

/** Tells a license's lifecycle about an unsubscription (marketplace `unsubscribed` event). */
export async function unsubscribeLicenseLifecycle(
  client: Client,
  taskQueue: string,
  licenseId: string,
  unsubscription: UnsubscribeSignal,
): Promise<void> {
  await client.workflow.signalWithStart(licenseLifecycle, {
    taskQueue,
    workflowId: lifecycleWorkflowId(licenseId),
    args: [{ licenseId }],
    signal: unsubscribeSignal,
    signalArgs: [unsubscription],
  });
}
