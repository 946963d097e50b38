import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeploymentActivities } from '../../../activities/deployment.js';
import {
  beginStepAttempt,
  getLatestDeployment,
  insertOrGetActiveDeployment,
  listSteps,
} from '../../../src/db/repositories/deployments.js';
import { newId } from '../../../src/db/ids.js';
import type { DeployLicenseInput } from '../../../src/domain/deployment.js';
import { latestPackageForProduct } from '../../../src/db/repositories/packages.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics, type Metrics } from '../../../src/metrics/registry.js';
import { freePort } from '../../../src/temporal/dev-server.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import { createSqlSecretStore } from '../../../src/secrets/secret-store.js';
import { installTemporalLogging } from '../../../src/temporal/logging.js';
import { startTestApp } from '../../helpers/api.js';
import { seedOrder, seedProduct, testKeyring } from '../../helpers/deploy.js';
import type { DeploymentStack } from '../../helpers/deployment-stack.js';

const PASSWORD = 'Metr1cs!pass-42';

/** The samples of one of our metrics (`_count` / `_sum` / `_bucket` of a histogram too). */
async function values(metrics: Metrics, name: string) {
  const base = name.replace(/_(count|sum|bucket)$/, '');
  const metric = metrics.registry.getSingleMetric(base);
  if (!metric) throw new Error(`no metric ${base}`);
  const { values } = (await metric.get()) as {
    values: { value: number; labels: Record<string, string | number>; metricName?: string }[];
  };
  return values.filter((v) => (v.metricName ?? base) === name);
}

/**
 * A node's `/metrics` after two real deployments on the sandbox cloud, one delivered and one whose
 * installer fails: the worker's activities and the API share one registry, and the Temporal
 * SDK's own worker metrics come in the same scrape.
 */
describe('deployment metrics', () => {
  let stack: DeploymentStack;
  let metrics: Metrics;
  const deploymentIds: string[] = [];
  let packageBytes = 0;

  beforeAll(async () => {
    // Before anything installs the runtime (the stack's helpers do, when imported), as
    // `runOneClick` does first thing.
    const telemetry = installTemporalLogging(createLogger('silent'), {
      prometheusPort: await freePort(),
    });
    expect(telemetry.prometheusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    metrics = createMetrics({ temporalUrl: telemetry.prometheusUrl });
    const { startDeploymentStack } = await import('../../helpers/deployment-stack.js');
    stack = await startDeploymentStack({
      metrics: metrics.deployments,
      appDeps: () => ({ metrics }),
    });
    const { t } = stack;
    const buyer = await t.principal('buyer', 'metrics-buyer');
    const seller = await t.principal('seller', 'metrics-seller');
    const sellerId = seller.principal.sellerId!;
    const good = await seedProduct(t.db, stack.store, sellerId);
    const bad = await seedProduct(t.db, stack.store, sellerId, {
      installCommand: 'echo "no space left" >&2; exit 3',
    });
    packageBytes = (await latestPackageForProduct(t.db, good.id))!.sizeBytes;
    const buyerId = buyer.principal.buyerId!;
    const delivered = await stack.deploy(
      await seedOrder(t.db, { buyerId, sellerId, productId: good.id }),
      buyer.key,
      PASSWORD,
    );
    deploymentIds.push(delivered.deploymentId);
    const failing = await seedOrder(t.db, { buyerId, sellerId, productId: bad.id });
    await expect(stack.deploy(failing, buyer.key, PASSWORD)).rejects.toThrow();
    deploymentIds.push((await getLatestDeployment(t.db, failing))!.id);
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('counts each deployment once, by outcome', async () => {
    const rows = await values(metrics, 'oneclick_deployments_finished_total');
    const byOutcome = Object.fromEntries(rows.map((r) => [String(r.labels.outcome), r.value]));
    expect(byOutcome).toEqual({ succeeded: 1, failed: 1, cancelled: 0 });
  });

  it('observes every step the database recorded as ended, by step and result, with its duration', async () => {
    const expected = new Map<string, { count: number; seconds: number }>();
    for (const id of deploymentIds) {
      for (const s of await listSteps(stack.t.db, id)) {
        expect(s.endedAt, `${s.step} of ${id} ended`).not.toBeNull();
        const key = `${s.step}/${s.status}`;
        const seen = expected.get(key) ?? { count: 0, seconds: 0 };
        seen.count += 1;
        seen.seconds += (Date.parse(s.endedAt!) - Date.parse(s.startedAt)) / 1000;
        expected.set(key, seen);
      }
    }
    expect(expected.get('install/failed')?.count).toBe(1);
    expect(expected.get('report/succeeded')?.count).toBe(1);
    const counts = await values(metrics, 'oneclick_deployment_step_duration_seconds_count');
    const sums = await values(metrics, 'oneclick_deployment_step_duration_seconds_sum');
    const observed = new Map(
      counts.map((c) => [`${c.labels.step}/${c.labels.result}`, { count: c.value, seconds: 0 }]),
    );
    for (const s of sums) observed.get(`${s.labels.step}/${s.labels.result}`)!.seconds = s.value;
    expect([...observed.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, e] of expected) {
      expect(observed.get(key)?.count, key).toBe(e.count);
      expect(observed.get(key)?.seconds, key).toBeCloseTo(e.seconds, 3);
    }
  });

  it('counts the package bytes pushed to the servers', async () => {
    const [sent] = await values(metrics, 'oneclick_package_bytes_sent_total');
    // Both deployments pushed the package before their installers ran.
    expect(sent?.value).toBe(2 * packageBytes);
  });

  it('serves one scrape with the API, process, deployment and Temporal worker metrics', async () => {
    const res = await stack.t.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(
      /^oneclick_http_request_duration_seconds_count\{method="POST",route="\/v1\/orders\/:id\/deployments",status="201"\} 2$/m,
    );
    expect(text).toMatch(/^oneclick_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^oneclick_deployments_finished_total\{outcome="succeeded"\} 1$/m);
    // The SDK's own names: slots of this worker's task queue, per worker type.
    expect(text).toMatch(
      /^temporal_worker_task_slots_available\{[^}]*worker_type="ActivityWorker"/m,
    );
    expect(text).toMatch(/^temporal_worker_task_slots_used\{[^}]*worker_type="WorkflowWorker"/m);
    expect(text).not.toContain('Temporal SDK metrics unavailable');
  });
});

describe('deployment metrics of an ending the workflow decides', () => {
  it('observes a step the ending closes as failed, and counts a retried ending once', async () => {
    const t = await startTestApp('pglite');
    const storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-metrics-store-'));
    try {
      const buyer = await t.principal('buyer');
      const seller = await t.principal('seller');
      const sellerId = seller.principal.sellerId!;
      const store = createDirectoryPackageStore(storeDir);
      const product = await seedProduct(t.db, store, sellerId);
      const orderRef = await seedOrder(t.db, {
        buyerId: buyer.principal.buyerId!,
        sellerId,
        productId: product.id,
      });
      const deploymentId = newId('dep');
      await insertOrGetActiveDeployment(t.db, {
        id: deploymentId,
        orderRef,
        workflowId: `deploy-${deploymentId}`,
        request: {} as DeployLicenseInput,
      });
      // A push whose activity never recorded its end (cancelled mid-transfer, timed out).
      await beginStepAttempt(t.db, deploymentId, 'push', 1);
      const metrics = createMetrics({ processMetrics: false });
      const { activities } = createDeploymentActivities({
        db: t.db,
        secrets: createSqlSecretStore(t.db, testKeyring()),
        metrics: metrics.deployments,
      });
      const ending = {
        deploymentId,
        orderRef,
        state: 'cancelled' as const,
        code: 'CANCELLED',
        message: 'the deployment was cancelled',
      };
      await activities.finishDeployment(ending);
      // Temporal may run the ending again (a lost completion): it changes nothing and counts nothing.
      await activities.finishDeployment(ending);

      const outcomes = await values(metrics, 'oneclick_deployments_finished_total');
      expect(Object.fromEntries(outcomes.map((r) => [String(r.labels.outcome), r.value]))).toEqual({
        succeeded: 0,
        failed: 0,
        cancelled: 1,
      });
      const counts = await values(metrics, 'oneclick_deployment_step_duration_seconds_count');
      expect(counts.map((c) => [c.labels.step, c.labels.result, c.value])).toEqual([
        ['push', 'failed', 1],
      ]);
      const [push] = await listSteps(t.db, deploymentId);
      expect(push).toMatchObject({ step: 'push', status: 'failed' });
    } finally {
      await t.close();
      rmSync(storeDir, { recursive: true, force: true });
    }
  });
});
