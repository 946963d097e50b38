import { AppError } from '../../errors.js';
import { newId } from '../../db/ids.js';
import { getOrder } from '../../db/repositories/orders.js';
import {
  failRunningSteps,
  finishDeployment,
  getActiveDeployment,
  getDeployment,
  getLatestDeployment,
  insertOrGetActiveDeployment,
  listSteps,
  setDeploymentRunId,
  type Deployment,
} from '../../db/repositories/deployments.js';
import {
  deploymentsByRunIds,
  listRecordedDeployments,
} from '../../db/repositories/deployments-operator.js';
import { deleteSecret, getSealedSecret } from '../../db/repositories/secrets.js';
import { appendAudit } from '../../license/audit-log.js';
import { isFinished, type DeployLicenseInput } from '../../domain/deployment.js';
import type { TemporalGateway } from '../../temporal/gateway/index.js';
import type { AppDeps } from '../context.js';
import { resourceRoutes } from '../contract.js';
import { encodeCursor } from '../cursor.js';
import { operatorContracts as route } from './deployments-operator.schema.js';
import { buildTimeline } from './deployments-operator-timeline.js';
import { deploymentSummary } from './deployment-summary.js';

function temporalOf(deps: AppDeps): TemporalGateway {
  if (!deps.temporal)
    throw new AppError('UNAVAILABLE', 'operator routes need Temporal, which is down');
  return deps.temporal;
}

async function deploymentOf(deps: AppDeps, id: string): Promise<Deployment> {
  const d = await getDeployment(deps.db, id);
  if (!d) throw new AppError('NOT_FOUND', 'no such deployment');
  return d;
}

function mustBeRunning(d: Deployment): void {
  if (isFinished(d.state)) {
    throw new AppError('DEPLOYMENT_NOT_RUNNING', `the deployment has ended (${d.state})`);
  }
}

/**
 * The request a retry starts from: the failed deployment's own, under a new deployment id. The
 * buyer's ECS password is discarded when a deployment ends, so a request that needs it cannot be
 * replayed by an operator; the buyer starts that deployment again with the password.
 */
async function retryInput(deps: AppDeps, d: Deployment): Promise<DeployLicenseInput> {
  const request = d.request;
  if (!request) {
    throw new AppError(
      'ORDER_NOT_DEPLOYABLE',
      'the deployment was recorded before requests were kept; the buyer starts it again',
    );
  }
  const ref = request.choices.adminPassRef;
  if (ref && (await getSealedSecret(deps.db, ref)) === undefined) {
    throw new AppError(
      'RETRY_NEEDS_PASSWORD',
      "the buyer's ECS password was discarded when the deployment ended; the buyer starts the deployment again with it",
    );
  }
  return { ...request, deploymentId: newId('dep') };
}

/**
 * The operator's deployment routes under /v1/deployments: the list through Temporal visibility,
 * the same list from OneClick's own records (what the console watches live), a deployment's
 * timeline, retry, cancel and terminate (the last three in the audit log).
 */
export function operatorDeploymentRoutes() {
  return resourceRoutes()
    .openapi(route.list, async (c) => {
      const deps = c.get('deps');
      const { limit, cursor, ...filter } = c.req.valid('query');
      const page = await temporalOf(deps).listDeploymentRuns(filter, {
        limit,
        ...(cursor !== undefined && { cursor }),
      });
      const known = await deploymentsByRunIds(
        deps.db,
        page.runs.map((r) => r.runId),
      );
      const items = page.runs.map((r) => ({
        deploymentId: known.get(r.runId)?.id ?? null,
        state: known.get(r.runId)?.state ?? null,
        ...r,
      }));
      return c.json({ items, next: page.next }, 200);
    })
    .openapi(route.recorded, async (c) => {
      const { limit, cursor, ...filter } = c.req.valid('query');
      const page = await listRecordedDeployments(c.get('deps').db, filter, {
        limit,
        ...(cursor && { after: cursor }),
      });
      return c.json({ items: page.items, next: encodeCursor(page.next) }, 200);
    })
    .openapi(route.timeline, async (c) => {
      const deps = c.get('deps');
      const d = await deploymentOf(deps, c.req.valid('param').deploymentId);
      const temporal = temporalOf(deps);
      const [steps, history] = await Promise.all([
        listSteps(deps.db, d.id),
        d.runId ? temporal.deploymentHistory(d.workflowId, d.runId) : undefined,
      ]);
      return c.json(buildTimeline(d, steps, history), 200);
    })
    .openapi(route.retry, async (c) => {
      const deps = c.get('deps');
      const p = c.get('principal');
      const { reason } = c.req.valid('json');
      const d = await deploymentOf(deps, c.req.valid('param').deploymentId);
      const temporal = temporalOf(deps);
      if (d.state === 'succeeded') {
        throw new AppError('ORDER_ALREADY_DEPLOYED', 'this deployment succeeded');
      }
      if (!isFinished(d.state)) {
        throw new AppError('DEPLOYMENT_RUNNING', 'this deployment is still running');
      }
      const order = await getOrder(deps.db, d.orderRef);
      if (!order) throw new AppError('NOT_FOUND', "the deployment's order is gone");
      const [active, latest] = await Promise.all([
        getActiveDeployment(deps.db, order.id),
        getLatestDeployment(deps.db, order.id),
      ]);
      if (active) {
        throw new AppError('DEPLOYMENT_RUNNING', `the order's deployment ${active.id} is running`);
      }
      if (latest?.state === 'succeeded') {
        throw new AppError('ORDER_ALREADY_DEPLOYED', 'the order is deployed already');
      }
      // The database says it ended a moment before its workflow does (compensation reports first).
      if (d.runId && (await temporal.runStatus(d.workflowId, d.runId)) === 'running') {
        throw new AppError('DEPLOYMENT_RUNNING', "this deployment's workflow is still ending");
      }
      const input = await retryInput(deps, d);
      const actor = `${p.role}:${p.id}`;
      const inserted = await deps.db.transaction(async (tx) => {
        const r = await insertOrGetActiveDeployment(tx, {
          id: input.deploymentId,
          orderRef: order.id,
          workflowId: d.workflowId,
          request: input,
        });
        if (r.created) {
          await appendAudit(tx, {
            actor,
            action: 'deployment.retry',
            subject: input.deploymentId,
            data: { orderRef: order.id, retryOf: d.id, reason: reason ?? null },
          });
        }
        return r;
      });
      if (!inserted.created) {
        throw new AppError(
          'DEPLOYMENT_RUNNING',
          `the order's deployment ${inserted.deployment.id} started meanwhile`,
        );
      }
      // Started as the buyer's Start Deployment starts one (same gateway call, same workflow id).
      const started = await temporal.startDeployment(d.workflowId, input, order);
      if (started.outcome === 'already-succeeded') {
        await finishDeployment(deps.db, input.deploymentId, {
          state: 'failed',
          code: 'ORDER_ALREADY_DEPLOYED',
          message: 'a run of the order succeeded already',
        });
        throw new AppError('ORDER_ALREADY_DEPLOYED', 'the order was deployed already');
      }
      await setDeploymentRunId(deps.db, input.deploymentId, started.firstExecutionRunId);
      return c.json(
        {
          ...deploymentSummary({ ...inserted.deployment, runId: started.firstExecutionRunId }),
          retryOf: d.id,
        },
        201,
      );
    })
    .openapi(route.cancel, async (c) => {
      const deps = c.get('deps');
      const p = c.get('principal');
      const { reason } = c.req.valid('json');
      const d = await deploymentOf(deps, c.req.valid('param').deploymentId);
      mustBeRunning(d);
      const r = await temporalOf(deps).cancelDeploymentRun(d.workflowId, d.runId);
      if (r === 'not-running') {
        throw new AppError('DEPLOYMENT_NOT_RUNNING', "the deployment's workflow has ended");
      }
      await appendAudit(deps.db, {
        actor: `${p.role}:${p.id}`,
        action: 'deployment.cancel',
        subject: d.id,
        data: { orderRef: d.orderRef, runId: d.runId, reason: reason ?? null },
      });
      return c.json({ ...deploymentSummary(d), cancelRequested: true }, 202);
    })
    .openapi(route.terminate, async (c) => {
      const deps = c.get('deps');
      const p = c.get('principal');
      const { reason } = c.req.valid('json');
      const d = await deploymentOf(deps, c.req.valid('param').deploymentId);
      mustBeRunning(d);
      const actor = `${p.role}:${p.id}`;
      const r = await temporalOf(deps).terminateDeploymentRun(
        d.workflowId,
        d.runId,
        `${reason} (by ${actor})`,
      );
      if (r === 'not-running') {
        throw new AppError('DEPLOYMENT_NOT_RUNNING', "the deployment's workflow has ended");
      }
      // A terminated run records nothing more: its end is written here. Nothing is undone; only
      // the buyer's ECS password goes, as it would at any end.
      const message = `terminated by an operator: ${reason}`;
      await deps.db.transaction(async (tx) => {
        await failRunningSteps(tx, d.id, `TERMINATED: ${message}`);
        await finishDeployment(tx, d.id, { state: 'failed', code: 'TERMINATED', message });
        const ref = d.request?.choices.adminPassRef;
        if (ref) await deleteSecret(tx, ref);
        await appendAudit(tx, {
          actor,
          action: 'deployment.terminate',
          subject: d.id,
          data: { orderRef: d.orderRef, runId: d.runId, reason },
        });
      });
      return c.json(deploymentSummary((await getDeployment(deps.db, d.id)) ?? d), 200);
    });
}
