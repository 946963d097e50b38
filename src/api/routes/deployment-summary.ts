import { z } from '@hono/zod-openapi';
import type { Deployment } from '../../db/repositories/deployments.js';
import { DEPLOYMENT_STEPS } from '../../domain/deployment.js';

/** Every state a deployment is in: a step under way, or how it ended. */
export const deploymentStateSchema = z.enum([
  ...DEPLOYMENT_STEPS,
  'succeeded',
  'failed',
  'cancelled',
]);

/** The fields `deploymentSummary` answers, for the routes' response schemas. */
export const deploymentSummaryShape = {
  id: z.string(),
  orderRef: z.string(),
  workflowId: z.string(),
  runId: z.string().nullable(),
  state: deploymentStateSchema,
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
};

/**
 * A deployment as every route shows it before its own parts (steps, live progress, timeline):
 * one shape for the buyer's view, the operator's list and actions, and the timeline.
 */
export function deploymentSummary(d: Deployment) {
  return {
    id: d.id,
    orderRef: d.orderRef,
    workflowId: d.workflowId,
    runId: d.runId,
    state: d.state,
    failure: d.failureCode ? { code: d.failureCode, message: d.failureMessage ?? '' } : null,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    finishedAt: d.finishedAt,
  };
}
