import type { Client } from '@temporalio/client';
import { deploymentGateway, type DeploymentGateway } from './deployments.js';
import { licenseLifecycleGateway, type LicenseLifecycleGateway } from './license-lifecycle.js';
import { scheduleGateway, type ScheduleGateway } from './schedules.js';
import { operatorGateway, type OperatorGateway } from './operator.js';
import { supervisionGateway, type SupervisionGateway } from './supervision.js';
import { decommissionGateway, type DecommissionGateway } from './decommission.js';

export { deploymentWorkflowId } from '../../../workflows/deploy-license/messages.js';
export type {
  DeploymentGateway,
  DeploymentOrder,
  HardwareIdResult,
  StartDeploymentResult,
} from './deployments.js';
export { lifecycleWorkflowId, type LicenseLifecycleGateway } from './license-lifecycle.js';
export { GENERATOR_PROBE_SCHEDULE_ID, type ScheduleGateway } from './schedules.js';
export type {
  DeploymentHistory,
  DeploymentRun,
  DeploymentRunFilter,
  ExecutionStatus,
  FailureSummary,
  HistoryActivity,
  OperatorGateway,
} from './operator.js';
export type { SupervisionGateway } from './supervision.js';
export type { DecommissionGateway } from './decommission.js';

/**
 * OneClick's one gateway to Temporal: every client call (start, signal, update, query, cancel,
 * schedules) goes through here, typed by the workflow definitions in `workflows/`. Callers take
 * the narrow part they need (`DeploymentGateway`, `LicenseLifecycleGateway`, ...).
 */
export interface TemporalGateway
  extends
    DeploymentGateway,
    LicenseLifecycleGateway,
    ScheduleGateway,
    SupervisionGateway,
    DecommissionGateway,
    OperatorGateway {
  /** Resolves when the Temporal server answers. */
  checkHealth(): Promise<void>;
  /** Closes the connection the gateway's client was built on. */
  close(): Promise<void>;
}

/** The gateway over `client`, starting workflows on `taskQueue`. */
export function createTemporalGateway(client: Client, taskQueue: string): TemporalGateway {
  const bound = { client, taskQueue };
  return {
    ...deploymentGateway(bound),
    ...licenseLifecycleGateway(bound),
    ...scheduleGateway(bound),
    ...operatorGateway(bound),
    ...supervisionGateway(bound),
    ...decommissionGateway(bound),
    async checkHealth() {
      await client.workflowService.getSystemInfo({});
    },
    close: () => client.connection.close(),
  };
}
