import { patched } from '@temporalio/workflow';
import type { DeployLicenseInput, DeploymentReport } from '../src/domain/deployment.js';
import { DEPLOY_V2_PATCH } from './deploy-license/messages.js';
import { runDeployment } from './deploy-license/run.js';
import { deployLicenseV1 } from './deploy-license/v1.js';

export {
  deploymentWorkflowId,
  progressQuery,
  submitHardwareIdUpdate,
} from './deploy-license/messages.js';

/**
 * deployLicense: the one-click deployment of one order (DESIGN.md "Workflows"). The run
 * (./deploy-license/run.ts) wraps the step sequence (./deploy-license/steps.ts) with the progress
 * query, the deadline and the saga. Secrets travel as references only.
 */
export async function deployLicense(input: DeployLicenseInput): Promise<DeploymentReport> {
  // Runs started before this version carry no marker and replay on the version they ran.
  if (!patched(DEPLOY_V2_PATCH)) return deployLicenseV1(input);
  return runDeployment(input);
}
