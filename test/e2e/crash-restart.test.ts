import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signedQuery } from '../../src/marketplace/signing.js';
import { STATE_FILE } from '../../src/sandbox/persisted-state.js';
import { sandboxStateDir } from '../../src/sandbox/run-sandbox.js';
import { removePersistentSandbox } from '../../src/sandbox/sandbox-cloud.js';
import {
  embeddedEnv,
  runOneClick,
  startOneClick,
  until,
  type OneClickProcess,
} from '../helpers/oneclick-process.js';

const ORDERS = 5;

interface Step {
  step: string;
  status: string;
  logTail: string | null;
}
interface DeploymentView {
  state: string;
  failure: { code: string; message: string } | null;
  steps: Step[];
}

const netns = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);

/**
 * The embedded defaults through a crash: `oneclick start` is killed with SIGKILL while five
 * deployments are under way, and started again. The Temporal history resumes, and so does the
 * sandbox cloud: the same servers, addresses and keys, so every deployment finishes on the
 * server it had. `oneclick sandbox stop` then removes them.
 */
describe('oneclick start after a crash', () => {
  let dataDir: string | undefined;
  let running: OneClickProcess | undefined;
  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await running?.exited;
    if (dataDir) {
      await removePersistentSandbox(sandboxStateDir(dataDir));
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('finishes five deployments that a kill -9 interrupted, each on the server it had', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'oneclick-crash-'));
    const { env, api } = await embeddedEnv(dataDir);
    running = await startOneClick(env);
    const banner = running.output();
    const operator = /First operator API key \(shown once, save it\): (\S+)/.exec(banner)![1]!;
    const image = /Image \/ flavor: +(\S+) \/ (\S+)/.exec(banner)!;
    const sandbox = /Endpoint: +(\S+)/.exec(banner)![1]!;

    const call = async (method: string, p: string, key: string, body?: unknown) => {
      const res = await fetch(`${api}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body instanceof Uint8Array
            ? { 'content-type': 'application/octet-stream' }
            : body !== undefined && { 'content-type': 'application/json' }),
        },
        body:
          body instanceof Uint8Array ? body : body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300)
        throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const seller = (
      (await call('POST', '/v1/principals', operator, { role: 'seller', name: 'Acme' })).apiKey as {
        key: string;
      }
    ).key;
    const product = (await call('POST', '/v1/products', seller, {
      marketplaceProductId: 'OFFI-CRASH',
      name: 'Acme Crash',
      licenseModel: 'license2',
      // Slow enough that the kill lands while the installers run.
      installCommand: 'sleep 3 && mkdir -p "$INSTALL_DIR" && cp "$PACKAGE_FILE" "$INSTALL_DIR/"',
      verifyCommand: 'test -s "$LICENSE_FILE"',
      installDir: '/opt/acme',
      licensePath: '/etc/acme/license.key',
    })) as { id: string };
    await call(
      'POST',
      `/v1/packages?fileName=acme-1.0.bin&productId=${product.id}`,
      seller,
      new Uint8Array(randomBytes(4 << 20)),
    );
    const buyer = (
      (
        await call('POST', '/v1/principals', operator, {
          role: 'buyer',
          name: 'Bob',
          customerId: 'cust-crash',
        })
      ).apiKey as { key: string }
    ).key;
    const marketplaceKey = (
      await readFile(path.join(dataDir, 'marketplace-access-key'), 'utf8')
    ).trim();
    for (let i = 0; i < ORDERS; i++) {
      const raw = JSON.stringify({
        orderId: `CS-CRASH-${i}`,
        orderLineId: `CS-CRASH-${i}-1`,
        customerId: 'cust-crash',
        productId: 'OFFI-CRASH',
      });
      const paid = await fetch(
        `${api}/marketplace/v1/orders/paid?${signedQuery(marketplaceKey, raw).toString()}`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw },
      );
      expect(paid.status).toBe(201);
    }
    const orders = ((await call('GET', '/v1/orders', buyer)).items as { id: string }[]).map(
      (o) => o.id,
    );
    expect(orders).toHaveLength(ORDERS);
    for (const id of orders) {
      await call('POST', `/v1/orders/${id}/deployments`, buyer, {
        vpc: { cidr: '10.8.0.0/16' },
        subnet: { cidr: '10.8.1.0/24', gatewayIp: '10.8.1.1' },
        server: { imageRef: image[1], flavorRef: image[2] },
        adminPassword: 'Crash-Test_2026!',
      });
    }
    const current = async (id: string) =>
      (await call(
        'GET',
        `/v1/orders/${id}/deployments/current`,
        buyer,
      )) as unknown as DeploymentView;
    const serverOf = (d: DeploymentView) =>
      /^server (\S+)/.exec(d.steps.find((s) => s.step === 'server')?.logTail ?? '')?.[1];

    // Every deployment has its server; the kill comes before any of them is delivered.
    await until('five servers', async () => {
      const views = await Promise.all(orders.map(current));
      return views.every((d) => serverOf(d) !== undefined);
    });
    const before = await Promise.all(orders.map(async (id) => serverOf(await current(id))));
    running.child.kill('SIGKILL');
    await running.exited;
    running = undefined;

    running = await startOneClick(env);
    expect(running.output()).toMatch(new RegExp(`Endpoint: +${sandbox} `));
    expect(running.output()).toMatch(/Resumed [1-5] server\(s\) of the last run/);

    let views: DeploymentView[] = [];
    await until(
      'five finished deployments',
      async () => {
        views = await Promise.all(orders.map(current));
        return views.every((d) => ['succeeded', 'failed', 'cancelled'].includes(d.state));
      },
      300_000,
    );
    expect(views.map((d) => [d.state, d.failure])).toEqual(orders.map(() => ['succeeded', null]));
    // Each on the server it had before the crash: one server per order, none left over.
    expect(views.map(serverOf)).toEqual(before);
    const inventory = (await (await fetch(`${sandbox}/_sandbox/inventory`)).json()) as {
      servers: { id: string; status: string; hostRunning: boolean }[];
    };
    expect(inventory.servers.map((s) => [s.id, s.status, s.hostRunning]).sort()).toEqual(
      before.map((id) => [id, 'ACTIVE', true]).sort(),
    );

    // Stopped, OneClick leaves its servers running; `oneclick sandbox stop` removes them.
    // The namespaces of this sandbox's servers (its state lists their slots): other test files'
    // hosts come and go on this machine meanwhile, so not every oc-sbx- namespace is ours.
    const state = JSON.parse(
      await readFile(path.join(sandboxStateDir(dataDir), STATE_FILE), 'utf8'),
    ) as { hosts: { slot: number }[] };
    const namespaces = state.hosts.map((h) => `oc-sbx-${h.slot}`);
    expect(namespaces).toHaveLength(ORDERS);
    expect(netns()).toEqual(expect.arrayContaining(namespaces));
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    running = undefined;
    expect(netns().filter((n) => n.startsWith('oc-sbx-'))).toEqual(
      expect.arrayContaining(namespaces),
    );
    const stop = runOneClick(['sandbox', 'stop'], env);
    expect(await stop.exited).toBe(0);
    expect(stop.output()).toContain(`${ORDERS} server(s)`);
  }, 600_000);
});
