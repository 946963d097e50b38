import { AppError } from '../../errors.js';
import { newId } from '../../db/ids.js';
import { getProduct } from '../../db/repositories/products.js';
import { latestPackageForProduct } from '../../db/repositories/packages.js';
import {
  findDeploymentServer,
  getActiveDeployment,
  getLatestDeployment,
  insertOrGetActiveDeployment,
  listSteps,
  setDeploymentRunId,
  type Deployment,
} from '../../db/repositories/deployments.js';
import {
  isFinished,
  liveProgress,
  whyNotDeployable,
  type DeployLicenseInput,
  type LiveDeploymentProgress,
  type NetworkChoices,
  type StepProgress,
} from '../../domain/deployment.js';
import { createSqlSecretStore } from '../../secrets/secret-store.js';
import { cloudAccountOwnedBy } from '../../db/repositories/cloud-accounts.js';
import { ownAccountRefused } from './cloud-catalogue.js';
import type { CloudTarget } from '../../cloud/types.js';
import { resetHostKeyPin } from '../../ssh/host-key.js';
import { deploymentWorkflowId, type DeploymentGateway } from '../../temporal/gateway/index.js';
import type { AppDeps } from '../context.js';
import { resourceRoutes } from '../contract.js';
import { visibleOrder } from './orders.js';
import { deploymentSummary } from './deployment-summary.js';
import { deploymentContracts as route, type StartDeploymentBody } from './deployments.schema.js';

const LIVE_QUERY_MS = 3_000;

function temporalOf(deps: AppDeps): DeploymentGateway {
  if (!deps.temporal) throw new AppError('UNAVAILABLE', 'deployments need Temporal, which is down');
  return deps.temporal;
}

function choicesOf(body: StartDeploymentBody, adminPassRef: string | undefined): NetworkChoices {
  return {
    vpc: body.vpc,
    subnet: body.subnet,
    securityGroup: body.securityGroup,
    server: body.server,
    ...(body.publicIp && { publicIp: body.publicIp }),
    ...(adminPassRef && { adminPassRef }),
  };
}

/**
 * The account and region the deployment acts in, the region resolved now (absent: the
 * connector's default) so the deployment's record says where it ran whatever the default becomes.
 */
function cloudOf(deps: AppDeps, body: StartDeploymentBody): CloudTarget | undefined {
  const accountId = body.cloud?.accountId;
  const region = body.cloud?.region ?? deps.cloud?.defaultRegion;
  if (accountId === undefined && region === undefined) return undefined;
  return { ...(accountId !== undefined && { accountId }), ...(region !== undefined && { region }) };
}

/** Refuses what the schema alone cannot: an EIP for the buyer's server, a foreign account. */
async function checkCloudChoices(
  deps: AppDeps,
  buyerId: string | null,
  body: StartDeploymentBody,
): Promise<void> {
  if (body.publicIp && 'existingId' in body.server) {
    throw new AppError(
      'PUBLIC_IP_NEEDS_NEW_SERVER',
      "publicIp: OneClick binds an elastic IP only to a server it creates, not to the buyer's existing server",
    );
  }
  // A region no endpoint serves fails now, not after the order's deployment has started.
  if (body.cloud?.region !== undefined) deps.cloud?.checkRegion(body.cloud.region);
  const accountId = body.cloud?.accountId;
  if (accountId === undefined && deps.ownAccountForBuyers === false) throw ownAccountRefused();
  if (
    accountId !== undefined &&
    (buyerId === null || !(await cloudAccountOwnedBy(deps.db, accountId, buyerId)))
  ) {
    throw new AppError('CLOUD_ACCOUNT_NOT_FOUND', 'cloud.accountId: no such cloud account');
  }
}

/**
 * The deployment as the API shows it; `live` is the running workflow's view with Temporal's
 * pending activities and the latest heartbeat (the push bar, the output tail).
 */
async function view(
  deps: AppDeps,
  d: Deployment,
  recorded?: StepProgress[],
  live?: LiveDeploymentProgress,
) {
  const cloud = d.request?.cloud;
  return {
    ...deploymentSummary(d),
    // Which account and region it acts in (null: OneClick's own account and configured region).
    cloud: cloud ? { accountId: cloud.accountId ?? null, region: cloud.region ?? null } : null,
    steps: recorded ?? (await listSteps(deps.db, d.id)),
    ...(live && { live }),
  };
}

/** Start Deployment, progress, cancel and the host-key reset, under /v1/orders/:id/deployments. */
export function deploymentRoutes() {
  return resourceRoutes()
    .openapi(route.start, async (c) => {
      const deps = c.get('deps');
      const order = await visibleOrder(c, c.req.param('id'));
      const body = c.req.valid('json');
      // The workflow checks again in its first step; refusing here spares a doomed start.
      const product = await getProduct(deps.db, order.productId);
      const why = whyNotDeployable({
        orderStatus: order.status,
        installCommand: product?.installCommand ?? null,
        licensePath: product?.licensePath ?? null,
        hasPackage:
          product !== undefined &&
          (await latestPackageForProduct(deps.db, product.id)) !== undefined,
      });
      if (why) throw new AppError('ORDER_NOT_DEPLOYABLE', `cannot deploy: ${why}`);
      if ('existingId' in body.server && !body.adminPassword) {
        throw new AppError(
          'VALIDATION_FAILED',
          "adminPassword: required to log in to the buyer's existing server",
        );
      }
      await checkCloudChoices(deps, c.get('principal').buyerId, body);
      const temporal = temporalOf(deps);
      let active = await getActiveDeployment(deps.db, order.id);
      let created = false;
      if (!active) {
        const latest = await getLatestDeployment(deps.db, order.id);
        if (latest?.state === 'succeeded') {
          throw new AppError('ORDER_ALREADY_DEPLOYED', 'the order is deployed already');
        }
        let adminPassRef: string | undefined;
        if (body.adminPassword !== undefined) {
          adminPassRef = await secretStore(deps).put('ecs-admin-pass', body.adminPassword);
        }
        const deploymentId = newId('dep');
        const cloud = cloudOf(deps, body);
        const input: DeployLicenseInput = {
          deploymentId,
          orderRef: order.id,
          choices: choicesOf(body, adminPassRef),
          ...(cloud && { cloud }),
        };
        const r = await insertOrGetActiveDeployment(deps.db, {
          id: deploymentId,
          orderRef: order.id,
          workflowId: deploymentWorkflowId(order.id),
          request: input,
        });
        if (!r.created && adminPassRef) await secretStore(deps).delete(adminPassRef);
        active = r.deployment;
        created = r.created;
      }
      const request = active.request;
      if (!request) throw new AppError('INTERNAL', 'deployment has no recorded request');
      // Starting again is how a lost start heals: USE_EXISTING answers the running workflow.
      const started = await temporal.startDeployment(active.workflowId, request, order);
      if (started.outcome === 'already-succeeded') {
        throw new AppError('ORDER_ALREADY_DEPLOYED', 'the order was deployed already');
      }
      if (active.runId !== started.firstExecutionRunId) {
        await setDeploymentRunId(deps.db, active.id, started.firstExecutionRunId);
        active = { ...active, runId: started.firstExecutionRunId };
      }
      return c.json(await view(deps, active), created ? 201 : 200);
    })
    .openapi(route.current, async (c) => {
      const deps = c.get('deps');
      const order = await visibleOrder(c, c.req.param('id'));
      const d = await getLatestDeployment(deps.db, order.id);
      if (!d) throw new AppError('NO_DEPLOYMENT', 'the order has no deployment');
      const temporal = isFinished(d.state) ? undefined : deps.temporal;
      const [steps, running] = await Promise.all([
        listSteps(deps.db, d.id),
        // With no worker polling, a query would wait long: the page must not.
        temporal?.deploymentProgress(d.workflowId, LIVE_QUERY_MS).catch((err: unknown) => {
          // The database's view stands on its own; the live view is a bonus.
          c.get('log').warn({ err: String(err) }, 'deployment progress query failed');
          return undefined;
        }),
      ]);
      const recorded = { deploymentId: d.id, orderRef: d.orderRef, state: d.state, steps };
      const live = running && liveProgress(recorded, running);
      return c.json(await view(deps, d, steps, live));
    })
    .openapi(route.hardwareId, async (c) => {
      const deps = c.get('deps');
      const order = await visibleOrder(c, c.req.param('id'));
      const { hardwareId } = c.req.valid('json');
      const d = await getActiveDeployment(deps.db, order.id);
      if (!d) {
        throw new AppError('NO_ACTIVE_DEPLOYMENT', 'the order has no running deployment');
      }
      const r = await temporalOf(deps).submitHardwareId(d.workflowId, hardwareId);
      if (!r.accepted) throw new AppError(r.code, r.message);
      return c.json({ deploymentId: d.id, hardwareId: r.fingerprint }, 202);
    })
    .openapi(route.cancel, async (c) => {
      const deps = c.get('deps');
      const order = await visibleOrder(c, c.req.param('id'));
      const d = await getActiveDeployment(deps.db, order.id);
      if (!d) {
        throw new AppError('NO_ACTIVE_DEPLOYMENT', 'the order has no running deployment');
      }
      await temporalOf(deps).cancelDeployment(d.workflowId);
      return c.json(await view(deps, d), 202);
    })
    .openapi(route.resetHostKey, async (c) => {
      const deps = c.get('deps');
      const order = await visibleOrder(c, c.req.param('id'));
      const server = await findDeploymentServer(deps.db, order.id);
      if (!server)
        throw new AppError('NO_DEPLOYMENT', 'no deployment of the order reached a server');
      const p = c.get('principal');
      await resetHostKeyPin(deps.db, {
        serverId: server.serverId,
        actor: `${p.role}:${p.id}`,
        data: { orderRef: order.id, deploymentId: server.deploymentId },
      });
      return c.body(null, 204);
    });
}

function secretStore(deps: AppDeps) {
  if (!deps.secretsKeyring) {
    throw new AppError('UNAVAILABLE', 'the secret store is not configured');
  }
  return createSqlSecretStore(deps.db, deps.secretsKeyring);
}
