import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signedQuery } from '../../src/marketplace/signing.js';
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { createDataConverter } from '../../src/temporal/data-converter.js';
import { deriveKeyring, parseKeyring } from '../../src/crypto/keyring.js';
import { provisionWorkflow, deprovisionWorkflow } from '../../workflows/provision.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../src/sandbox/emulator.js';
import { removePersistentSandbox } from '../../src/sandbox/sandbox-cloud.js';
import { sandboxStateDir } from '../../src/sandbox/run-sandbox.js';
import {
  embeddedEnv,
  startOneClick as start,
  type OneClickProcess,
} from '../helpers/oneclick-process.js';

describe('oneclick start', () => {
  let dataDir: string;
  let running: OneClickProcess | undefined;
  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await running?.exited;
    if (dataDir) await removePersistentSandbox(sandboxStateDir(dataDir));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('runs everything in one process, keeps the orders across a SIGTERM and restart, and provisions on the sandbox cloud', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'oneclick-e2e-'));
    const { env, api } = await embeddedEnv(dataDir);
    running = await start(env);
    const banner = running.output();
    expect(banner).toContain(`API:        ${api}`);
    expect(banner).toMatch(/Temporal UI: http:\/\/127\.0\.0\.1:\d+/);
    const operatorKey = /First operator API key \(shown once, save it\): (\S+)/.exec(banner)![1]!;

    const health = await fetch(`${api}/healthz`);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      database: { ok: true },
      temporal: { ok: true },
    });
    const ui = await fetch(/Temporal UI: (\S+)/.exec(banner)![1]!);
    expect(ui.status).toBe(200);

    const post = (p: string, key: string, body: unknown) =>
      fetch(`${api}${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const sellerRes = await post('/v1/principals', operatorKey, { role: 'seller', name: 'Acme' });
    expect(sellerRes.status).toBe(201);
    const sellerKey = ((await sellerRes.json()) as { apiKey: { key: string } }).apiKey.key;
    const productRes = await post('/v1/products', sellerKey, {
      marketplaceProductId: 'OFFI-E2E',
      name: 'Acme',
      licenseModel: 'license2',
    });
    expect(productRes.status).toBe(201);

    const marketplaceKey = (
      await readFile(path.join(dataDir, 'marketplace-access-key'), 'utf8')
    ).trim();
    const raw = JSON.stringify({
      orderId: 'CS-E2E',
      orderLineId: 'CS-E2E-1',
      customerId: 'cust-e2e',
      productId: 'OFFI-E2E',
    });
    const paid = await fetch(
      `${api}/marketplace/v1/orders/paid?${signedQuery(marketplaceKey, raw).toString()}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: raw,
      },
    );
    expect(paid.status).toBe(201);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    running = undefined;

    running = await start(env);
    expect(running.output()).not.toContain('First operator API key');
    const list = await fetch(`${api}/v1/orders`, {
      headers: { authorization: `Bearer ${operatorKey}` },
    });
    expect(list.status).toBe(200);
    const orders = (await list.json()) as {
      items: { orderId: string; supervision: { state: string } }[];
    };
    expect(orders.items.map((o) => [o.orderId, o.supervision.state])).toEqual([
      ['CS-E2E', 'awaiting_delivery'],
    ]);

    // The embedded worker provisions on the sandbox cloud: a client holding the data
    // directory's master key runs the provisioning workflow and then undoes it.
    const masterKeys = (await readFile(path.join(dataDir, 'master-keys'), 'utf8')).trim();
    const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_DEV_PORT}` });
    try {
      const client = new Client({
        connection,
        dataConverter: createDataConverter(
          deriveKeyring(parseKeyring(masterKeys), 'temporal-payloads'),
        ),
      });
      const result = await client.workflow.execute(provisionWorkflow, {
        taskQueue: 'oneclick',
        workflowId: `e2e-provision-${randomUUID()}`,
        args: [
          {
            deploymentId: `e2e-${randomUUID().slice(0, 8)}`,
            orderId: 'CS-E2E',
            vpc: { cidr: '10.0.0.0/16' },
            subnet: { cidr: '10.0.1.0/24', gatewayIp: '10.0.1.1' },
            securityGroup: { create: true },
            ports: [{ direction: 'ingress', protocol: 'tcp', ports: '22' }],
            server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
          },
        ],
      });
      expect(result.server.status).toBe('ACTIVE');
      // The address ECS shows: inside the request's subnet 10.0.1.0/24.
      expect(result.server.ip).toMatch(/^10\.0\.1\.\d+$/);
      const sshBanner = await new Promise<string>((resolve, reject) => {
        const sock = net.connect(22, result.server.ip);
        sock.once('data', (b: Buffer) => {
          resolve(b.toString());
          sock.destroy();
        });
        sock.once('error', reject);
      });
      expect(sshBanner).toMatch(/^SSH-2\.0-OpenSSH/);
      await client.workflow.execute(deprovisionWorkflow, {
        taskQueue: 'oneclick',
        workflowId: `e2e-deprovision-${randomUUID()}`,
        args: [{ created: result.created }],
      });
    } finally {
      await connection.close();
    }

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    running = undefined;
  }, 240_000);
});
