import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLicense } from '../../../src/db/repositories/licenses.js';
import { getOrder, listSupervisionEvents } from '../../../src/db/repositories/orders.js';
import { createEvidenceService } from '../../../src/evidence/evidence-service.js';
import { advanceSupervision } from '../../../src/license/supervision.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import { decommissionWorkflowId } from '../../../workflows/decommission.js';
import { seedOrder, seedProduct } from '../../helpers/deploy.js';
import { startDeploymentStack, type DeploymentStack } from '../../helpers/deployment-stack.js';
import { until } from '../../helpers/oneclick-process.js';

const PASSWORD = 'Decomm1ssion!pw';

/**
 * The end of an order on a real deployment: the seller confirms completion with OneClick's
 * evidence as the report, then the marketplace unsubscribes: the decommission workflow releases
 * the license, deletes what the deployment created and keeps the evidence. Unsubscribing while a
 * deployment runs cancels it first, and it compensates.
 */
describe('decommission', () => {
  let stack: DeploymentStack;
  let reportsDir: string;
  let buyerKey: string;
  let buyerId: string;
  let sellerKey: string;
  let sellerId: string;

  beforeAll(async () => {
    reportsDir = mkdtempSync(path.join(tmpdir(), 'oneclick-decommission-'));
    stack = await startDeploymentStack({
      appDeps: (db, license) => ({
        evidence: createEvidenceService({ db, license, issuer: 'http://oneclick.test' }),
        packageStore: createDirectoryPackageStore(reportsDir),
        expiryGraceMs: 3_000,
      }),
    });
    const buyer = await stack.t.principal('buyer', 'dc-buyer');
    buyerKey = buyer.key;
    buyerId = buyer.principal.buyerId!;
    const seller = await stack.t.principal('seller', 'dc-seller');
    sellerKey = seller.key;
    sellerId = seller.principal.sellerId!;
  });
  afterAll(async () => {
    await stack?.stop();
    if (reportsDir) rmSync(reportsDir, { recursive: true, force: true });
  });

  const unsubscribe = async (orderRef: string) => {
    const order = (await getOrder(stack.t.db, orderRef))!;
    const res = await stack.t.marketplace('unsubscribed', {
      orderId: order.orderId,
      orderLineId: order.orderLineId,
    });
    expect(res.status).toBe(201);
    return stack.client.workflow.getHandle(decommissionWorkflowId(orderRef)).result() as Promise<{
      cancelledDeployment: boolean;
      licenseId?: string;
      deleted: number;
    }>;
  };

  it('after delivery and confirmation: releases the license, deletes what was created, keeps the evidence', async () => {
    const product = await seedProduct(stack.t.db, stack.store, sellerId);
    const orderRef = await seedOrder(stack.t.db, { buyerId, sellerId, productId: product.id });
    const { result } = await stack.deploy(orderRef, buyerKey, PASSWORD);
    expect(stack.cloud.inventory().servers.map((s) => s.id)).toContain(result.serverId);
    // The seller's software activates the code (as through the open API).
    await stack.t.db.transaction((tx) =>
      advanceSupervision(tx, orderRef, 'activated', 'activated', new Date()),
    );

    // Confirming without an upload hands over OneClick's signed evidence as the report.
    const confirmed = await stack.t.call('POST', `/v1/orders/${orderRef}/supervision/confirm`, {
      key: sellerKey,
      body: { description: 'deployed by OneClick, activated' },
    });
    expect(confirmed.status).toBe(200);
    const view = (await (
      await stack.t.call('GET', `/v1/orders/${orderRef}/supervision`, { key: buyerKey })
    ).json()) as { state: string; confirmation: { report: { kind: string; sha256: string } } };
    expect(view.state).toBe('completed');
    expect(view.confirmation.report.kind).toBe('generated-evidence');
    expect(view.confirmation.report.sha256).toMatch(/^[0-9a-f]{64}$/);

    const done = await unsubscribe(orderRef);
    expect(done).toMatchObject({ cancelledDeployment: false, licenseId: result.licenseId });
    expect(done.deleted).toBe(4);
    const inv = stack.cloud.inventory();
    expect(inv.servers.filter((s) => s.id === result.serverId)).toEqual([]);
    expect(inv.vpcs.filter((v) => v.name.includes(result.deploymentId))).toEqual([]);
    expect((await findLicense(stack.t.db, 'id', result.licenseId))?.status).toBe('RELEASED');
    const order = await getOrder(stack.t.db, orderRef);
    const notes = (await listSupervisionEvents(stack.t.db, order!.supervision.id)).map(
      (e) => e.note,
    );
    expect(notes.at(-1)).toMatch(/^decommissioned \(unsubscribed\).*4 resource\(s\) deleted/);
    // The evidence stays.
    const evidence = await stack.t.call(
      'GET',
      `/v1/orders/${orderRef}/deployments/current/evidence`,
      {
        key: buyerKey,
      },
    );
    expect(evidence.status).toBe(200);
    // A second notice is the same decommission.
    const again = await stack.t.marketplace('unsubscribed', {
      orderId: order!.orderId,
      orderLineId: order!.orderLineId,
    });
    expect(again.status).toBe(200);
  });

  it('during a running deployment: cancels it, which compensates, and leaves nothing behind', async () => {
    const product = await seedProduct(stack.t.db, stack.store, sellerId, {
      installCommand: 'sleep 600',
    });
    const orderRef = await seedOrder(stack.t.db, { buyerId, sellerId, productId: product.id });
    const res = await stack.t.call('POST', `/v1/orders/${orderRef}/deployments`, {
      key: buyerKey,
      body: {
        server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
        adminPassword: PASSWORD,
      },
    });
    expect(res.status).toBe(201);
    const { id: deploymentId } = (await res.json()) as { id: string };
    await until('the installer running', async () => {
      const d = (await (
        await stack.t.call('GET', `/v1/orders/${orderRef}/deployments/current`, { key: buyerKey })
      ).json()) as { steps: { step: string; status: string }[] };
      return d.steps.some((s) => s.step === 'install' && s.status === 'running');
    });
    const done = await unsubscribe(orderRef);
    expect(done.cancelledDeployment).toBe(true);
    expect(done.deleted).toBe(0);
    const d = (await (
      await stack.t.call('GET', `/v1/orders/${orderRef}/deployments/current`, { key: buyerKey })
    ).json()) as { state: string };
    expect(d.state).toBe('cancelled');
    const inv = stack.cloud.inventory();
    expect(inv.servers.filter((s) => s.tags.some((t) => t.value === deploymentId))).toEqual([]);
    expect(inv.vpcs.filter((v) => v.name.includes(deploymentId))).toEqual([]);
  });

  it('on expiry waits out the grace, and a renewal within it keeps the order as it is', async () => {
    const product = await seedProduct(stack.t.db, stack.store, sellerId);
    const orderRef = await seedOrder(stack.t.db, { buyerId, sellerId, productId: product.id });
    const { result } = await stack.deploy(orderRef, buyerKey, PASSWORD);
    const order = (await getOrder(stack.t.db, orderRef))!;
    const ids = { orderId: order.orderId, orderLineId: order.orderLineId };
    expect((await stack.t.marketplace('expired', ids)).status).toBe(201);
    const handle = stack.client.workflow.getHandle(decommissionWorkflowId(orderRef));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const renewed = await stack.t.marketplace('renewed', {
      ...ids,
      orderId: `${order.orderId}-R1`,
      expireTime: '20301124000000',
    });
    expect(renewed.status).toBe(201);
    await until('the decommission cancelled', async () =>
      ['CANCELLED'].includes((await handle.describe()).status.name),
    );
    expect(stack.cloud.inventory().servers.map((s) => s.id)).toContain(result.serverId);
    expect((await findLicense(stack.t.db, 'id', result.licenseId))?.status).not.toBe('RELEASED');

    // Expired again, and nobody renews: after the grace the order is decommissioned.
    expect(
      (await stack.t.marketplace('expired', { ...ids, orderId: `${order.orderId}-E2` })).status,
    ).toBeLessThan(300);
    const done = (await stack.client.workflow
      .getHandle(decommissionWorkflowId(orderRef))
      .result()) as { deleted: number };
    expect(done.deleted).toBe(4);
    expect(stack.cloud.inventory().servers.map((s) => s.id)).not.toContain(result.serverId);
  });
});
