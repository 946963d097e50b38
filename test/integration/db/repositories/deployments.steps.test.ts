import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../helpers/databases.js';
import type { Database } from '../../../../src/db/sql.js';
import { newId } from '../../../../src/db/ids.js';
import { createPrincipal } from '../../../../src/db/repositories/principals.js';
import { createProduct } from '../../../../src/db/repositories/products.js';
import {
  beginStepAttempt,
  endStep,
  failRunningSteps,
  getDeployment,
  insertOrGetActiveDeployment,
  listSteps,
} from '../../../../src/db/repositories/deployments.js';
import { seedOrder } from '../../../helpers/deploy.js';

/**
 * Step recording answers the steps each statement ended, so the step-duration metric observes
 * every end once, from the statement that made it, without reading the steps again.
 */
describe.each(databaseKinds)('deployment step recording on %s', (kind) => {
  let db: Database;
  let id: string;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
    const seller = await createPrincipal(db, { role: 'seller', name: 'Steps seller' });
    const buyer = await createPrincipal(db, { role: 'buyer', name: 'Steps buyer' });
    const product = await createProduct(db, seller.sellerId!, {
      marketplaceProductId: `MP-${newId('x')}`,
      skuCode: 'SKU-1',
      name: 'Steps DB',
      licenseModel: 'license2',
      installCommand: 'true',
      verifyCommand: 'true',
      installDir: '/opt/x',
      licensePath: '/opt/x/license',
      ports: [],
      variables: {},
    });
    const orderRef = await seedOrder(db, {
      sellerId: seller.sellerId!,
      buyerId: buyer.buyerId!,
      productId: product.id,
    });
    id = newId('dep');
    await insertOrGetActiveDeployment(db, {
      id,
      orderRef,
      workflowId: `deploy-${orderRef}`,
      request: { deploymentId: id, orderRef, choices: {} } as never,
    });
  });
  afterEach(async () => {
    await db.close();
  });

  it('opening a step answers the running step it closed, and nothing the second time', async () => {
    expect(await beginStepAttempt(db, id, 'ssh', 1)).toEqual([]);
    const closed = await beginStepAttempt(db, id, 'push', 1, { step: 'ssh', logTail: 'key' });
    expect(closed.map((c) => [c.step, c.status])).toEqual([['ssh', 'succeeded']]);
    // A later activity carrying the same `previous` closes nothing: ssh's end is observed once.
    expect(await beginStepAttempt(db, id, 'push', 2, { step: 'ssh', logTail: 'key' })).toEqual([]);
    // The one statement still moved the deployment, opened the step and kept the tail.
    expect((await getDeployment(db, id))?.state).toBe('push');
    const steps = await listSteps(db, id);
    expect(steps.map((s) => [s.step, s.status, s.attempts, s.logTail])).toEqual([
      ['ssh', 'succeeded', 1, 'key'],
      ['push', 'running', 2, null],
    ]);
    expect(closed[0]!.durationMs).toBe(
      Date.parse(steps[0]!.endedAt!) - Date.parse(steps[0]!.startedAt),
    );
  });

  it('an attempt naming its own step as the one before reopens it and closes nothing', async () => {
    await beginStepAttempt(db, id, 'push', 1);
    expect(await beginStepAttempt(db, id, 'push', 2, { step: 'push', logTail: 'x' })).toEqual([]);
    const [push] = await listSteps(db, id);
    expect(push).toMatchObject({ step: 'push', status: 'running', attempts: 2 });
  });

  it('ending a step answers it with its duration from its first attempt', async () => {
    await beginStepAttempt(db, id, 'install', 1);
    await beginStepAttempt(db, id, 'install', 2);
    const [ended, ...rest] = await endStep(db, id, 'install', { status: 'failed', attempts: 2 });
    expect(rest).toEqual([]);
    expect(ended).toMatchObject({ step: 'install', status: 'failed' });
    const [row] = await listSteps(db, id);
    expect(ended!.durationMs).toBe(Date.parse(row!.endedAt!) - Date.parse(row!.startedAt));
  });

  it('failing the running steps answers those it closed, not the ended ones', async () => {
    await beginStepAttempt(db, id, 'ssh', 1);
    await beginStepAttempt(db, id, 'push', 1, { step: 'ssh', logTail: 'key' });
    const closed = await failRunningSteps(db, id, 'CANCELLED: cancelled');
    expect(closed.map((c) => [c.step, c.status])).toEqual([['push', 'failed']]);
    expect(await failRunningSteps(db, id, 'again')).toEqual([]);
  });
});
