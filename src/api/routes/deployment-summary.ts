import type { Deployment } from '../../db/repositories/deployments.js';

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
