import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../../activities/index.js';
import { createHuaweiCloud } from '../../../../src/cloud/huawei-cloud.js';
import { createDataConverter } from '../../../../src/temporal/data-converter.js';
import { createTemporalGateway } from '../../../../src/temporal/gateway/index.js';
import { createLicenseServices, type LicenseServices } from '../../../../src/license/services.js';
import { findLicense } from '../../../../src/db/repositories/licenses.js';
import { readAudit } from '../../../../src/db/repositories/audit-log.js';
import {
  insertOrGetActiveDeployment,
  setDeploymentRunId,
} from '../../../../src/db/repositories/deployments.js';
import { newId } from '../../../../src/db/ids.js';
import { createDirectoryPackageStore } from '../../../../src/packages/directory-store.js';
import type { PackageStore } from '../../../../src/packages/store.js';
import { createSqlSecretStore } from '../../../../src/secrets/secret-store.js';
import { createSqlHostKeyPins } from '../../../../src/ssh/host-key.js';
import { startSandboxCloud, type SandboxCloud } from '../../../../src/sandbox/sandbox-cloud.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../../src/sandbox/emulator.js';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { seedOrder, seedProduct, testKeyring } from '../../../helpers/deploy.js';
import { testWraps } from '../../../helpers/license/seed.js';
import { sandboxCloudOptions } from '../../../helpers/provision-harness.js';

const WORKFLOWS = fileURLToPath(new URL('../../../../workflows/index.ts', import.meta.url));
const PASSWORD = 'Operator!sees-7';
const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

interface Failure {
  type: string;
  message: string;
}
interface ActivityView {
  activity: string;
  outcome: string;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  failure: Failure | null;
}
interface Timeline {
  deploymentId: string;
  state: string;
  run: {
    outcome: string;
    failure: Failure | null;
    startedAt: string | null;
    closedAt: string | null;
    durationMs: number | null;
    cancelRequested: { reason: string | null } | null;
    terminated: { reason: string | null } | null;
  } | null;
  steps: {
    step: string;
    status: string;
    attempts: number;
    durationMs: number | null;
    activities: ActivityView[];
  }[];
  otherActivities: ActivityView[];
}
interface RecordedItem {
  id: string;
  orderRef: string;
  workflowId: string;
  runId: string | null;
  state: string;
  status: string;
  step: string | null;
  failure: Failure | null;
  sellerId: string;
  productId: string;
  productName: string;
}
interface ListItem {
  deploymentId: string | null;
  state: string | null;
  workflowId: string;
  runId: string;
  executionStatus: string;
  orderId: string;
  sellerId: string;
  productId: string;
  step: string;
  status: string;
}

describe('operator deployment routes: list, timeline, retry, cancel, terminate', () => {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `operator-${randomUUID()}`;
  const keyring = testKeyring();
  const dataConverter = createDataConverter(keyring);
  let cloud: SandboxCloud;
  let t: TestApp;
  let store: PackageStore;
  let storeDir: string;
  let client: Client;
  let license!: LicenseServices;
  let stopWorker: () => Promise<void>;
  let operator: { key: string; id: string };
  let buyer: { key: string; buyerId: string };
  let seller: { key: string; sellerId: string };

  beforeAll(async () => {
    const bundling = bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quietLogger });
    cloud = await startSandboxCloud();
    storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-operator-store-'));
    store = createDirectoryPackageStore(storeDir);
    // Client and worker both encrypt: the timeline must decode what the server keeps encrypted.
    client = new Client({
      connection: await Connection.connect({ address }),
      namespace,
      dataConverter,
    });
    t = await startTestApp('pglite', (db) => {
      license = createLicenseServices({
        sql: db,
        wraps: testWraps(),
        issuer: 'http://oneclick.test',
      });
      return {
        temporal: createTemporalGateway(client, taskQueue),
        secretsKeyring: keyring,
        license,
      };
    });
    const native = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection: native,
      namespace,
      taskQueue,
      workflowBundle: await bundling,
      dataConverter,
      activities: createActivities({
        db: t.db,
        logger: t.deps.logger,
        cloud: createHuaweiCloud(sandboxCloudOptions(cloud)),
        secrets: createSqlSecretStore(t.db, keyring),
        packages: store,
        hostKeys: createSqlHostKeyPins(t.db),
        license,
      }),
      maxHeartbeatThrottleInterval: '1s',
    });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await native.close();
    };
    const op = await t.principal('operator', `op-${randomUUID().slice(0, 8)}`);
    operator = { key: op.key, id: op.principal.id };
    const b = await t.principal('buyer', `b-${randomUUID().slice(0, 8)}`);
    buyer = { key: b.key, buyerId: b.principal.buyerId! };
    const s = await t.principal('seller', `s-${randomUUID().slice(0, 8)}`);
    seller = { key: s.key, sellerId: s.principal.sellerId! };
  });

  afterAll(async () => {
    await stopWorker?.();
    await client?.connection.close();
    await cloud?.stop();
    await t?.close();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  const asOperator = (method: string, p: string, body?: unknown) =>
    t.call(method, p, { key: operator.key, ...(body !== undefined && { body }) });
  const json = async <T>(res: Response, status: number): Promise<T> => {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    return JSON.parse(text) as T;
  };
  const errorCode = async (res: Response) =>
    ((await res.json()) as { error: { code: string } }).error.code;
  const timeline = async (id: string) =>
    json<Timeline>(await asOperator('GET', `/v1/deployments/${id}/timeline`), 200);
  /** Visibility is eventually consistent: asks again until the list shows what is expected. */
  const listUntil = (query: string, done: (items: ListItem[]) => boolean) =>
    vi.waitFor(
      async () => {
        const page = await json<{ items: ListItem[]; next: string | null }>(
          await asOperator('GET', `/v1/deployments?${query}`),
          200,
        );
        if (!done(page.items)) throw new Error(`not listed yet: ${JSON.stringify(page.items)}`);
        return page;
      },
      { timeout: 30_000, interval: 300 },
    );
  const audit = async (subject: string) =>
    (await readAudit(t.db, subject)).map((e) => ({
      actor: e.actor,
      action: e.action,
      data: e.data,
    }));

  /** Starts a deployment as the buyer; waits for its workflow to close. */
  async function deployAndWait(orderRef: string, body: object) {
    const res = await t.call('POST', `/v1/orders/${orderRef}/deployments`, {
      key: buyer.key,
      body,
    });
    const started = await json<{ id: string; workflowId: string; runId: string }>(res, 201);
    await client.workflow
      .getHandle(started.workflowId, started.runId)
      .result()
      .catch(() => undefined);
    return started;
  }

  /**
   * A deployment that stays running: its workflow waits on a task queue no worker polls, so it
   * neither moves nor ends until an operator cancels or terminates it.
   */
  async function stuckDeployment() {
    const product = await seedProduct(t.db, store, seller.sellerId);
    const orderRef = await seedOrder(t.db, {
      buyerId: buyer.buyerId,
      sellerId: seller.sellerId,
      productId: product.id,
    });
    const adminPassRef = await createSqlSecretStore(t.db, keyring).put('ecs-admin-pass', PASSWORD);
    const deploymentId = newId('dep');
    const input = {
      deploymentId,
      orderRef,
      choices: {
        vpc: { cidr: '192.168.0.0/16' },
        subnet: { cidr: '192.168.1.0/24', gatewayIp: '192.168.1.1' },
        securityGroup: { create: true as const },
        server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
        adminPassRef,
      },
    };
    const workflowId = `deploy-${orderRef}`;
    await insertOrGetActiveDeployment(t.db, {
      id: deploymentId,
      orderRef,
      workflowId,
      request: input,
    });
    const idle = createTemporalGateway(client, `nobody-polls-${randomUUID()}`);
    const started = await idle.startDeployment(workflowId, input, {
      id: orderRef,
      sellerId: seller.sellerId,
      productId: product.id,
    });
    if (started.outcome !== 'running') throw new Error('the stuck deployment did not start');
    await setDeploymentRunId(t.db, deploymentId, started.firstExecutionRunId);
    return { deploymentId, orderRef, workflowId, runId: started.firstExecutionRunId, adminPassRef };
  }

  it('refuses buyers and sellers (403) and answers 404 for an unknown deployment', async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', '/v1/deployments'],
      ['GET', '/v1/deployments/recorded'],
      ['GET', '/v1/deployments/dep_nope/timeline'],
      ['POST', '/v1/deployments/dep_nope/retry', {}],
      ['POST', '/v1/deployments/dep_nope/cancel', {}],
      ['POST', '/v1/deployments/dep_nope/terminate', { reason: 'x' }],
    ];
    for (const key of [buyer.key, seller.key]) {
      for (const [method, p, body] of routes) {
        const res = await t.call(method, p, { key, ...(body !== undefined && { body }) });
        expect(res.status, `${method} ${p}`).toBe(403);
        expect(await errorCode(res)).toBe('FORBIDDEN');
      }
    }
    for (const [method, p, body] of routes.slice(2)) {
      const res = await asOperator(method, p, body);
      expect(res.status, `${method} ${p}`).toBe(404);
      expect(await errorCode(res)).toBe('NOT_FOUND');
    }
  });

  it('refuses filter values that are not plain ids or known words before any query is built', async () => {
    for (const query of [
      `orderId=${encodeURIComponent("x' OR WorkflowType != 'y")}`,
      `sellerId=${encodeURIComponent('a b')}`,
      `productId=${encodeURIComponent('"quoted"')}`,
      'status=exploded',
      'step=teleport',
      'limit=0',
      `cursor=${encodeURIComponent('not/base64url=')}`,
    ]) {
      const res = await asOperator('GET', `/v1/deployments?${query}`);
      expect(res.status, query).toBe(400);
      expect(await errorCode(res)).toBe('VALIDATION_FAILED');
    }
    // A cursor of the right alphabet that Temporal never handed out.
    const forged = await asOperator('GET', '/v1/deployments?cursor=Zm9yZ2VkLXRva2Vu');
    expect(forged.status).toBe(400);
    expect(await errorCode(forged)).toBe('VALIDATION_FAILED');
    // The database list takes the same filters, and only its own cursors.
    for (const query of [
      `orderId=${encodeURIComponent("x' OR 1=1 --")}`,
      `sellerId=${encodeURIComponent('a b')}`,
      'status=exploded',
      'step=teleport',
      'limit=101',
      'cursor=Zm9yZ2VkLXRva2Vu',
    ]) {
      const res = await asOperator('GET', `/v1/deployments/recorded?${query}`);
      expect(res.status, query).toBe(400);
      expect(await errorCode(res)).toBe('VALIDATION_FAILED');
    }
  });

  it('shows a delivered deployment: listed by its search attributes, a timeline of every step with its activities, and no ECS password or license code anywhere', async () => {
    const product = await seedProduct(t.db, store, seller.sellerId);
    const orderRef = await seedOrder(t.db, {
      buyerId: buyer.buyerId,
      sellerId: seller.sellerId,
      productId: product.id,
    });
    const started = await deployAndWait(orderRef, {
      server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
      adminPassword: PASSWORD,
    });

    const page = await listUntil(
      `orderId=${orderRef}&sellerId=${seller.sellerId}&productId=${product.id}&status=succeeded`,
      (items) => items.length === 1,
    );
    expect(page.items[0]).toMatchObject({
      deploymentId: started.id,
      state: 'succeeded',
      workflowId: started.workflowId,
      runId: started.runId,
      executionStatus: 'completed',
      orderId: orderRef,
      step: 'report',
      status: 'succeeded',
    });
    const none = await asOperator('GET', `/v1/deployments?orderId=${orderRef}&status=failed`);
    expect((await json<{ items: unknown[] }>(none, 200)).items).toEqual([]);
    // OneClick's own record says the same at once, with its seller, product and last step.
    const recorded = await json<{ items: RecordedItem[]; next: string | null }>(
      await asOperator(
        'GET',
        `/v1/deployments/recorded?orderId=${orderRef}&sellerId=${seller.sellerId}&productId=${product.id}&status=succeeded&step=report`,
      ),
      200,
    );
    expect(recorded.next).toBeNull();
    expect(recorded.items).toEqual([
      expect.objectContaining({
        id: started.id,
        orderRef,
        workflowId: started.workflowId,
        runId: started.runId,
        state: 'succeeded',
        status: 'succeeded',
        step: 'report',
        failure: null,
        sellerId: seller.sellerId,
        productId: product.id,
        productName: product.name,
      }),
    ]);

    const view = await timeline(started.id);
    expect(view.state).toBe('succeeded');
    expect(view.run?.outcome).toBe('completed');
    expect(view.run?.durationMs).toBeGreaterThanOrEqual(0);
    expect(view.steps.map((s) => [s.step, s.status])).toEqual([
      ['requested', 'succeeded'],
      ['network', 'succeeded'],
      ['server', 'succeeded'],
      ['ssh', 'succeeded'],
      ['push', 'succeeded'],
      ['license', 'succeeded'],
      ['install', 'succeeded'],
      ['verify', 'succeeded'],
      ['report', 'succeeded'],
    ]);
    for (const s of view.steps) {
      expect(s.activities.length, s.step).toBeGreaterThan(0);
      expect(s.attempts).toBeGreaterThanOrEqual(1);
      for (const a of s.activities) {
        expect(a.outcome).toBe('completed');
        expect(a.attempts).toBeGreaterThanOrEqual(1);
        expect(a.durationMs).toBeGreaterThanOrEqual(0);
      }
    }
    expect(view.steps.find((s) => s.step === 'push')?.activities.map((a) => a.activity)).toContain(
      'pushPackage',
    );

    const record = await findLicense(t.db, 'order_id', orderRef);
    const code = license.codes.reveal(record!);
    const text = JSON.stringify(view);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(code);

    // A delivered deployment is neither retried nor cancelled nor terminated.
    const retry = await asOperator('POST', `/v1/deployments/${started.id}/retry`, {});
    expect(retry.status).toBe(409);
    expect(await errorCode(retry)).toBe('ORDER_ALREADY_DEPLOYED');
    for (const [action, body] of [
      ['cancel', {}],
      ['terminate', { reason: 'too late' }],
    ] as const) {
      const res = await asOperator('POST', `/v1/deployments/${started.id}/${action}`, body);
      expect(res.status, action).toBe(409);
      expect(await errorCode(res)).toBe('DEPLOYMENT_NOT_RUNNING');
    }
  });

  it("reads a failed deployment's decoded failure in its timeline, and retries it as a new audited deployment from the stored request", async () => {
    const product = await seedProduct(t.db, store, seller.sellerId);
    const orderRef = await seedOrder(t.db, {
      buyerId: buyer.buyerId,
      sellerId: seller.sellerId,
      productId: product.id,
    });
    // The buyer names a VPC that does not exist: the network step fails for good.
    const failed = await deployAndWait(orderRef, {
      vpc: { existingId: 'vpc-gone-0001' },
      server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
    });

    const view = await timeline(failed.id);
    expect(view.state).toBe('failed');
    expect(view.run?.outcome).toBe('failed');
    const network = view.steps.find((s) => s.step === 'network');
    expect(network?.status).toBe('failed');
    const failedActivity = network?.activities.find((a) => a.outcome === 'failed');
    expect(failedActivity?.failure?.message).toContain('vpc-gone-0001');
    expect(failedActivity?.failure?.type).toMatch(/^[A-Z_]+$/);
    // Decrypted: the failure converter's placeholder never reaches the operator.
    expect(JSON.stringify(view)).not.toContain('Encoded failure');
    expect(view.run?.failure?.message).toContain('vpc-gone-0001');

    await listUntil(`orderId=${orderRef}&status=failed&step=network`, (items) =>
      items.some((i) => i.deploymentId === failed.id && i.executionStatus === 'failed'),
    );
    const recorded = await json<{ items: RecordedItem[] }>(
      await asOperator(
        'GET',
        `/v1/deployments/recorded?orderId=${orderRef}&status=failed&step=network`,
      ),
      200,
    );
    expect(recorded.items.map((i) => [i.id, i.status, i.step])).toEqual([
      [failed.id, 'failed', 'network'],
    ]);
    expect(recorded.items[0]?.failure?.message).toContain('vpc-gone-0001');

    const retried = await json<{ id: string; retryOf: string; state: string; runId: string }>(
      await asOperator('POST', `/v1/deployments/${failed.id}/retry`, { reason: 'VPC restored' }),
      201,
    );
    // The retry heads the order's list the moment it is recorded, running.
    const both = await json<{ items: RecordedItem[] }>(
      await asOperator('GET', `/v1/deployments/recorded?orderId=${orderRef}`),
      200,
    );
    expect(both.items.map((i) => [i.id, i.status])).toEqual([
      [retried.id, 'running'],
      [failed.id, 'failed'],
    ]);
    expect(retried.retryOf).toBe(failed.id);
    expect(retried.id).not.toBe(failed.id);
    expect(retried.runId).not.toBe(failed.runId);
    // A second retry while the first runs, or of the new one, is refused.
    const again = await asOperator('POST', `/v1/deployments/${failed.id}/retry`, {});
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe('DEPLOYMENT_RUNNING');
    expect(await audit(retried.id)).toEqual([
      {
        actor: `operator:${operator.id}`,
        action: 'deployment.retry',
        data: { orderRef, retryOf: failed.id, reason: 'VPC restored' },
      },
    ]);
    // The new run is the same request again (same missing VPC): it fails the same way.
    await client.workflow
      .getHandle(`deploy-${orderRef}`, retried.runId)
      .result()
      .catch(() => undefined);
    const second = await timeline(retried.id);
    expect(second.state).toBe('failed');
    expect(second.steps.find((s) => s.step === 'network')?.status).toBe('failed');
  });

  it('cancels a running deployment (the run is asked to compensate) and terminates another without compensation, both audited', async () => {
    const a = await stuckDeployment();
    await listUntil(`orderId=${a.orderRef}&status=running`, (items) =>
      items.some((i) => i.runId === a.runId && i.executionStatus === 'running'),
    );
    const busy = await asOperator('POST', `/v1/deployments/${a.deploymentId}/retry`, {});
    expect(busy.status).toBe(409);
    expect(await errorCode(busy)).toBe('DEPLOYMENT_RUNNING');

    const cancelled = await json<{ cancelRequested: boolean }>(
      await asOperator('POST', `/v1/deployments/${a.deploymentId}/cancel`, {
        reason: 'buyer asked',
      }),
      202,
    );
    expect(cancelled.cancelRequested).toBe(true);
    expect((await timeline(a.deploymentId)).run?.cancelRequested).not.toBeNull();
    expect(await audit(a.deploymentId)).toEqual([
      {
        actor: `operator:${operator.id}`,
        action: 'deployment.cancel',
        data: { orderRef: a.orderRef, runId: a.runId, reason: 'buyer asked' },
      },
    ]);

    const b = await stuckDeployment();
    const noReason = await asOperator('POST', `/v1/deployments/${b.deploymentId}/terminate`, {});
    expect(noReason.status).toBe(400);
    expect(await errorCode(noReason)).toBe('VALIDATION_FAILED');
    const terminated = await json<{ state: string; failure: { code: string; message: string } }>(
      await asOperator('POST', `/v1/deployments/${b.deploymentId}/terminate`, {
        reason: 'runaway deployment',
      }),
      200,
    );
    expect(terminated.state).toBe('failed');
    expect(terminated.failure.code).toBe('TERMINATED');
    expect(terminated.failure.message).toContain('runaway deployment');
    const described = await client.workflow.getHandle(b.workflowId, b.runId).describe();
    expect(described.status.name).toBe('TERMINATED');
    const view = await timeline(b.deploymentId);
    expect(view.run?.outcome).toBe('terminated');
    expect(view.run?.terminated?.reason).toContain('runaway deployment');
    expect(await audit(b.deploymentId)).toEqual([
      {
        actor: `operator:${operator.id}`,
        action: 'deployment.terminate',
        data: { orderRef: b.orderRef, runId: b.runId, reason: 'runaway deployment' },
      },
    ]);
    // The buyer's ECS password went with the run, so an operator cannot replay the request.
    expect(await createSqlSecretStore(t.db, keyring).resolve(b.adminPassRef)).toBeUndefined();
    const replay = await asOperator('POST', `/v1/deployments/${b.deploymentId}/retry`, {});
    expect(replay.status).toBe(409);
    expect(await errorCode(replay)).toBe('RETRY_NEEDS_PASSWORD');
    const twice = await asOperator('POST', `/v1/deployments/${b.deploymentId}/terminate`, {
      reason: 'again',
    });
    expect(twice.status).toBe(409);
    expect(await errorCode(twice)).toBe('DEPLOYMENT_NOT_RUNNING');

    // The cancelled one is still open (nobody polls its queue): terminate it so it leaves nothing.
    await client.workflow.getHandle(a.workflowId, a.runId).terminate('test cleanup');
  });

  it('pages through the list with the cursor it hands out', async () => {
    const first = await listUntil(
      `sellerId=${seller.sellerId}&limit=1`,
      (items) => items.length === 1,
    );
    expect(first.next).not.toBeNull();
    const second = await json<{ items: ListItem[] }>(
      await asOperator(
        'GET',
        `/v1/deployments?sellerId=${seller.sellerId}&limit=1&cursor=${first.next}`,
      ),
      200,
    );
    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.runId).not.toBe(first.items[0]!.runId);
    // The cursor pages the query it was handed out for, no other.
    const elsewhere = await asOperator(
      'GET',
      `/v1/deployments?sellerId=${seller.sellerId}&status=failed&limit=1&cursor=${first.next}`,
    );
    expect(elsewhere.status).toBe(400);
    expect(await errorCode(elsewhere)).toBe('VALIDATION_FAILED');

    // The database list pages with its keyset cursor, newest first, each deployment once.
    const all = await json<{ items: RecordedItem[]; next: string | null }>(
      await asOperator('GET', `/v1/deployments/recorded?sellerId=${seller.sellerId}&limit=100`),
      200,
    );
    expect(all.next).toBeNull();
    expect(all.items.length).toBeGreaterThan(2);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: RecordedItem[]; next: string | null } = await json(
        await asOperator(
          'GET',
          `/v1/deployments/recorded?sellerId=${seller.sellerId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        ),
        200,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(all.items.map((i) => i.id));
  });
});
