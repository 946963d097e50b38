import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../../src/db/ids.js';
import { readAudit } from '../../../../src/db/repositories/audit-log.js';
import {
  beginStepAttempt,
  endStep,
  finishDeployment,
  insertOrGetActiveDeployment,
} from '../../../../src/db/repositories/deployments.js';
import type { NetworkChoices } from '../../../../src/domain/deployment.js';
import { createSqlHostKeyPins, type HostKeyPins } from '../../../../src/ssh/host-key.js';
import { databaseKinds } from '../../../helpers/databases.js';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { seedOrder } from '../../../helpers/deploy.js';

/**
 * The buyer resets the SSH host key pinned for their deployment's server (they rebuilt it):
 * DELETE /v1/orders/{id}/deployments/current/host-key. Deployments are recorded rows here, as
 * the workflow's activities write them; no workflow runs.
 */
describe.each(databaseKinds)('host-key reset route on %s', (kind) => {
  let t: TestApp;
  let pins: HostKeyPins;
  let buyer: { key: string; id: string };
  let otherBuyer: string;
  let seller: string;
  let operator: { key: string; id: string };
  let ids: { buyerId: string; sellerId: string; productId: string };

  beforeAll(async () => {
    t = await startTestApp(kind);
    pins = createSqlHostKeyPins(t.db);
    const b = await t.principal('buyer', 'alice');
    buyer = { key: b.key, id: b.principal.id };
    otherBuyer = (await t.principal('buyer', 'mallory')).key;
    const s = await t.principal('seller', 'acme');
    seller = s.key;
    const op = await t.principal('operator');
    operator = { key: op.key, id: op.principal.id };
    const productId = newId('prd');
    await t.db.query(
      `insert into products (id, seller_id, marketplace_product_id, name, license_model,
         install_command, license_path)
       values ($1, $2, $3, 'Demo', 'license2', 'true', '/opt/demo/license.key')`,
      [productId, s.principal.sellerId, `MP-${productId}`],
    );
    ids = { buyerId: b.principal.buyerId!, sellerId: s.principal.sellerId!, productId };
  });
  afterAll(async () => {
    await t?.close();
  });

  const reset = (key: string, orderRef: string) =>
    t.call('DELETE', `/v1/orders/${orderRef}/deployments/current/host-key`, { key });
  const codeOf = async (res: Response) =>
    ((await res.json()) as { error: { code: string } }).error.code;

  /** A deployment of the order as its activities record it, ended in `state`. */
  async function recordDeployment(
    orderRef: string,
    server: NetworkChoices['server'],
    o: { serverStep?: string; state?: 'succeeded' | 'failed'; minutesAgo?: number } = {},
  ): Promise<string> {
    const deploymentId = newId('dep');
    await insertOrGetActiveDeployment(t.db, {
      id: deploymentId,
      orderRef,
      workflowId: `deploy-${orderRef}`,
      request: {
        deploymentId,
        orderRef,
        choices: {
          vpc: { cidr: '192.168.0.0/16' },
          subnet: { cidr: '192.168.1.0/24', gatewayIp: '192.168.1.1' },
          securityGroup: { create: true },
          server,
        },
      },
    });
    if (o.serverStep !== undefined) {
      await beginStepAttempt(t.db, deploymentId, 'server', 1);
      await endStep(t.db, deploymentId, 'server', { status: 'succeeded', logTail: o.serverStep });
    }
    await finishDeployment(t.db, deploymentId, { state: o.state ?? 'succeeded' });
    if (o.minutesAgo !== undefined) {
      await t.db.query(
        `update deployments set created_at = now() - make_interval(mins => $2) where id = $1`,
        [deploymentId, o.minutesAgo],
      );
    }
    return deploymentId;
  }

  it('forgets the pin of the server the deployment created, answers 204 and audits it', async () => {
    const orderRef = await seedOrder(t.db, ids);
    const serverId = `ecs-${newId('x')}`;
    const deploymentId = await recordDeployment(
      orderRef,
      { imageRef: 'img-1', flavorRef: 's6.small.1' },
      { serverStep: `server ${serverId} ACTIVE at 192.168.1.10` },
    );
    await pins.pinIfAbsent(serverId, 'SHA256:before-rebuild');
    const res = await reset(buyer.key, orderRef);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(await pins.get(serverId)).toBeUndefined();
    // The next SSH contact pins the rebuilt server's key.
    expect(await pins.pinIfAbsent(serverId, 'SHA256:after-rebuild')).toBe('SHA256:after-rebuild');
    expect(await readAudit(t.db, serverId)).toMatchObject([
      {
        actor: `buyer:${buyer.id}`,
        action: 'host_key.reset',
        subject: serverId,
        data: { orderRef, deploymentId, fingerprint: 'SHA256:before-rebuild' },
      },
    ]);
  });

  it("forgets the pin of the buyer's own server, named in the deployment's request", async () => {
    const orderRef = await seedOrder(t.db, ids);
    const serverId = `srv-${newId('x')}`;
    await recordDeployment(orderRef, { existingId: serverId });
    await pins.pinIfAbsent(serverId, 'SHA256:old');
    expect((await reset(buyer.key, orderRef)).status).toBe(204);
    expect(await pins.get(serverId)).toBeUndefined();
  });

  it('resets the server of the newest deployment that reached one', async () => {
    const orderRef = await seedOrder(t.db, ids);
    const older = `ecs-${newId('x')}`;
    const newer = `ecs-${newId('x')}`;
    await recordDeployment(
      orderRef,
      { imageRef: 'img-1', flavorRef: 's6.small.1' },
      { serverStep: `server ${older} ACTIVE at 192.168.1.10`, state: 'failed', minutesAgo: 30 },
    );
    await recordDeployment(
      orderRef,
      { imageRef: 'img-1', flavorRef: 's6.small.1' },
      { serverStep: `server ${newer} ACTIVE at 192.168.1.11`, minutesAgo: 20 },
    );
    // A later deployment that failed before its server does not hide the delivered one.
    await recordDeployment(
      orderRef,
      { imageRef: 'img-1', flavorRef: 's6.small.1' },
      { state: 'failed', minutesAgo: 10 },
    );
    await pins.pinIfAbsent(older, 'SHA256:older');
    await pins.pinIfAbsent(newer, 'SHA256:newer');
    expect((await reset(buyer.key, orderRef)).status).toBe(204);
    expect(await pins.get(newer)).toBeUndefined();
    expect(await pins.get(older)).toBe('SHA256:older');
  });

  it("answers 404 for another buyer's order and leaves the pin", async () => {
    const orderRef = await seedOrder(t.db, ids);
    const serverId = `srv-${newId('x')}`;
    await recordDeployment(orderRef, { existingId: serverId });
    await pins.pinIfAbsent(serverId, 'SHA256:kept');
    const res = await reset(otherBuyer, orderRef);
    expect(res.status).toBe(404);
    expect(await codeOf(res)).toBe('NOT_FOUND');
    expect((await reset(otherBuyer, 'ord_doesnotexist')).status).toBe(404);
    expect(await pins.get(serverId)).toBe('SHA256:kept');
    expect(await readAudit(t.db, serverId)).toEqual([]);
  });

  it("answers 403 to the order's seller and leaves the pin", async () => {
    const orderRef = await seedOrder(t.db, ids);
    const serverId = `srv-${newId('x')}`;
    await recordDeployment(orderRef, { existingId: serverId });
    await pins.pinIfAbsent(serverId, 'SHA256:kept');
    const res = await reset(seller, orderRef);
    expect(res.status).toBe(403);
    expect(await codeOf(res)).toBe('FORBIDDEN');
    expect(await pins.get(serverId)).toBe('SHA256:kept');
  });

  it('lets an operator reset, audited as the operator', async () => {
    const orderRef = await seedOrder(t.db, ids);
    const serverId = `srv-${newId('x')}`;
    await recordDeployment(orderRef, { existingId: serverId });
    await pins.pinIfAbsent(serverId, 'SHA256:old');
    expect((await reset(operator.key, orderRef)).status).toBe(204);
    expect(await pins.get(serverId)).toBeUndefined();
    expect(await readAudit(t.db, serverId)).toMatchObject([
      { actor: `operator:${operator.id}`, action: 'host_key.reset' },
    ]);
  });

  it('answers 404 NO_DEPLOYMENT when no deployment of the order reached a server', async () => {
    const orderRef = await seedOrder(t.db, ids);
    const none = await reset(buyer.key, orderRef);
    expect(none.status).toBe(404);
    expect(await codeOf(none)).toBe('NO_DEPLOYMENT');
    await recordDeployment(
      orderRef,
      { imageRef: 'img-1', flavorRef: 's6.small.1' },
      {
        state: 'failed',
      },
    );
    const serverless = await reset(buyer.key, orderRef);
    expect(serverless.status).toBe(404);
    expect(await codeOf(serverless)).toBe('NO_DEPLOYMENT');
  });
});
