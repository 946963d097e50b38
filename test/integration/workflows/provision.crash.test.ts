import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';
import { provisionWorkflow } from '../../../workflows/provision.js';
import {
  leftovers,
  newEverything,
  provisionBundle,
  sandboxActivities,
  sandboxCloudOptions,
  startHarness,
  type Harness,
} from '../../helpers/provision-harness.js';

const WORKER_SCRIPT = fileURLToPath(
  new URL('../../helpers/provision-worker-process.ts', import.meta.url),
);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function startWorkerProcess(settings: object): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, PROVISION_WORKER: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
}

describe('a worker killed mid-provisioning', () => {
  let cloud: SandboxCloud;
  let child: ChildProcess | undefined;
  let h: Harness | undefined;
  const taskQueue = `provision-crash-${randomUUID()}`;
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');

  beforeAll(async () => {
    cloud = await startSandboxCloud();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await h?.stop();
    await cloud?.stop();
  });

  it('is replaced by another worker and the server is created once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'provision-bundle-'));
    const bundlePath = path.join(dir, 'workflows.js');
    writeFileSync(bundlePath, (await provisionBundle()).code);
    child = await startWorkerProcess({
      address,
      namespace,
      taskQueue,
      bundlePath,
      cloud: sandboxCloudOptions(cloud),
    });

    // The server is made at once but the answer to CreateServers comes late: the worker dies
    // after the cloud acted and before the activity could report it.
    cloud.faults.delayNextAnswers(1, 20_000, { operation: 'CreateServers' });
    const deploymentId = randomUUID().slice(0, 12);
    const client = (await import('@temporalio/client')).Client;
    const { Connection } = await import('@temporalio/client');
    const starter = new client({ connection: await Connection.connect({ address }), namespace });
    const handle = await starter.workflow.start(provisionWorkflow, {
      taskQueue,
      workflowId: `provision-${deploymentId}`,
      // The dead worker's workflow task (running the local createServer) times out this fast.
      workflowTaskTimeout: '3s',
      args: [
        newEverything(deploymentId, {
          timeouts: { callMs: 3_000, heartbeatMs: 2_000, retryInitialMs: 50, retryMaxMs: 500 },
        }),
      ],
    });
    await expect
      .poll(() => leftovers(cloud, deploymentId).servers.length, { timeout: 30_000 })
      .toBe(1);
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    child = undefined;

    h = await startHarness({ address, namespace, taskQueue, activities: sandboxActivities(cloud) });
    const result = await handle.result();
    const servers = leftovers(cloud, deploymentId).servers;
    expect(servers).toEqual([result.server.id]);
    expect(cloud.inventory().jobs.filter((j) => j.job_type === 'createServer')).toHaveLength(1);
    // The address ECS shows: inside the harness's subnet 10.0.1.0/24.
    expect(result.server.ip).toMatch(/^10\.0\.1\.\d+$/);
    await starter.connection.close();
  });
});
