import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DeploymentProgress } from '../../src/domain/deployment.js';

/**
 * deployLicense's messages and id, defined once: the workflow sets their handlers, the Temporal
 * gateway (src/temporal) and tests import them instead of retyping names as strings.
 */

/** Progress of the running deployment. */
export const progressQuery = defineQuery<DeploymentProgress>('progress');

/**
 * License 1.0 when the server's fingerprint cannot be read over SSH: the buyer submits the
 * hardware ID. Accepted only while the deployment waits for one, and only in canonical form.
 */
export const submitHardwareIdUpdate = defineUpdate<{ fingerprint: string }, [string]>(
  'submitHardwareId',
);

/** The workflow id of an order's deployment: one running deployment per order. */
export const deploymentWorkflowId = (orderRef: string): string => `deploy-${orderRef}`;

/** The version marker new runs record; runs without it replay on ./v1.ts. */
export const DEPLOY_V2_PATCH = 'deploy-license-v2-steps-recorded-by-activities';
