import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createSupervisionActivities } from '../../../../activities/supervision.js';
import { createProduct } from '../../../../src/db/repositories/products.js';
import { advanceSupervision } from '../../../../src/license/supervision.js';
import { createDirectoryPackageStore } from '../../../../src/packages/directory-store.js';
import {
  startRecordingMarketplace,
  type RecordingMarketplace,
} from '../../../../src/sandbox/recording-marketplace.js';
import { createTemporalGateway } from '../../../../src/temporal/gateway/index.js';
import { MARKETPLACE_KEY, startTestApp, type TestApp } from '../../../helpers/api.js';
import { seedOrder } from '../../../helpers/deploy.js';
import { until } from '../../../helpers/oneclick-process.js';

const WORKFLOWS = fileURLToPath(new URL('../../../../workflows/index.ts', import.meta.url));
const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
const PDF = '%PDF-1.4\n% an acceptance report\n%%EOF\n';

interface SupervisionView {
  licenseModel: string;
  state: string;
  acceptanceDueAt: string | null;
  confirmation: { description: string; report: { kind: string; sha256: string } } | null;
  history: {
    fromState: string | null;
    toState: string;
    actor: string | null;
    detail: Record<string, unknown> | null;
    report: { id: string; reportedAt: string | null; attempts: number };
  }[];
}

/** KooGallery's scheme, written out again here so the test does not trust the code it checks. */
function koogallerySignatureOf(key: string, body: string, timestamp: string, nonce: string) {
  const bodyMac = createHmac('sha256', key).update(body).digest('hex');
  return createHmac('sha256', key)
    .update(key + nonce + timestamp + bodyMac)
    .digest('hex')
    .toUpperCase();
}

/**
 * Service supervision through the API with a real worker: the seller confirms completion, the
 * buyer accepts or rejects (or lets the window run out: a Temporal timer), the seller delivers
 * again; every transition reaches a recording marketplace, signed, in order, once.
 */
describe('service supervision journeys', () => {
  let t: TestApp;
  let client: Client;
  let marketplace: RecordingMarketplace;
  let stopWorker: () => Promise<void>;
  let storeDir: string;
  const taskQueue = `supervision-${randomUUID()}`;
  let buyer: { key: string; id: string; buyerId: string };
  let otherBuyer: string;
  let seller: { key: string; id: string; sellerId: string };
  let products: Record<'license1' | 'license2', string>;

  beforeAll(async () => {
    const address = inject('temporalAddress');
    const namespace = inject('temporalNamespace');
    const bundling = bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quietLogger });
    client = new Client({ connection: await Connection.connect({ address }), namespace });
    storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-supervision-'));
    const temporal = createTemporalGateway(client, taskQueue);
    t = await startTestApp('pglite', {
      temporal,
      packageStore: createDirectoryPackageStore(storeDir),
      acceptanceWindowMs: 3_000,
    });
    marketplace = await startRecordingMarketplace({ accessKey: MARKETPLACE_KEY });
    const native = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection: native,
      namespace,
      taskQueue,
      workflowBundle: await bundling,
      activities: createSupervisionActivities({
        db: t.db,
        reports: {
          url: marketplace.url,
          accessKey: MARKETPLACE_KEY,
          maxAttempts: 1000,
          retryAfterMs: 500,
        },
      }),
    });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await native.close();
    };
    await temporal.ensureSupervisionReportSchedule(1_000);
    const b = await t.principal('buyer', 'alice');
    buyer = { key: b.key, id: b.principal.id, buyerId: b.principal.buyerId! };
    otherBuyer = (await t.principal('buyer', 'mallory')).key;
    const s = await t.principal('seller', 'acme');
    seller = { key: s.key, id: s.principal.id, sellerId: s.principal.sellerId! };
    const product = async (licenseModel: 'license1' | 'license2') =>
      (
        await createProduct(t.db, seller.sellerId, {
          marketplaceProductId: `MP-${randomUUID()}`,
          skuCode: null,
          name: 'Demo',
          licenseModel,
          installCommand: 'true',
          verifyCommand: null,
          installDir: '/opt/demo',
          licensePath: '/opt/demo/license',
          ports: [],
          variables: {},
        })
      ).id;
    products = { license1: await product('license1'), license2: await product('license2') };
  });

  afterAll(async () => {
    await client?.schedule.getHandle(`supervision-reports-${taskQueue}`).delete().catch(noop);
    await stopWorker?.();
    await client?.connection.close();
    await marketplace?.close();
    await t?.close();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  const order = async (model: 'license1' | 'license2') => {
    const ref = await seedOrder(t.db, {
      buyerId: buyer.buyerId,
      sellerId: seller.sellerId,
      productId: products[model],
      model,
    });
    // Where a deployment leaves each model: delivered, waiting for the seller's confirmation.
    await t.db.transaction(async (tx) => {
      if (model === 'license1') {
        await advanceSupervision(tx, ref, 'awaiting_delivery', 'hardware id received');
      } else {
        await advanceSupervision(tx, ref, 'code_claimed', 'code delivered');
        await advanceSupervision(tx, ref, 'activated', 'activated', new Date());
      }
    });
    return ref;
  };
  const view = async (ref: string, key = buyer.key) => {
    const res = await t.call('GET', `/v1/orders/${ref}/supervision`, { key });
    expect(res.status).toBe(200);
    return (await res.json()) as SupervisionView;
  };
  const upload = async (ref: string, body = PDF, type = 'application/pdf') =>
    t.call('POST', `/v1/acceptance-reports?orderId=${ref}&fileName=acceptance.pdf`, {
      key: seller.key,
      body,
      headers: { 'content-type': type },
    });
  const confirm = (ref: string, body: object) =>
    t.call('POST', `/v1/orders/${ref}/supervision/confirm`, { key: seller.key, body });
  const errorCode = async (res: Response) =>
    ((await res.json()) as { error: { code: string } }).error.code;

  it('License 1.0: confirmed, rejected with a reason, delivered again, then accepted when the buyer stays silent', async () => {
    const ref = await order('license1');
    const uploaded = await upload(ref);
    expect(uploaded.status).toBe(201);
    const { sha256 } = (await uploaded.json()) as { sha256: string };
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const early = new Date(Date.now() - 365 * 86_400_000).toISOString();
    for (const activationTime of [future, early]) {
      const res = await confirm(ref, {
        description: 'x',
        activationTime,
        acceptanceReportSha256: sha256,
      });
      expect([res.status, await errorCode(res)]).toEqual([400, 'INVALID_ACTIVATION_TIME']);
    }
    const unknown = await confirm(ref, {
      description: 'x',
      acceptanceReportSha256: 'a'.repeat(64),
    });
    expect([unknown.status, await errorCode(unknown)]).toEqual([
      404,
      'ACCEPTANCE_REPORT_NOT_FOUND',
    ]);

    const first = await confirm(ref, {
      description: 'installed and licensed',
      activationTime: new Date().toISOString(),
      acceptanceReportSha256: sha256,
    });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { state: string }).state).toBe('seller_confirmed');

    const noReason = await t.call('POST', `/v1/orders/${ref}/supervision/reject`, {
      key: buyer.key,
      body: { reason: '' },
    });
    expect(noReason.status).toBe(400);
    const rejected = await t.call('POST', `/v1/orders/${ref}/supervision/reject`, {
      key: buyer.key,
      body: { reason: 'the service does not start' },
    });
    expect([rejected.status, ((await rejected.json()) as { state: string }).state]).toEqual([
      200,
      'rejected',
    ]);
    expect(
      (await t.call('POST', `/v1/orders/${ref}/supervision/redeliver`, { key: seller.key })).status,
    ).toBe(200);
    const again = await confirm(ref, {
      description: 'fixed the service',
      acceptanceReportSha256: sha256,
    });
    expect(again.status).toBe(200);

    // Nobody answers: the window (3 s here) ends in acceptance, then completion.
    await until(
      'automatic acceptance',
      async () => (await view(ref)).state === 'completed',
      60_000,
    );
    const v = await view(ref, seller.key);
    expect(v.history.map((e) => [e.fromState, e.toState, e.actor])).toEqual([
      ['awaiting_hardware_id', 'awaiting_delivery', 'system'],
      ['awaiting_delivery', 'seller_confirmed', seller.id],
      ['seller_confirmed', 'rejected', buyer.id],
      ['rejected', 'awaiting_delivery', seller.id],
      ['awaiting_delivery', 'seller_confirmed', seller.id],
      ['seller_confirmed', 'accepted', 'system'],
      ['accepted', 'completed', 'system'],
    ]);
    expect(v.history[2]!.detail).toEqual({ reason: 'the service does not start' });
    expect(v.confirmation?.description).toBe('fixed the service');
    expect(v.confirmation?.report).toMatchObject({ kind: 'upload', sha256 });

    // The first confirmation's timer also ran out, after the rejection: it accepted nothing.
    const timers = client.workflow.list({
      query: `WorkflowType = 'acceptanceTimer' AND TaskQueue = '${taskQueue}'`,
    });
    const results: unknown[] = [];
    for await (const w of timers) {
      results.push(await client.workflow.getHandle(w.workflowId).result());
    }
    expect(results.map((r) => (r as { accepted: boolean }).accepted).sort()).toEqual([false, true]);

    // The marketplace heard every transition, in order, once each, signed with the shared key.
    await until('every report sent', async () =>
      (await view(ref)).history.every((e) => e.report.reportedAt !== null),
    );
    const heard = marketplace
      .reports()
      .filter(
        (r) =>
          r.body.orderLineId === undefined || v.history.some((e) => e.report.id === r.reportId),
      );
    expect(heard.map((r) => r.state)).toEqual(v.history.map((e) => e.toState));
    expect(heard.map((r) => r.reportId)).toEqual(v.history.map((e) => e.report.id));
    expect(heard.every((r) => r.deliveries === 1)).toBe(true);
    for (const r of heard) {
      const { signature, timestamp, nonce } = r.signature;
      expect(signature).toBe(koogallerySignatureOf(MARKETPLACE_KEY, r.raw, timestamp, nonce));
    }
  });

  it('License 1.0: the buyer accepts; only the order’s buyer and seller act, each in their part', async () => {
    const ref = await order('license1');
    const { sha256 } = (await (await upload(ref)).json()) as { sha256: string };
    // The buyer cannot confirm, the seller cannot accept, another buyer sees nothing.
    const byBuyer = await t.call('POST', `/v1/orders/${ref}/supervision/confirm`, {
      key: buyer.key,
      body: { description: 'x', acceptanceReportSha256: sha256 },
    });
    expect(byBuyer.status).toBe(403);
    expect((await t.call('GET', `/v1/orders/${ref}/supervision`, { key: otherBuyer })).status).toBe(
      404,
    );
    const early = await t.call('POST', `/v1/orders/${ref}/supervision/accept`, { key: buyer.key });
    expect([early.status, await errorCode(early)]).toEqual([409, 'INVALID_STATE_TRANSITION']);

    expect(
      (await confirm(ref, { description: 'done', acceptanceReportSha256: sha256 })).status,
    ).toBe(200);
    // A repeated confirmation answers the first.
    const repeated = await confirm(ref, { description: 'done', acceptanceReportSha256: sha256 });
    expect(repeated.status).toBe(200);
    expect(
      (await t.call('POST', `/v1/orders/${ref}/supervision/accept`, { key: seller.key })).status,
    ).toBe(403);
    const accepted = await t.call('POST', `/v1/orders/${ref}/supervision/accept`, {
      key: buyer.key,
    });
    expect([accepted.status, ((await accepted.json()) as { state: string }).state]).toEqual([
      200,
      'completed',
    ]);
    const v = await view(ref);
    expect(v.history.map((e) => e.toState).slice(-3)).toEqual([
      'seller_confirmed',
      'accepted',
      'completed',
    ]);
    expect(v.history.at(-2)!.actor).toBe(buyer.id);
  });

  it('License 2.0: confirming needs a report, then uploads the proof and completes; reports wait while the marketplace is down', async () => {
    const ref = await order('license2');
    const none = await confirm(ref, { description: 'activated and running' });
    expect([none.status, await errorCode(none)]).toEqual([409, 'ACCEPTANCE_REPORT_REQUIRED']);
    const badType = await upload(ref, 'hello', 'text/plain');
    expect([badType.status, await errorCode(badType)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const { sha256 } = (await (await upload(ref, 'PNG-bytes', 'image/png')).json()) as {
      sha256: string;
    };

    marketplace.setDown(true);
    const res = await confirm(ref, {
      description: 'activated and running',
      acceptanceReportSha256: sha256,
    });
    expect([res.status, ((await res.json()) as { state: string }).state]).toEqual([
      200,
      'completed',
    ]);
    const v = await view(ref);
    expect(v.history.map((e) => e.toState)).toEqual([
      'code_claimed',
      'activated',
      'proof_uploaded',
      'completed',
    ]);
    // Down: sends fail and are counted, nothing is marked sent.
    await until('a failed send', async () => (await view(ref)).history[0]!.report.attempts >= 2);
    expect((await view(ref)).history.every((e) => e.report.reportedAt === null)).toBe(true);
    marketplace.setDown(false);
    await until('every report sent', async () =>
      (await view(ref)).history.every((e) => e.report.reportedAt !== null),
    );
    const ids = new Set(v.history.map((e) => e.report.id));
    const heard = marketplace.reports().filter((r) => ids.has(r.reportId));
    expect(heard.map((r) => r.state)).toEqual([
      'code_claimed',
      'activated',
      'proof_uploaded',
      'completed',
    ]);
    expect(heard.every((r) => r.deliveries === 1)).toBe(true);
    expect(marketplace.refused()).toBe(0);
  });
});
