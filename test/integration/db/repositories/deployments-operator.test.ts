import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../helpers/databases.js';
import type { Database } from '../../../../src/db/sql.js';
import { newId } from '../../../../src/db/ids.js';
import { createPrincipal } from '../../../../src/db/repositories/principals.js';
import { createProduct } from '../../../../src/db/repositories/products.js';
import {
  beginStepAttempt,
  endStep,
  finishDeployment,
  insertOrGetActiveDeployment,
  setDeploymentRunId,
} from '../../../../src/db/repositories/deployments.js';
import {
  deploymentsByRunIds,
  listRecordedDeployments,
  type RecordedDeploymentFilter,
} from '../../../../src/db/repositories/deployments-operator.js';
import type { DeploymentStep } from '../../../../src/domain/deployment.js';
import { seedOrder } from '../../../helpers/deploy.js';

describe.each(databaseKinds)('operator deployments repository on %s', (kind) => {
  let db: Database;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
  });
  afterEach(async () => {
    await db.close();
  });

  async function sellerProduct(name: string) {
    const seller = await createPrincipal(db, { role: 'seller', name });
    const product = await createProduct(db, seller.sellerId!, {
      marketplaceProductId: `MP-${newId('x')}`,
      skuCode: 'SKU-1',
      name: `${name} DB`,
      licenseModel: 'license2',
      installCommand: 'true',
      verifyCommand: 'true',
      installDir: '/opt/x',
      licensePath: '/opt/x/license',
      ports: [],
      variables: {},
    });
    return { sellerId: seller.sellerId!, productId: product.id };
  }

  /** A deployment of a new order that went through `steps` and, when given, ended so. */
  async function deployment(
    owner: { sellerId: string; productId: string; buyerId: string },
    steps: DeploymentStep[],
    end?: { state: 'succeeded' | 'failed' | 'cancelled'; code?: string; message?: string },
  ) {
    const orderRef = await seedOrder(db, owner);
    const id = newId('dep');
    await insertOrGetActiveDeployment(db, {
      id,
      orderRef,
      workflowId: `deploy-${orderRef}`,
      request: { deploymentId: id, orderRef, choices: {} } as never,
    });
    let previous: DeploymentStep | undefined;
    for (const [i, step] of steps.entries()) {
      await beginStepAttempt(
        db,
        id,
        step,
        1,
        previous ? { step: previous, logTail: 'ok' } : undefined,
      );
      // The step the run stopped at was tried twice.
      if (i === steps.length - 1) await beginStepAttempt(db, id, step, 2);
      previous = step;
    }
    if (end) {
      if (previous) {
        await endStep(db, id, previous, {
          status: end.state === 'succeeded' ? 'succeeded' : 'failed',
        });
      }
      await finishDeployment(db, id, end);
    }
    return { id, orderRef };
  }

  async function world() {
    const buyer = await createPrincipal(db, {
      role: 'buyer',
      name: 'B',
      marketplaceCustomerId: 'cust-b',
    });
    const acme = { ...(await sellerProduct('Acme')), buyerId: buyer.buyerId! };
    const zeta = { ...(await sellerProduct('Zeta')), buyerId: buyer.buyerId! };
    const delivered = await deployment(acme, ['requested', 'network', 'server', 'report'], {
      state: 'succeeded',
    });
    const failed = await deployment(acme, ['requested', 'network', 'server', 'install'], {
      state: 'failed',
      code: 'INSTALL_FAILED',
      message: 'installer exited 1',
    });
    const running = await deployment(zeta, ['requested', 'network', 'server', 'push']);
    const fresh = await deployment(zeta, []);
    const refused = await deployment(zeta, [], { state: 'failed', code: 'ORDER_ALREADY_DEPLOYED' });
    return { acme, zeta, delivered, failed, running, fresh, refused };
  }

  const ids = async (filter: RecordedDeploymentFilter) =>
    (await listRecordedDeployments(db, filter, { limit: 50 })).items.map((d) => d.id);

  it('lists every deployment newest first with its seller, product, status and the step it is at or ended at', async () => {
    const w = await world();
    const page = await listRecordedDeployments(db, {}, { limit: 50 });
    expect(page.next).toBeUndefined();
    expect(page.items.map((d) => d.id)).toEqual([
      w.refused.id,
      w.fresh.id,
      w.running.id,
      w.failed.id,
      w.delivered.id,
    ]);
    const byId = new Map(page.items.map((d) => [d.id, d]));
    expect(byId.get(w.failed.id)).toMatchObject({
      orderRef: w.failed.orderRef,
      workflowId: `deploy-${w.failed.orderRef}`,
      state: 'failed',
      status: 'failed',
      step: 'install',
      stepAttempts: 2,
      failure: { code: 'INSTALL_FAILED', message: 'installer exited 1' },
      sellerId: w.acme.sellerId,
      sellerName: 'Acme',
      productId: w.acme.productId,
      productName: 'Acme DB',
    });
    expect(byId.get(w.failed.id)?.finishedAt).not.toBeNull();
    expect(byId.get(w.delivered.id)).toMatchObject({ status: 'succeeded', step: 'report' });
    expect(byId.get(w.running.id)).toMatchObject({
      state: 'push',
      status: 'running',
      step: 'push',
      stepAttempts: 2,
      failure: null,
      finishedAt: null,
    });
    // Running before any step record: at the state it was created in.
    expect(byId.get(w.fresh.id)).toMatchObject({
      status: 'running',
      step: 'requested',
      stepAttempts: null,
    });
    // Ended before any step began.
    expect(byId.get(w.refused.id)).toMatchObject({ status: 'failed', step: null });
  });

  it('filters by status, step (where it is or where it ended), seller, product and order, together', async () => {
    const w = await world();
    expect(await ids({ status: 'running' })).toEqual([w.fresh.id, w.running.id]);
    expect(await ids({ status: 'failed' })).toEqual([w.refused.id, w.failed.id]);
    expect(await ids({ status: 'cancelled' })).toEqual([]);
    expect(await ids({ step: 'install' })).toEqual([w.failed.id]);
    expect(await ids({ step: 'push' })).toEqual([w.running.id]);
    expect(await ids({ step: 'report' })).toEqual([w.delivered.id]);
    expect(await ids({ step: 'requested' })).toEqual([w.fresh.id]);
    expect(await ids({ step: 'network' })).toEqual([]);
    expect(await ids({ sellerId: w.acme.sellerId })).toEqual([w.failed.id, w.delivered.id]);
    expect(await ids({ productId: w.zeta.productId, status: 'running' })).toEqual([
      w.fresh.id,
      w.running.id,
    ]);
    expect(await ids({ orderId: w.failed.orderRef })).toEqual([w.failed.id]);
    expect(await ids({ sellerId: w.acme.sellerId, status: 'failed', step: 'install' })).toEqual([
      w.failed.id,
    ]);
    expect(await ids({ sellerId: w.zeta.sellerId, step: 'install' })).toEqual([]);
    expect(await ids({ sellerId: 'sel_nobody' })).toEqual([]);
  });

  it('pages newest first without skipping or repeating deployments that share a created_at', async () => {
    const w = await world();
    await db.query(`update deployments set created_at = '2026-05-01T10:00:00.123456Z'`);
    const all = await ids({});
    expect(all).toEqual([...all].sort().reverse());
    const seen: string[] = [];
    let after: { at: string; id: string } | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await listRecordedDeployments(db, {}, { limit: 2, ...(after && { after }) });
      seen.push(...page.items.map((d) => d.id));
      after = page.next;
      if (!after) break;
    }
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(5);
    // A filter pages the same way.
    const first = await listRecordedDeployments(db, { sellerId: w.zeta.sellerId }, { limit: 2 });
    expect(first.items).toHaveLength(2);
    const rest = await listRecordedDeployments(
      db,
      { sellerId: w.zeta.sellerId },
      { limit: 2, after: first.next! },
    );
    expect([...first.items, ...rest.items].map((d) => d.id)).toEqual(
      await ids({ sellerId: w.zeta.sellerId }),
    );
    expect(rest.items).toHaveLength(1);
    expect(rest.next).toBeUndefined();
  });

  it('finds the deployments of workflow runs by run id', async () => {
    const w = await world();
    await setDeploymentRunId(db, w.failed.id, 'run-1');
    const found = await deploymentsByRunIds(db, ['run-1', 'run-unknown']);
    expect([...found]).toEqual([
      ['run-1', { id: w.failed.id, orderRef: w.failed.orderRef, state: 'failed' }],
    ]);
    expect((await deploymentsByRunIds(db, [])).size).toBe(0);
  });
});
