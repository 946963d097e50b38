import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import type { AppDeps } from '../../src/api/context.js';
import { createHuaweiCloud } from '../../src/cloud/huawei-cloud.js';
import type { CloudConnector } from '../../src/cloud/types.js';
import { createCloudAccountSource } from '../../src/db/repositories/cloud-accounts.js';
import type { Database } from '../../src/db/sql.js';
import type { DeploymentReport } from '../../src/domain/deployment.js';
import { createLicenseServices, type LicenseServices } from '../../src/license/services.js';
import type { DeploymentMetrics } from '../../src/metrics/deployment-metrics.js';
import { createDirectoryPackageStore } from '../../src/packages/directory-store.js';
import type { PackageStore } from '../../src/packages/store.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../src/sandbox/emulator.js';
import { startSandboxCloud, type SandboxCloud } from '../../src/sandbox/sandbox-cloud.js';
import { createSqlSecretStore } from '../../src/secrets/secret-store.js';
import { createSqlHostKeyPins } from '../../src/ssh/host-key.js';
import { createTemporalGateway } from '../../src/temporal/gateway/index.js';
import { startTestApp, type TestApp } from './api.js';
import { sandboxConnector } from './cloud-app.js';
import { testKeyring } from './deploy.js';
import { testWraps } from './license/seed.js';
import { sandboxCloudOptions } from './provision-harness.js';

/**
 * The whole deployment path for tests that need a real delivered deployment: the sandbox cloud,
 * a worker running every activity and the workflows on the shared dev server (own task queue), and
 * the API over PGlite with Temporal and the license services. What
 * test/integration/workflows/deploy-license.test.ts builds by hand, in one call.
 */
export interface DeploymentStack {
  t: TestApp;
  cloud: SandboxCloud;
  store: PackageStore;
  client: Client;
  license: LicenseServices;
  /** The cloud connector the app and the worker share, when the stack was started with one. */
  connector?: CloudConnector;
  /**
   * Starts the deployment of the order as its buyer (a new network and server, root password
   * `adminPassword`) and waits for the workflow's end.
   */
  deploy(
    orderRef: string,
    buyerKey: string,
    adminPassword: string,
  ): Promise<{ deploymentId: string; workflowId: string; result: DeploymentReport }>;
  stop(): Promise<void>;
}

const WORKFLOWS = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/** Starts the stack; `appDeps` adds deps to the app, built over its database and license. */
export async function startDeploymentStack(
  opts: {
    issuer?: string;
    appDeps?: (db: Database, license: LicenseServices) => Partial<AppDeps>;
    /**
     * Cloud calls through the connector (buyers' linked accounts, as `start` runs) instead of
     * one adapter on OneClick's own account; the cloud account routes and form lists then mount.
     */
    connector?: boolean;
    /** How the worker reaches servers (default: through an EIP when they have one). */
    sshVia?: 'public' | 'private';
    /** What the worker's activities report to `/metrics` (default: nothing). */
    metrics?: DeploymentMetrics;
  } = {},
): Promise<DeploymentStack> {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `deploy-${randomUUID()}`;
  const keyring = testKeyring();
  const wraps = testWraps();
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const bundling = bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quietLogger });
    const cloud = await startSandboxCloud();
    stops.push(() => cloud.stop());
    const storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-stack-store-'));
    stops.push(() => rmSync(storeDir, { recursive: true, force: true }));
    const store = createDirectoryPackageStore(storeDir);
    const client = new Client({ connection: await Connection.connect({ address }), namespace });
    stops.push(() => client.connection.close());
    let license: LicenseServices | undefined;
    let connector: CloudConnector | undefined;
    const t = await startTestApp('pglite', (db) => {
      if (opts.connector) {
        connector = sandboxConnector(cloud, createCloudAccountSource(db, keyring));
      }
      license = createLicenseServices({
        sql: db,
        wraps,
        issuer: opts.issuer ?? 'http://oneclick.test',
      });
      return {
        temporal: createTemporalGateway(client, taskQueue),
        secretsKeyring: keyring,
        license,
        cloud: connector,
        ...opts.appDeps?.(db, license),
      };
    });
    stops.push(() => t.close());
    const native = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection: native,
      namespace,
      taskQueue,
      workflowBundle: await bundling,
      activities: createActivities({
        db: t.db,
        logger: t.deps.logger,
        cloud: connector ?? createHuaweiCloud(sandboxCloudOptions(cloud)),
        sshVia: opts.sshVia,
        secrets: createSqlSecretStore(t.db, keyring),
        packages: store,
        hostKeys: createSqlHostKeyPins(t.db),
        license: license!,
        metrics: opts.metrics,
      }),
      maxHeartbeatThrottleInterval: '1s',
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
      await native.close();
    });

    return {
      t,
      cloud,
      store,
      client,
      license: license!,
      connector,
      async deploy(orderRef, buyerKey, adminPassword) {
        const res = await t.call('POST', `/v1/orders/${orderRef}/deployments`, {
          key: buyerKey,
          body: {
            server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
            adminPassword,
          },
        });
        if (res.status !== 201)
          throw new Error(`start answered ${res.status}: ${await res.text()}`);
        const started = (await res.json()) as { id: string; workflowId: string };
        const result = (await client.workflow
          .getHandle(started.workflowId)
          .result()) as DeploymentReport;
        return { deploymentId: started.id, workflowId: started.workflowId, result };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
