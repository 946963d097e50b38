import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../activities/index.js';
import { createHuaweiCloud } from '../../../src/cloud/huawei-cloud.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import type { PackageStore } from '../../../src/packages/store.js';
import { createSqlSecretStore } from '../../../src/secrets/secret-store.js';
import { createSqlHostKeyPins } from '../../../src/ssh/host-key.js';
import { createLicenseServices } from '../../../src/license/services.js';
import { findLicense } from '../../../src/db/repositories/licenses.js';
import { listSupervisionEvents, getOrder } from '../../../src/db/repositories/orders.js';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import { DeploymentStatusKey, DeploymentStepKey } from '../../../src/temporal/search-attributes.js';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { testWraps } from '../../helpers/license/seed.js';
import {
  createBuyerResources,
  leftovers,
  NOTHING,
  sandboxCloudOptions,
} from '../../helpers/provision-harness.js';
import { sshExec } from '../../helpers/ssh-exec.js';
import { GOOD_INSTALLER, seedOrder, seedProduct, testKeyring } from '../../helpers/deploy.js';
import { deployLicense, progressQuery } from '../../../workflows/deploy-license.js';
import { endAccessSignal } from '../../../workflows/continued-access.js';
import { DEPLOYMENT_STEPS, type DeployLicenseInput } from '../../../src/domain/deployment.js';
import { insertOrGetActiveDeployment } from '../../../src/db/repositories/deployments.js';
import { newId } from '../../../src/db/ids.js';
import { createTemporalGateway } from '../../../src/temporal/gateway/index.js';

const WORKFLOWS = fileURLToPath(new URL('../../../workflows/index.ts', import.meta.url));
const PASSWORD = 'Buyer!pass-42';
const JWS_CHECK = `grep -Eq '^[A-Za-z0-9_-]+[.][A-Za-z0-9_-]+[.][A-Za-z0-9_-]+$' "$LICENSE_FILE" && echo jws-ok`;
const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

interface DeploymentView {
  id: string;
  state: string;
  workflowId: string;
  failure: { code: string; message: string } | null;
  steps: {
    step: string;
    status: string;
    attempts: number;
    logTail: string | null;
    startedAt: string;
    endedAt: string | null;
  }[];
  live?: {
    state: string;
    awaiting?: string;
    awaitingUntil?: string;
    steps: { step: string }[];
    pending?: { activity: string; attempt: number; maximumAttempts: number; state: string }[];
  };
}

/** History as text, payload bytes decoded, to look for secrets in it. */
async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  // Payload bytes come out base64-encoded under `data`.
  return JSON.stringify(history, (k, v: unknown) =>
    v instanceof Uint8Array
      ? Buffer.from(v).toString('utf8')
      : k === 'data' && typeof v === 'string'
        ? Buffer.from(v, 'base64').toString('utf8')
        : v,
  );
}

describe('deployLicense end to end: API → Temporal → sandbox cloud → sshd', () => {
  let cloud: SandboxCloud;
  let t: TestApp;
  let store: PackageStore;
  let storeDir: string;
  let client: Client;
  let stopWorker: () => Promise<void>;
  let buyerKey: string;
  let buyerId: string;
  let sellerId: string;
  const taskQueue = `deploy-${randomUUID()}`;
  const keyring = testKeyring();
  const wraps = testWraps();

  beforeAll(async () => {
    const address = inject('temporalAddress');
    const namespace = inject('temporalNamespace');
    const bundling = bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quietLogger });
    cloud = await startSandboxCloud();
    storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-deploy-store-'));
    store = createDirectoryPackageStore(storeDir);
    client = new Client({ connection: await Connection.connect({ address }), namespace });
    t = await startTestApp('pglite', {
      temporal: createTemporalGateway(client, taskQueue),
      secretsKeyring: keyring,
    });
    const license = createLicenseServices({ sql: t.db, wraps, issuer: 'http://oneclick.test' });
    const activities = createActivities({
      db: t.db,
      logger: t.deps.logger,
      cloud: createHuaweiCloud(sandboxCloudOptions(cloud)),
      secrets: createSqlSecretStore(t.db, keyring),
      packages: store,
      hostKeys: createSqlHostKeyPins(t.db),
      license,
    });
    const native = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection: native,
      namespace,
      taskQueue,
      workflowBundle: await bundling,
      activities,
      maxHeartbeatThrottleInterval: '1s',
    });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await native.close();
    };
    const buyer = await t.principal('buyer', `b-${randomUUID().slice(0, 8)}`);
    buyerKey = buyer.key;
    buyerId = buyer.principal.buyerId!;
    const seller = await t.principal('seller', 'seller');
    sellerId = seller.principal.sellerId!;
  });

  afterAll(async () => {
    await stopWorker?.();
    await client?.connection.close();
    await cloud?.stop();
    await t?.close();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  const startBody = {
    server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
    adminPassword: PASSWORD,
  };
  const start = async (orderRef: string, body: object = startBody) => {
    const res = await t.call('POST', `/v1/orders/${orderRef}/deployments`, {
      key: buyerKey,
      body,
    });
    return { status: res.status, body: (await res.json()) as DeploymentView };
  };
  const current = async (orderRef: string) => {
    const res = await t.call('GET', `/v1/orders/${orderRef}/deployments/current`, {
      key: buyerKey,
    });
    expect(res.status).toBe(200);
    return (await res.json()) as DeploymentView;
  };
  const outcome = async (workflowId: string): Promise<unknown> => {
    try {
      return await client.workflow.getHandle(workflowId).result();
    } catch (e) {
      return e;
    }
  };

  it('deploys a License 2.0 product: server, package, code on disk before the installer, verify, delivered and claimed, its lifecycle running on', async () => {
    const product = await seedProduct(t.db, store, sellerId, {
      // The installer already finds the license; the post-license command runs after it.
      installCommand: `${GOOD_INSTALLER}; test -s "$LICENSE_FILE" && echo installer-saw-license`,
      postLicenseCommand: 'echo post-license-ran',
    });
    const orderRef = await seedOrder(t.db, { buyerId, sellerId, productId: product.id });

    const first = await start(orderRef);
    expect(first.status).toBe(201);
    expect(JSON.stringify(first.body)).not.toContain(PASSWORD);
    // A double click answers the same deployment.
    const second = await start(orderRef);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);

    const result = (await client.workflow.getHandle(first.body.workflowId).result()) as {
      serverId: string;
      serverIp: string;
      licenseId: string;
    };
    // The progress query answers from the workflow itself, the same steps as the database.
    const progress = await client.workflow.getHandle(first.body.workflowId).query(progressQuery);
    expect(progress.deploymentId).toBe(first.body.id);
    expect(progress.state).toBe('succeeded');
    expect(progress.steps.map((s) => s.step)).toEqual([...DEPLOYMENT_STEPS]);
    expect(progress.steps.every((s) => s.status === 'succeeded' && s.endedAt !== null)).toBe(true);

    const view = await current(orderRef);
    expect(view.id).toBe(first.body.id);
    expect(view.state).toBe('succeeded');
    expect(view.failure).toBeNull();
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
    expect(view.steps.every((s) => s.attempts >= 1)).toBe(true);
    expect(view.steps.find((s) => s.step === 'install')?.logTail).toContain('install-ok');
    expect(view.steps.find((s) => s.step === 'verify')?.logTail).toContain('verified');

    // The code on the server is the order's code, and the installer's file is there.
    const license = await findLicense(t.db, 'id', result.licenseId);
    expect(license?.orderId).toBe(orderRef);
    const code = createLicenseServices({ sql: t.db, wraps, issuer: 'x' }).codes.reveal(license!);
    const ssh = { host: result.serverIp, username: 'root', password: PASSWORD };
    expect((await sshExec(ssh, 'cat /opt/demo/license.key')).trim()).toBe(code);
    expect((await sshExec(ssh, 'cat /opt/demo/installed.txt')).trim()).toBe(
      'installed by oneclick',
    );

    const installTail = view.steps.find((s) => s.step === 'install')?.logTail;
    expect(installTail).toContain('installer-saw-license');
    expect(installTail).toContain('post-license-ran');

    // Supervision heard deploying and delivered; the code on the server counts as claimed.
    const order = await getOrder(t.db, orderRef);
    const notes = (await listSupervisionEvents(t.db, order!.supervision.id)).map((e) => e.note);
    expect(notes.some((n) => n?.includes(`${first.body.id} deploying`))).toBe(true);
    expect(notes.some((n) => n?.includes(`${first.body.id} delivered`))).toBe(true);
    expect(order!.supervision.state).toBe('code_claimed');
    expect(license?.status).toBe('claimed');

    // The license's lifecycle outlives the deployment, which has closed.
    const lifecycle = await client.workflow.getHandle(`license-${result.licenseId}`).describe();
    expect(lifecycle.status.name).toBe('RUNNING');
    expect(lifecycle.type).toBe('licenseLifecycle');

    // Neither the ECS password nor the code is in workflow history; search attributes are set.
    const history = await historyText(client, first.body.workflowId);
    expect(history.includes(result.licenseId)).toBe(true);
    expect(history.includes(PASSWORD)).toBe(false);
    expect(history.includes(code)).toBe(false);
    const described = await client.workflow.getHandle(first.body.workflowId).describe();
    expect(described.typedSearchAttributes.get(DeploymentStatusKey)).toBe('succeeded');
    expect(described.typedSearchAttributes.get(DeploymentStepKey)).toBe('report');

    // No secret is kept: the ECS password and OneClick's key are gone, and so is the key from
    // the server's authorized_keys.
    const secretsLeft = await t.db.query<{ purpose: string }>('select purpose from secrets');
    expect(secretsLeft.map((r) => r.purpose)).toEqual([]);
    expect(
      await sshExec(ssh, 'cat /root/.ssh/authorized_keys 2>/dev/null; echo end'),
    ).not.toContain('oneclick-');

    // A delivered order is not deployed twice.
    const again = await start(orderRef);
    expect(again.status).toBe(409);
  });

  it('keeps its key on the server, sealed, for a product that declares continued access, and removes both when the access ends', async () => {
    const product = await seedProduct(t.db, store, sellerId, { continuedAccessDays: 7 });
    const orderRef = await seedOrder(t.db, { buyerId, sellerId, productId: product.id });
    const first = await start(orderRef);
    const result = (await client.workflow.getHandle(first.body.workflowId).result()) as {
      serverIp: string;
      sshAccessUntil?: string;
    };
    const until = Date.parse(result.sshAccessUntil ?? '');
    expect(until - Date.now()).toBeGreaterThan(6.9 * 24 * 3600_000);
    expect(until - Date.now()).toBeLessThan(7.1 * 24 * 3600_000);

    // The key stays on the server, and its private half sealed, expiring a day after the access.
    const ssh = { host: result.serverIp, username: 'root', password: PASSWORD };
    const authorizedKeys = () => sshExec(ssh, 'cat /root/.ssh/authorized_keys; echo end');
    expect(await authorizedKeys()).toContain(`oneclick-${first.body.id}`);
    const kept = await t.db.query<{ purpose: string; expires_at: Date | string }>(
      'select purpose, expires_at from secrets',
    );
    expect(kept.map((r) => r.purpose)).toEqual(['deployment-ssh-key']);
    expect(Date.parse(String(new Date(kept[0]!.expires_at).toISOString())) - until).toBe(
      24 * 3600_000,
    );
    const view = await current(orderRef);
    expect(view.state).toBe('succeeded');
    const order = await getOrder(t.db, orderRef);
    const notes = (await listSupervisionEvents(t.db, order!.supervision.id)).map((e) => e.note);
    expect(
      notes.some((n) => n?.includes(`OneClick keeps SSH access until ${result.sshAccessUntil}`)),
    ).toBe(true);

    // The end of the access is a durable timer of its own workflow; ended early here.
    const access = client.workflow.getHandle(`access-${first.body.id}`);
    expect((await access.describe()).status.name).toBe('RUNNING');
    await access.signal(endAccessSignal);
    expect(await access.result()).toEqual({ removed: true });
    expect(await authorizedKeys()).not.toContain('oneclick-');
    expect(await t.db.query('select id from secrets')).toEqual([]);
  });

  it('retries a throttled cloud call through Temporal after its Retry-After; the step records both attempts and the server step its own', async () => {
    const product = await seedProduct(t.db, store, sellerId);
    const orderRef = await seedOrder(t.db, { buyerId, sellerId, productId: product.id });
    cloud.faults.retryAfterSeconds = 1;
    cloud.faults.throttleNext(1, { operation: 'CreateVpc' });
    try {
      const first = await start(orderRef);
      expect(first.status).toBe(201);
      await client.workflow.getHandle(first.body.workflowId).result();
      const view = await current(orderRef);
      expect(view.state).toBe('succeeded');
      const network = view.steps.find((s) => s.step === 'network');
      // Attempt 1 was throttled (one call: the adapter does not retry), attempt 2 made the VPC.
      expect(network).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(network?.logTail).toMatch(/^vpc \S+, subnet \S+, security group \S+$/);
      const server = view.steps.find((s) => s.step === 'server');
      expect(server?.status).toBe('succeeded');
      expect(server?.logTail).toMatch(/^server \S+ ACTIVE at \d+\.\d+\.\d+\.\d+$/);
      // The server step began when the network step ended: booting is not hidden in "network".
      expect(Date.parse(server!.startedAt)).toBeGreaterThanOrEqual(Date.parse(network!.endedAt!));
      // Bookkeeping rides on the step activities: no start/end activity per step in history.
      const history = await historyText(client, first.body.workflowId);
      expect(history).not.toContain('startDeploymentStep');
      expect(history).not.toContain('endDeploymentStep');
    } finally {
      cloud.faults.clear();
    }
  });

  it('deploys a License 1.0 product: the license is bound to the fingerprint read over SSH', async () => {
    const product = await seedProduct(t.db, store, sellerId, {
      licenseModel: 'license1',
      licensePath: '/opt/demo/license.jws',
      verifyCommand: JWS_CHECK,
    });
    const orderRef = await seedOrder(t.db, {
      buyerId,
      sellerId,
      productId: product.id,
      model: 'license1',
    });
    const first = await start(orderRef);
    expect(first.status).toBe(201);
    const result = (await client.workflow.getHandle(first.body.workflowId).result()) as {
      serverIp: string;
      licenseId: string;
    };
    const view = await current(orderRef);
    expect(view.state).toBe('succeeded');
    expect(view.steps.find((s) => s.step === 'verify')?.logTail).toContain('jws-ok');
    const license = await findLicense(t.db, 'id', result.licenseId);
    expect(license?.model).toBe('license1');
    expect(license?.fingerprint).toMatch(/\|/);
    const ssh = { host: result.serverIp, username: 'root', password: PASSWORD };
    expect(await sshExec(ssh, 'cat /opt/demo/license.jws')).toBe(license?.document);
    const history = await historyText(client, first.body.workflowId);
    expect(history.includes(license!.document!)).toBe(false);
  });

  /**
   * The buyer's own network and server, ready, with every NIC hidden from the fingerprint
   * collector (a tmpfs over /sys/class/net in that server's mount namespace, nothing else's).
   */
  const buyerServerWithoutNics = async (net: number) => {
    const adapter = createHuaweiCloud(sandboxCloudOptions(cloud));
    const buyer = await createBuyerResources(adapter, {
      name: `nonic-${net}`,
      net,
      adminPass: PASSWORD,
    });
    const server = await adapter.waitServerActive(buyer.serverId);
    const ssh = { host: server.ip!, username: 'root', password: PASSWORD };
    await expect
      .poll(
        () => sshExec(ssh, 'mount -t tmpfs none /sys/class/net && echo hidden').catch(() => ''),
        {
          timeout: 30_000,
        },
      )
      .toContain('hidden');
    return {
      vpc: { existingId: buyer.vpcId },
      subnet: { existingId: buyer.subnetId },
      securityGroup: { existingId: buyer.securityGroupId },
      server: { existingId: server.id },
    };
  };

  const license1Order = async () => {
    const product = await seedProduct(t.db, store, sellerId, {
      licenseModel: 'license1',
      licensePath: '/opt/demo/license.jws',
      verifyCommand: JWS_CHECK,
    });
    return seedOrder(t.db, { buyerId, sellerId, productId: product.id, model: 'license1' });
  };

  it("License 1.0 on a server whose fingerprint cannot be read waits for the buyer's hardware ID, saying until when", async () => {
    const orderRef = await license1Order();
    const choices = await buyerServerWithoutNics(18);
    const first = await start(orderRef, { ...choices, adminPassword: PASSWORD });
    expect(first.status).toBe(201);
    let view = await current(orderRef);
    for (let i = 0; i < 300 && view.live?.awaiting !== 'hardwareId'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      view = await current(orderRef);
    }
    expect(view.live?.awaiting).toBe('hardwareId');
    // The wait ends inside the deployment's deadline (2 hours by default), with room after it.
    const until = Date.parse(view.live!.awaitingUntil!);
    expect(until).toBeGreaterThan(Date.now());
    expect(until).toBeLessThan(Date.now() + 2 * 60 * 60_000);

    const submit = (hardwareId: string, key = buyerKey) =>
      t.call('POST', `/v1/orders/${orderRef}/deployments/current/hardware-id`, {
        key,
        body: { hardwareId },
      });
    const bad = await submit('not a fingerprint');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe(
      'INVALID_FINGERPRINT',
    );
    const good = await submit('52:54:00:ab:cd:ef|disk-0001|board-0001|cpu-0001');
    expect(good.status).toBe(202);
    const canonical = '52:54:00:AB:CD:EF|DISK-0001|BOARD-0001|CPU-0001';
    expect(((await good.json()) as { hardwareId: string }).hardwareId).toBe(canonical);
    expect((await submit(canonical)).status).toBe(409);

    const result = (await client.workflow.getHandle(first.body.workflowId).result()) as {
      licenseId: string;
    };
    expect((await current(orderRef)).state).toBe('succeeded');
    expect((await findLicense(t.db, 'id', result.licenseId))?.fingerprint).toBe(canonical);
  });

  it('a hardware-ID wait that runs out ends as HARDWARE_ID_TIMEOUT before the deadline, not as the deadline', async () => {
    const orderRef = await license1Order();
    const choices = await buyerServerWithoutNics(19);
    const deploymentId = newId('dep');
    const input: DeployLicenseInput = {
      deploymentId,
      orderRef,
      choices: {
        ...choices,
        adminPassRef: await createSqlSecretStore(t.db, keyring).put('ecs-admin-pass', PASSWORD),
      },
      // Whatever the buyer was allowed, the wait must leave the rest of the deadline for the steps
      // after it.
      timeouts: { deadlineMs: 12_000, hardwareIdWaitMs: 60 * 60_000 },
    };
    await insertOrGetActiveDeployment(t.db, {
      id: deploymentId,
      orderRef,
      workflowId: `deploy-${orderRef}`,
      request: input,
    });
    const handle = await client.workflow.start(deployLicense, {
      taskQueue,
      workflowId: `deploy-${orderRef}`,
      args: [input],
    });
    expect(await outcome(handle.workflowId)).toBeInstanceOf(WorkflowFailedError);
    const view = await current(orderRef);
    expect(view.state).toBe('failed');
    expect(view.failure?.code).toBe('HARDWARE_ID_TIMEOUT');
    expect(view.steps.find((s) => s.step === 'license')?.status).toBe('failed');
  });

  it('answers progress from the database when no worker answers the query', async () => {
    const product = await seedProduct(t.db, store, sellerId);
    const orderRef = await seedOrder(t.db, { buyerId, sellerId, productId: product.id });
    const deploymentId = newId('dep');
    const workflowId = `deploy-${orderRef}`;
    const input: DeployLicenseInput = {
      deploymentId,
      orderRef,
      choices: {
        vpc: { cidr: '10.7.0.0/16' },
        subnet: { cidr: '10.7.1.0/24', gatewayIp: '10.7.1.1' },
        securityGroup: { create: true },
        server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
      },
    };
    await insertOrGetActiveDeployment(t.db, {
      id: deploymentId,
      orderRef,
      workflowId,
      request: input,
    });
    // A task queue no worker polls: the workflow exists, its query cannot be answered.
    const handle = await client.workflow.start(deployLicense, {
      taskQueue: `nobody-${randomUUID()}`,
      workflowId,
      args: [input],
    });
    try {
      const view = await current(orderRef);
      expect(view.id).toBe(deploymentId);
      expect(view.state).toBe('requested');
      expect(view.live).toBeUndefined();
    } finally {
      await handle.terminate('test over');
    }
  });

  it('a failing installer fails the deployment and removes everything it created; a restart can be cancelled', async () => {
    const product = await seedProduct(t.db, store, sellerId, {
      installCommand: 'echo "unpacking"; echo "boom: disk full" >&2; exit 7',
    });
    const orderRef = await seedOrder(t.db, { buyerId, sellerId, productId: product.id });

    // No password: the server is reached with the per-deployment key alone.
    const first = await start(orderRef, { server: startBody.server });
    expect(first.status).toBe(201);
    const err = await outcome(first.body.workflowId);
    expect(err).toBeInstanceOf(WorkflowFailedError);

    const view = await current(orderRef);
    expect(view.state).toBe('failed');
    expect(view.failure?.message).toContain('boom: disk full');
    const install = view.steps.find((s) => s.step === 'install');
    expect(install?.status).toBe('failed');
    expect(install?.logTail).toContain('boom: disk full');
    // The license went on first (the order keeps it for a redeployment).
    expect(view.steps.find((s) => s.step === 'license')?.status).toBe('succeeded');
    // The key alone got the deployment this far.
    expect(view.steps.find((s) => s.step === 'push')?.status).toBe('succeeded');
    expect(leftovers(cloud, first.body.id)).toEqual(NOTHING);
    const order = await getOrder(t.db, orderRef);
    const notes = (await listSupervisionEvents(t.db, order!.supervision.id)).map((e) => e.note);
    expect(notes.some((n) => n?.includes(`${first.body.id} failed`))).toBe(true);
    const described = await client.workflow.getHandle(first.body.workflowId).describe();
    expect(described.typedSearchAttributes.get(DeploymentStatusKey)).toBe('failed');
    expect(described.typedSearchAttributes.get(DeploymentStepKey)).toBe('install');

    // A failed deployment can be started again: a new deployment, which the buyer cancels.
    const retry = await start(orderRef);
    expect(retry.status).toBe(201);
    expect(retry.body.id).not.toBe(first.body.id);
    const cancel = await t.call('POST', `/v1/orders/${orderRef}/deployments/current/cancel`, {
      key: buyerKey,
    });
    expect(cancel.status).toBe(202);
    const cancelled = await outcome(retry.body.workflowId);
    expect(cancelled).toBeInstanceOf(WorkflowFailedError);
    expect((cancelled as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const after = await current(orderRef);
    expect(after.id).toBe(retry.body.id);
    expect(after.state).toBe('cancelled');
    expect(leftovers(cloud, retry.body.id)).toEqual(NOTHING);
  });

  it("on failure leaves the buyer's VPC, subnet, group and server alone, removing only its rules", async () => {
    const adapter = createHuaweiCloud(sandboxCloudOptions(cloud));
    const buyer = await createBuyerResources(adapter, {
      name: 'buyer',
      net: 16,
      adminPass: PASSWORD,
    });
    const vpc = { id: buyer.vpcId };
    const subnet = { id: buyer.subnetId };
    const sg = { id: buyer.securityGroupId };
    const serverId = buyer.serverId;
    const rulesBefore = (await adapter.listSecurityGroupRules(sg.id)).length;

    const product = await seedProduct(t.db, store, sellerId, {
      installCommand: 'echo "unsupported OS" >&2; exit 3',
    });
    const orderRef = await seedOrder(t.db, { buyerId, sellerId, productId: product.id });
    const first = await start(orderRef, {
      vpc: { existingId: vpc.id },
      subnet: { existingId: subnet.id },
      securityGroup: { existingId: sg.id },
      server: { existingId: serverId },
      adminPassword: PASSWORD,
    });
    expect(first.status).toBe(201);
    expect(await outcome(first.body.workflowId)).toBeInstanceOf(WorkflowFailedError);
    const view = await current(orderRef);
    expect(view.state).toBe('failed');
    expect(view.steps.find((s) => s.step === 'push')?.status).toBe('succeeded');

    const inv = cloud.inventory();
    expect(inv.vpcs.map((v) => v.id)).toContain(vpc.id);
    expect(inv.subnets.map((x) => x.id)).toContain(subnet.id);
    expect(inv.servers.find((x) => x.id === serverId)?.hostRunning).toBe(true);
    expect((await adapter.listSecurityGroupRules(sg.id)).length).toBe(rulesBefore);
  });

  it('a deployment past its deadline is undone and recorded as such', async () => {
    const product = await seedProduct(t.db, store, sellerId);
    const orderRef = await seedOrder(t.db, { buyerId, sellerId, productId: product.id });
    const deploymentId = newId('dep');
    const input: DeployLicenseInput = {
      deploymentId,
      orderRef,
      choices: {
        vpc: { cidr: '10.8.0.0/16' },
        subnet: { cidr: '10.8.1.0/24', gatewayIp: '10.8.1.1' },
        securityGroup: { create: true },
        server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
      },
      // sshd never answers in time: the deadline, not the SSH wait, ends the deployment.
      timeouts: { deadlineMs: 4_000, sshWaitSeconds: 120, heartbeatMs: 5_000 },
    };
    await insertOrGetActiveDeployment(t.db, {
      id: deploymentId,
      orderRef,
      workflowId: `deploy-${orderRef}`,
      request: input,
    });
    cloud.faults.slowBootMs = 120_000;
    try {
      const err = await outcome(
        (
          await client.workflow.start(deployLicense, {
            taskQueue,
            workflowId: `deploy-${orderRef}`,
            args: [input],
          })
        ).workflowId,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
    } finally {
      cloud.faults.slowBootMs = 0;
    }
    const view = await current(orderRef);
    expect(view.state).toBe('failed');
    expect(view.failure?.code).toBe('DEPLOYMENT_DEADLINE_EXCEEDED');
    expect(leftovers(cloud, deploymentId)).toEqual(NOTHING);
  });

  it('shows live progress while it waits for sshd, and a cancel there removes the server', async () => {
    const product = await seedProduct(t.db, store, sellerId);
    const orderRef = await seedOrder(t.db, { buyerId, sellerId, productId: product.id });
    cloud.faults.slowBootMs = 120_000;
    try {
      const first = await start(orderRef, { server: startBody.server });
      expect(first.status).toBe(201);
      let view = await current(orderRef);
      // The query runs ahead of the database by one activity: wait until both say ssh.
      for (let i = 0; i < 300 && (view.live?.state !== 'ssh' || view.state !== 'ssh'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        view = await current(orderRef);
      }
      expect(view.live?.state).toBe('ssh');
      expect(view.state).toBe('ssh');
      expect(view.steps.find((s) => s.step === 'server')?.status).toBe('succeeded');
      expect(view.steps.find((s) => s.step === 'ssh')?.status).toBe('running');
      // Temporal's describe() says which activity the step is in and its attempt.
      expect(view.live?.pending).toEqual([
        expect.objectContaining({ activity: 'waitForSsh', attempt: 1, maximumAttempts: 3 }),
      ]);
      expect(leftovers(cloud, first.body.id).servers).toHaveLength(1);

      const cancel = await t.call('POST', `/v1/orders/${orderRef}/deployments/current/cancel`, {
        key: buyerKey,
      });
      expect(cancel.status).toBe(202);
      const err = await outcome(first.body.workflowId);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      const after = await current(orderRef);
      expect(after.state).toBe('cancelled');
      expect(after.steps.find((s) => s.step === 'ssh')?.status).toBe('failed');
      expect(leftovers(cloud, first.body.id)).toEqual(NOTHING);
    } finally {
      cloud.faults.slowBootMs = 0;
    }
  });

  it('refuses, without retrying or creating anything, an order whose product lost its package', async () => {
    const product = await seedProduct(t.db, store, sellerId);
    await t.db.query('delete from packages where product_id = $1', [product.id]);
    const orderRef = await seedOrder(t.db, { buyerId, sellerId, productId: product.id });
    const deploymentId = newId('dep');
    const input: DeployLicenseInput = {
      deploymentId,
      orderRef,
      choices: {
        vpc: { cidr: '10.9.0.0/16' },
        subnet: { cidr: '10.9.1.0/24', gatewayIp: '10.9.1.1' },
        securityGroup: { create: true },
        server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
      },
    };
    await insertOrGetActiveDeployment(t.db, {
      id: deploymentId,
      orderRef,
      workflowId: `deploy-${orderRef}`,
      request: input,
    });
    const secretsBefore = (await t.db.query('select id from secrets')).length;
    const handle = await client.workflow.start(deployLicense, {
      taskQueue,
      workflowId: `deploy-${orderRef}`,
      args: [input],
    });
    expect(await outcome(handle.workflowId)).toBeInstanceOf(WorkflowFailedError);
    const view = await current(orderRef);
    expect(view.state).toBe('failed');
    expect(view.failure?.code).toBe('ORDER_NOT_DEPLOYABLE');
    expect(view.steps).toMatchObject([{ step: 'requested', status: 'failed', attempts: 1 }]);
    expect((await t.db.query('select id from secrets')).length).toBe(secretsBefore);
    expect(leftovers(cloud, deploymentId)).toEqual(NOTHING);
  });
});
