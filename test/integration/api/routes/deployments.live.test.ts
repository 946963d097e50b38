import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../../activities/index.js';
import { REDACTED } from '../../../../activities/live-progress.js';
import { createHuaweiCloud } from '../../../../src/cloud/huawei-cloud.js';
import { findLicense } from '../../../../src/db/repositories/licenses.js';
import { insertPackage } from '../../../../src/db/repositories/packages.js';
import { isFinished, type LiveActivity } from '../../../../src/domain/deployment.js';
import { createLicenseServices, type LicenseServices } from '../../../../src/license/services.js';
import { createDirectoryPackageStore } from '../../../../src/packages/directory-store.js';
import type { PackageStore } from '../../../../src/packages/store.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../../src/sandbox/emulator.js';
import { startSandboxCloud, type SandboxCloud } from '../../../../src/sandbox/sandbox-cloud.js';
import { createSqlSecretStore } from '../../../../src/secrets/secret-store.js';
import { createSqlHostKeyPins } from '../../../../src/ssh/host-key.js';
import { EncryptionCodec } from '../../../../src/temporal/codec.js';
import { createDataConverter } from '../../../../src/temporal/data-converter.js';
import { createTemporalGateway } from '../../../../src/temporal/gateway/index.js';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { seedOrder, seedProduct, testKeyring } from '../../../helpers/deploy.js';
import { testWraps } from '../../../helpers/license/seed.js';
import { sandboxCloudOptions } from '../../../helpers/provision-harness.js';
import { putScriptPackage } from '../../../helpers/ssh/delivery-harness.js';

const WORKFLOWS = fileURLToPath(new URL('../../../../workflows/index.ts', import.meta.url));
const PASSWORD = `Live!view-${randomUUID().slice(0, 6)}`;
const MiB = 1024 * 1024;
const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/** The installer prints a line every half second and, early on, the license it was given. */
const INSTALLER = [
  'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do',
  '  echo "installing part $i"',
  '  [ "$i" = 3 ] && echo "license: $(cat "$LICENSE_FILE")"',
  '  sleep 0.5',
  'done',
  'echo install-done',
].join('\n');
const VERIFY = 'echo verifying; sleep 1; grep -q . "$LICENSE_FILE" && echo verified';

interface View {
  id: string;
  workflowId: string;
  state: string;
  steps: { step: string; status: string; logTail: string | null }[];
  live?: Partial<LiveActivity> & { state: string };
}

/**
 * A store whose reads trickle (about `bytesPerSecond`), like a slow disk, so that a push over
 * loopback lasts long enough to be watched; it has no local file, so the push streams.
 */
function tricklingStore(inner: PackageStore, bytesPerSecond: number): PackageStore {
  const piece = 64 * 1024;
  return {
    put: (source, options) => inner.put(source, options),
    stat: (key) => inner.stat(key),
    delete: (key) => inner.delete(key),
    async open(key, options) {
      const source = await inner.open(key, options);
      return Readable.from(
        (async function* () {
          for await (const chunk of source as AsyncIterable<Buffer>) {
            for (let i = 0; i < chunk.length; i += piece) {
              yield chunk.subarray(i, i + piece);
              await sleep((piece / bytesPerSecond) * 1000);
            }
          }
        })(),
      );
    },
  };
}

/** Every payload in a (protobuf) object tree: history events keep them at many depths. */
function payloadsIn(node: unknown, found: Payload[] = []): Payload[] {
  if (typeof node !== 'object' || node === null || node instanceof Uint8Array) return found;
  const o = node as Record<string, unknown>;
  if (o.data instanceof Uint8Array && typeof o.metadata === 'object' && o.metadata !== null) {
    found.push(o);
    return found;
  }
  for (const v of Object.values(o)) payloadsIn(v, found);
  return found;
}

describe('GET /v1/orders/{id}/deployments/current while it runs: the push bar and the output tail', () => {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `live-${randomUUID()}`;
  const keyring = testKeyring();
  const dataConverter = createDataConverter(keyring);
  let cloud: SandboxCloud;
  let t: TestApp;
  let store: PackageStore;
  let storeDir: string;
  let client: Client;
  let license!: LicenseServices;
  let stopWorker: () => Promise<void>;
  let buyer: { key: string; buyerId: string };
  let seller: { key: string; sellerId: string };

  beforeAll(async () => {
    const bundling = bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quietLogger });
    cloud = await startSandboxCloud();
    storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-live-store-'));
    store = createDirectoryPackageStore(storeDir);
    // Client and worker both encrypt: the live view decodes what the server keeps encrypted.
    client = new Client({
      connection: await Connection.connect({ address }),
      namespace,
      dataConverter,
    });
    t = await startTestApp('pglite', (db) => {
      license = createLicenseServices({ sql: db, wraps: testWraps(), issuer: 'http://t' });
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
        packages: tricklingStore(store, 2 * MiB),
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

  it('documents `live` with the push bar and the output tail in the OpenAPI document', async () => {
    const doc = (await (await t.call('GET', '/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const current = doc.paths['/v1/orders/{id}/deployments/current']?.get;
    expect(JSON.stringify(current?.responses['200'])).toContain('#/components/schemas/Deployment');
    expect(Object.keys(doc.components.schemas.Deployment?.properties ?? {})).toContain('live');
    expect(Object.keys(doc.components.schemas.DeploymentLive?.properties ?? {})).toEqual(
      expect.arrayContaining([
        'step',
        'bytesSent',
        'totalBytes',
        'bytesPerSecond',
        'outputTail',
        'at',
      ]),
    );
  });

  it("shows growing push bytes up to the size, then the installer's tail with the license it echoes redacted; the license is nowhere in the history", async () => {
    const product = await seedProduct(t.db, store, seller.sellerId, {
      installCommand: INSTALLER,
      verifyCommand: VERIFY,
    });
    // A package large enough that the trickling push lasts seconds.
    const pkg = await putScriptPackage(store, 'echo packaged', 8 * MiB);
    await insertPackage(t.db, {
      sellerId: seller.sellerId,
      productId: product.id,
      ...pkg,
      fileName: 'live.run',
    });
    const orderRef = await seedOrder(t.db, {
      buyerId: buyer.buyerId,
      sellerId: seller.sellerId,
      productId: product.id,
    });
    const started = await t.call('POST', `/v1/orders/${orderRef}/deployments`, {
      key: buyer.key,
      body: {
        server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
        adminPassword: PASSWORD,
      },
    });
    expect(started.status).toBe(201);

    // Watch as a buyer's page would, until the deployment ends (hang guard: 3 minutes).
    const seen: NonNullable<View['live']>[] = [];
    let view: View | undefined;
    for (const until = Date.now() + 180_000; Date.now() < until;) {
      const res = await t.call('GET', `/v1/orders/${orderRef}/deployments/current`, {
        key: buyer.key,
      });
      expect(res.status).toBe(200);
      view = (await res.json()) as View;
      if (view.live?.at !== undefined) seen.push(view.live);
      if (isFinished(view.state)) break;
      await sleep(150);
    }
    expect(view?.state).toBe('succeeded');

    const push = seen.filter((l) => l.step === 'push');
    const sent = push.map((l) => l.bytesSent!);
    expect(new Set(sent).size, JSON.stringify(push)).toBeGreaterThanOrEqual(2);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    for (const l of push) {
      expect(l).toMatchObject({ state: 'push', totalBytes: pkg.sizeBytes });
      expect(l.bytesSent).toBeLessThanOrEqual(pkg.sizeBytes);
      expect(Date.parse(l.at!)).not.toBeNaN();
    }
    expect(push.some((l) => (l.bytesPerSecond ?? 0) > 0)).toBe(true);

    const install = seen.filter((l) => l.step === 'install');
    expect(install.some((l) => l.outputTail?.includes('installing part'))).toBe(true);
    expect(
      install.some((l) => l.outputTail?.includes(`license: ${REDACTED}`)),
      JSON.stringify(install.at(-1)),
    ).toBe(true);

    const record = await findLicense(t.db, 'order_id', orderRef);
    const code = license.codes.reveal(record!);
    const answered = JSON.stringify({ seen, view });
    expect(answered).not.toContain(code);
    expect(answered).not.toContain(PASSWORD);
    const installStep = view?.steps.find((s) => s.step === 'install');
    expect(installStep?.logTail).toContain(`license: ${REDACTED}`);
    expect(installStep?.logTail).toContain('install-done');

    // Stored history: the raw bytes, then every payload decoded with the worker's codec.
    const res = await client.connection.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution: { workflowId: view!.workflowId },
    });
    const raw = Buffer.from(temporal.api.history.v1.History.encode(res.history!).finish());
    const payloads = payloadsIn(res.history);
    expect(payloads.length).toBeGreaterThan(10);
    const decoded = await new EncryptionCodec(keyring).decode(payloads);
    const text = decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
    // The decoded history does hold the installer's redacted output: the search looks in the
    // right place.
    expect(text).toContain(`license: ${REDACTED}`);
    for (const secret of [code, PASSWORD]) {
      for (const form of [secret, Buffer.from(secret).toString('base64')]) {
        expect(raw.toString('latin1')).not.toContain(form);
        expect(text).not.toContain(form);
      }
    }
  }, 240_000);
});
