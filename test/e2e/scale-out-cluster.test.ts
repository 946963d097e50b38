import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { signedQuery } from '../../src/marketplace/signing.js';
import { freePort } from '../../src/temporal/dev-server.js';
import { consoleSignIn } from '../helpers/console-session.js';
import { createTestPostgresDatabase } from '../helpers/databases.js';
import { runOneClick, until, type OneClickProcess } from '../helpers/oneclick-process.js';

/**
 * OneClick scaled out as the README's "Running at scale" describes: two `oneclick api` and two
 * `oneclick worker` processes, each with a data directory of its own (so nothing can pass
 * between them but the shared services), on one Temporal server, one PostgreSQL database, one
 * S3 object store (SeaweedFS) and one sandbox cloud (`oneclick sandbox`, standing in for the
 * region). The package goes in through one API node; deployments start through both; one worker
 * is killed with SIGKILL while it delivers a package.
 */

const COUNT = 20;
const PACKAGE_BYTES = 40 * 1024 * 1024;

/** A .tar.gz of random bytes (incompressible: the package is as large on the wire). */
function buildPackage(): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oneclick-cluster-package-'));
  try {
    mkdirSync(path.join(dir, 'app'));
    writeFileSync(path.join(dir, 'app', 'payload.bin'), randomBytes(PACKAGE_BYTES));
    execFileSync('tar', ['-czf', path.join(dir, 'app.tar.gz'), '-C', dir, 'app']);
    return readFileSync(path.join(dir, 'app.tar.gz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function bannerValue(output: string, re: RegExp): string {
  const m = re.exec(output);
  if (!m?.[1]) throw new Error(`not in the banner: ${re.source}\n${output}`);
  return m[1];
}

interface Step {
  step: string;
  status: string;
  attempts: number;
  logTail: string | null;
}

describe('two API nodes and two workers on one Temporal server, PostgreSQL and object store', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  let sandbox: OneClickProcess | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const c of children) {
      if (c !== sandbox?.child && c.exitCode === null) c.kill('SIGKILL');
    }
    // The sandbox removes its servers when it stops (SIGTERM), and only then.
    if (sandbox && sandbox.child.exitCode === null) {
      sandbox.child.kill('SIGTERM');
      await sandbox.exited;
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await dropDatabase?.();
  }, 120_000);

  const start = (name: string, args: string[], env: NodeJS.ProcessEnv) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), `oneclick-${name}-`));
    dirs.push(dataDir);
    const p = runOneClick(args, { ...env, ONECLICK_DATA_DIR: dataDir });
    children.push(p.child);
    return p;
  };
  const ready = (p: OneClickProcess, what: string) =>
    until(what, () => {
      if (p.child.exitCode !== null) throw new Error(`${what} exited:\n${p.output()}`);
      return p.output().includes('Stop with Ctrl-C.');
    });

  it('finishes 20 deployments started through both API nodes, one worker killed mid-delivery, with one server per order and nothing leaked', async () => {
    // One PostgreSQL database for every node.
    const database = await createTestPostgresDatabase('oneclick_cluster');
    dropDatabase = database.drop;
    // The region: one sandbox cloud in a process of its own.
    sandbox = start('sandbox', ['sandbox'], {});
    await ready(sandbox, 'the sandbox cloud');
    const banner = sandbox.output();
    const cloud = bannerValue(banner, /Endpoint:\s+(\S+)/);
    const [imageRef, flavorRef] = /Image \/ flavor:\s+(\S+) \/ (\S+)/.exec(banner)!.slice(1);

    const marketplaceKey = randomBytes(32).toString('hex').toUpperCase();
    const taskQueue = `cluster-${randomUUID()}`;
    const shared = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      ONECLICK_MASTER_KEY: `k1:${randomBytes(32).toString('base64')}`,
      MARKETPLACE_ACCESS_KEY: marketplaceKey,
      HUAWEICLOUD_AK: bannerValue(banner, /Access key:\s+(\S+)/),
      HUAWEICLOUD_SK: bannerValue(banner, /Secret key:\s+(\S+)/),
      HUAWEICLOUD_PROJECT_ID: bannerValue(banner, /Project id:\s+(\S+)/),
      HUAWEICLOUD_DOMAIN_ID: bannerValue(banner, /Account \(domain\):\s+\S+ (\S+)/),
      HUAWEICLOUD_ECS_ENDPOINT: cloud,
      HUAWEICLOUD_VPC_ENDPOINT: cloud,
      HUAWEICLOUD_IAM_ENDPOINT: cloud,
      HUAWEICLOUD_IMS_ENDPOINT: cloud,
      ONECLICK_OWN_ACCOUNT_FOR_BUYERS: 'true',
      LOG_LEVEL: 'warn',
      ...inject('s3').env,
    };
    const apiPorts = [await freePort(), await freePort()];
    const apis = apiPorts.map((p) => `http://127.0.0.1:${p}`);
    // The first API node migrates the database and creates the first operator; then the rest.
    const api1 = start('api-1', ['api'], { ...shared, ONECLICK_HTTP_PORT: String(apiPorts[0]) });
    await ready(api1, 'API node 1');
    const operator = bannerValue(api1.output(), /First operator API key[^:]*: (\S+)/);
    const api2 = start('api-2', ['api'], { ...shared, ONECLICK_HTTP_PORT: String(apiPorts[1]) });
    // Workers serve /metrics on a free port each (two on one host cannot share 9464).
    const workerEnv = { ...shared, ONECLICK_METRICS_PORT: '0' };
    const workers = [
      start('worker-1', ['worker'], workerEnv),
      start('worker-2', ['worker'], workerEnv),
    ];
    await Promise.all([
      ready(api2, 'API node 2'),
      ...workers.map((w, i) => ready(w, `worker ${i + 1}`)),
    ]);

    const call = async <T>(
      node: number,
      method: string,
      p: string,
      key: string,
      body?: unknown,
    ) => {
      const binary = body instanceof Uint8Array;
      const res = await fetch(`${apis[node]}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined && {
            'content-type': binary ? 'application/octet-stream' : 'application/json',
          }),
        },
        body: binary ? body : body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as T;
      if (res.status >= 300)
        throw new Error(`${method} ${p} → ${res.status} ${JSON.stringify(json)}`);
      return json;
    };

    // The seller registers through node 1 and uploads the package through node 2: every
    // delivery below is made by a worker that never saw the upload.
    const seller = (
      await call<{ apiKey: { key: string } }>(0, 'POST', '/v1/principals', operator, {
        role: 'seller',
        name: 'Cluster Seller',
      })
    ).apiKey.key;
    const tag = randomBytes(3).toString('hex').toUpperCase();
    const product = await call<{ id: string; marketplaceProductId: string }>(
      0,
      'POST',
      '/v1/products',
      seller,
      {
        marketplaceProductId: `OFFI-CLUSTER-${tag}`,
        name: 'Cluster App',
        licenseModel: 'license2',
        installDir: '/opt/cluster',
        licensePath: '/etc/cluster/license',
        ports: [8080],
        installCommand:
          'set -e; mkdir -p "$INSTALL_DIR"; tar -xzf "$PACKAGE_FILE" -C "$INSTALL_DIR"',
        verifyCommand: 'test -s "$LICENSE_FILE" && test -s "$INSTALL_DIR/app/payload.bin"',
      },
    );
    const pkg = buildPackage();
    const uploaded = await call<{ sha256: string; sizeBytes: number }>(
      1,
      'POST',
      `/v1/packages?fileName=cluster-app.tar.gz&productId=${product.id}`,
      seller,
      new Uint8Array(pkg),
    );
    expect(uploaded.sha256).toBe(createHash('sha256').update(pkg).digest('hex'));

    // One buyer, 20 paid orders reported to both nodes, 20 Start Deployment clicks on both.
    const customerId = `cluster-buyer-${tag}`;
    const buyer = (
      await call<{ apiKey: { key: string } }>(1, 'POST', '/v1/principals', operator, {
        role: 'buyer',
        name: 'Cluster Buyer',
        customerId,
      })
    ).apiKey.key;
    // No node keeps state another needs. A console session made on node 1 serves node 2...
    const session = await consoleSignIn(
      { request: (p, init) => fetch(`${apis[0]}${p}`, { ...init, redirect: 'manual' }) },
      buyer,
    );
    const elsewhere = await fetch(`${apis[1]}${session.home}`, {
      headers: { cookie: session.cookie },
      redirect: 'manual',
    });
    expect(elsewhere.status).toBe(200);
    expect(await elsewhere.text()).toContain(session.csrf);
    // ...and a request repeated on the other node with its Idempotency-Key is answered once.
    const idempotencyKey = randomUUID();
    const twice: { status: number; id?: string }[] = [];
    for (const base of apis) {
      twice.push(
        await (async () => {
          const res = await fetch(`${base}/v1/products`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${seller}`,
              'content-type': 'application/json',
              'idempotency-key': idempotencyKey,
            },
            body: JSON.stringify({
              marketplaceProductId: `OFFI-CLUSTER-${tag}-TWICE`,
              name: 'Asked twice',
              licenseModel: 'license2',
              installDir: '/opt/twice',
              licensePath: '/etc/twice/license',
              ports: [8080],
              installCommand: 'true',
              verifyCommand: 'true',
            }),
          });
          return { status: res.status, id: ((await res.json()) as { id?: string }).id };
        })(),
      );
    }
    // Node 2 answers with node 1's product (a replay), and there is one such product.
    expect(twice[0]!.status).toBe(201);
    expect(twice[0]!.id).toMatch(/./);
    expect(twice[1]).toEqual(twice[0]);
    const listed = await call<{ items: { marketplaceProductId: string }[] }>(
      1,
      'GET',
      '/v1/products',
      seller,
    );
    expect(
      listed.items.filter((p) => p.marketplaceProductId === `OFFI-CLUSTER-${tag}-TWICE`),
    ).toHaveLength(1);

    const orders: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const raw = JSON.stringify({
        orderId: `CS-CLUSTER-${tag}-${i}`,
        orderLineId: `CS-CLUSTER-${tag}-${i}-1`,
        customerId,
        productId: product.marketplaceProductId,
      });
      const res = await fetch(
        `${apis[i % 2]}/marketplace/v1/orders/paid?${signedQuery(marketplaceKey, raw).toString()}`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw },
      );
      expect(res.status).toBeLessThan(300);
      orders.push(((await res.json()) as { order: { id: string } }).order.id);
    }
    const workflowIds = await Promise.all(
      orders.map(async (order, i) => {
        const started = await call<{ workflowId?: string; deployment?: { workflowId?: string } }>(
          i % 2,
          'POST',
          `/v1/orders/${order}/deployments`,
          buyer,
          {
            server: { imageRef, flavorRef },
            adminPassword: `Cl-${randomBytes(5).toString('hex')}!Aa9`,
          },
        );
        return started.workflowId ?? started.deployment?.workflowId ?? '';
      }),
    );
    expect(workflowIds.every((id) => id.length > 0)).toBe(true);

    // Kill worker 1 while it is running a package delivery: found by its identity (pid@host) on
    // a pending pushPackage activity.
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const temporal = new Client({ connection, namespace: inject('temporalNamespace') });
    const victim = workers[0]!;
    let interrupted: string | undefined;
    try {
      await until(
        'worker 1 delivering a package',
        async () => {
          for (const id of workflowIds) {
            const d = await temporal.workflow.getHandle(id).describe();
            const raw = d.raw.pendingActivities ?? [];
            const delivering = raw.find(
              (a) =>
                a.activityType?.name === 'pushPackage' &&
                (a.lastWorkerIdentity ?? '').startsWith(`${victim.child.pid}@`),
            );
            if (delivering) {
              interrupted = id;
              return true;
            }
          }
          return false;
        },
        300_000,
      );
    } finally {
      await connection.close();
    }
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBeNull();

    // Every deployment ends, through either node, on the surviving worker.
    const finished = new Map<string, { state: string; steps: Step[] }>();
    await until(
      'all 20 deployments to finish',
      async () => {
        for (const [i, order] of orders.entries()) {
          if (finished.has(order)) continue;
          const d = await call<{ state: string; steps: Step[] }>(
            i % 2,
            'GET',
            `/v1/orders/${order}/deployments/current`,
            buyer,
          );
          if (['succeeded', 'failed', 'cancelled'].includes(d.state)) finished.set(order, d);
        }
        return finished.size === COUNT;
      },
      600_000,
    );
    const states = [...finished.values()].map((d) => d.state);
    expect(states).toEqual(Array<string>(COUNT).fill('succeeded'));

    // The interrupted delivery was tried again (on the surviving worker) and finished.
    const interruptedOrder = orders[workflowIds.indexOf(interrupted!)]!;
    const push = finished.get(interruptedOrder)!.steps.find((s) => s.step === 'push')!;
    expect(push.status).toBe('succeeded');
    expect(push.attempts).toBeGreaterThanOrEqual(2);
    // Sandbox servers reach the object store: they pulled, OneClick sent no package bytes.
    const vias = [...finished.values()].map(
      (d) => /"via":"(pull|push)"/.exec(d.steps.find((s) => s.step === 'push')?.logTail ?? '')?.[1],
    );
    expect(vias).toEqual(Array<string>(COUNT).fill('pull'));

    // One server per order and nothing else in the cloud: no second server from a retried
    // step, no orphaned network, no job still running.
    const inventory = (await (await fetch(`${cloud}/_sandbox/inventory`)).json()) as {
      servers: { id: string; name: string; hostRunning: boolean }[];
      vpcs: unknown[];
      subnets: unknown[];
      securityGroups: unknown[];
      jobs: { status: string }[];
    };
    expect(inventory.servers).toHaveLength(COUNT);
    expect(inventory.servers.every((s) => s.hostRunning)).toBe(true);
    expect(new Set(inventory.servers.map((s) => s.name)).size).toBe(COUNT);
    expect(inventory.vpcs).toHaveLength(COUNT);
    expect(inventory.subnets).toHaveLength(COUNT);
    expect(inventory.jobs.filter((j) => j.status !== 'SUCCESS')).toEqual([]);
    // Each order names its own server.
    const serverOf = (steps: Step[]) =>
      /^server (\S+)/.exec(steps.find((s) => s.step === 'server')?.logTail ?? '')?.[1];
    const named = new Set([...finished.values()].map((d) => serverOf(d.steps)));
    expect(named.size).toBe(COUNT);
    for (const id of named) expect(inventory.servers.map((s) => s.id)).toContain(id);

    // What Prometheus sees: the surviving worker's deployments, steps and slots, no package
    // bytes sent by OneClick (servers pulled), and the API nodes' latency by route pattern.
    const workerMetrics = await (
      await fetch(bannerValue(workers[1]!.output(), /Metrics:\s+(\S+)/))
    ).text();
    const sample = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    expect(
      sample(workerMetrics, /^oneclick_deployments_finished_total\{outcome="succeeded"\} (\S+)$/m),
    ).toBeGreaterThan(0);
    expect(
      sample(
        workerMetrics,
        /^oneclick_deployment_step_duration_seconds_count\{step="push",result="succeeded"\} (\S+)$/m,
      ),
    ).toBeGreaterThan(0);
    expect(sample(workerMetrics, /^oneclick_package_bytes_sent_total (\S+)$/m)).toBe(0);
    expect(workerMetrics).toMatch(/^temporal_worker_task_slots_(used|available)\{/m);
    const apiMetrics = await (await fetch(`${apis[1]}/metrics`)).text();
    expect(apiMetrics).toContain('route="/v1/orders/:id/deployments/current"');

    for (const p of [api1, api2, workers[1]!]) p.child.kill('SIGTERM');
    for (const p of [api1, api2, workers[1]!]) expect(await p.exited).toBe(0);
    // The region goes last: its stop removes the servers (OneClick's nodes leave them be).
    sandbox.child.kill('SIGTERM');
    expect(await sandbox.exited).toBe(0);
  }, 900_000);
});
