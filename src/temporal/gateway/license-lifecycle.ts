import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import {
  renewSignal,
  unsubscribeSignal,
  type LicenseLifecycleInput,
  type RenewalSignal,
  type UnsubscribeSignal,
} from '../../../workflows/license-lifecycle.js';
import type { BoundClient } from './bound-client.js';
import { workflowType, type Workflows } from './workflow-types.js';

type LicenseLifecycle = Workflows['licenseLifecycle'];
const LICENSE_LIFECYCLE = workflowType('licenseLifecycle');

/** The workflow id of a license's lifecycle. */
export { licenseLifecycleWorkflowId as lifecycleWorkflowId } from '../../../workflows/license-lifecycle.js';
import { licenseLifecycleWorkflowId as lifecycleWorkflowId } from '../../../workflows/license-lifecycle.js';

/**
 * The licenseLifecycle workflow (`license-<licenseId>`) as the code that issues licenses and the
 * marketplace event handlers see it. Starting twice is harmless; renewals and unsubscriptions
 * start the workflow if it is not running yet (signal-with-start), so an event that arrives first
 * is never lost.
 */
export interface LicenseLifecycleGateway {
  /** Starts the lifecycle of a license unless it already runs. */
  startLicenseLifecycle(input: LicenseLifecycleInput): Promise<'started' | 'running'>;
  /** Tells a license's lifecycle about a renewal (marketplace `renewed` event). */
  renewLicenseLifecycle(licenseId: string, renewal: RenewalSignal): Promise<void>;
  /** Tells a license's lifecycle about an unsubscription (marketplace `unsubscribed` event). */
  unsubscribeLicenseLifecycle(licenseId: string, unsubscription: UnsubscribeSignal): Promise<void>;
}

/** The licenseLifecycle calls, bound to a client and task queue. */
export function licenseLifecycleGateway({
  client,
  taskQueue,
}: BoundClient): LicenseLifecycleGateway {
  return {
    async startLicenseLifecycle(input) {
      try {
        await client.workflow.start<LicenseLifecycle>(LICENSE_LIFECYCLE, {
          taskQueue,
          workflowId: lifecycleWorkflowId(input.licenseId),
          args: [input],
        });
        return 'started';
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'running';
        throw err;
      }
    },

    async renewLicenseLifecycle(licenseId, renewal) {
      await client.workflow.signalWithStart<LicenseLifecycle, [RenewalSignal]>(LICENSE_LIFECYCLE, {
        taskQueue,
        workflowId: lifecycleWorkflowId(licenseId),
        args: [{ licenseId }],
        signal: renewSignal,
        signalArgs: [renewal],
      });
    },

    async unsubscribeLicenseLifecycle(licenseId, unsubscription) {
      await client.workflow.signalWithStart<LicenseLifecycle, [UnsubscribeSignal]>(
        LICENSE_LIFECYCLE,
        {
          taskQueue,
          workflowId: lifecycleWorkflowId(licenseId),
          args: [{ licenseId }],
          signal: unsubscribeSignal,
          signalArgs: [unsubscription],
        },
      );
    },
  };
}
