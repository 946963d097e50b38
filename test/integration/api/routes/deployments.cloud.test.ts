import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { newId } from '../../../../src/db/ids.js';
import {
  createCloudAccountSource,
  insertCloudAccount,
} from '../../../../src/db/repositories/cloud-accounts.js';
import { createCloudConnector } from '../../../../src/cloud/connector.js';
import type { DeployLicenseInput } from '../../../../src/domain/deployment.js';
import { createTemporalGateway } from '../../../../src/temporal/gateway/index.js';
import type { Keyring } from '../../../../src/crypto/keyring.js';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { seedOrder, testKeyring } from '../../../helpers/deploy.js';

/**
 * Start Deployment's cloud choices (issue 12): the linked account and region, an elastic IP and
 * the availability zone of a new server. The refusals reach no workflow; the accepted request is
 * started on a task queue nobody polls and read back from the deployment's record.
 */
describe("deployment routes: the buyer's cloud account, region, EIP and zone", () => {
  let t: TestApp;
  let client: Client;
  let keyring: Keyring;
  let buyer: string;
  let buyerId: string;
  let buyerPrincipal: string;
  let otherBuyer: { id: string; principal: string };
  let ids: { buyerId: string; sellerId: string; productId: string };
  const workflows: string[] = [];

  beforeAll(async () => {
    client = new Client({
      connection: await Connection.connect({ address: inject('temporalAddress') }),
      namespace: inject('temporalNamespace'),
    });
    keyring = testKeyring();
    t = await startTestApp('pglite', (db) => ({
      secretsKeyring: keyring,
      temporal: createTemporalGateway(client, `nobody-polls-${randomUUID()}`),
      // Start Deployment reads only its default region: these tests make no cloud call.
      cloud: createCloudConnector({
        own: { ak: 'UNUSEDACCESSKEY00000', sk: 'unused' },
        defaultRegion: 'cn-south-1',
        accounts: createCloudAccountSource(db, keyring),
      }),
    }));
    const b = await t.principal('buyer', 'alice');
    buyer = b.key;
    buyerId = b.principal.buyerId!;
    buyerPrincipal = b.principal.id;
    const o = await t.principal('buyer', 'mallory');
    otherBuyer = { id: o.principal.buyerId!, principal: o.principal.id };
    const s = await t.principal('seller', 'acme');
    const productId = newId('prd');
    await t.db.query(
      `insert into products (id, seller_id, marketplace_product_id, name, license_model,
         install_command, license_path)
       values ($1, $2, $3, 'Demo', 'license2', 'true', '/opt/demo/license.key')`,
      [productId, s.principal.sellerId, `MP-${productId}`],
    );
    await t.db.query(
      `insert into packages (id, product_id, seller_id, sha256, size_bytes, storage_key, file_name)
       values ($1, $2, $3, $4, 1, $5, 'demo.tar')`,
      [newId('pkg'), productId, s.principal.sellerId, 'a'.repeat(64), `sha256/${'a'.repeat(64)}`],
    );
    ids = { buyerId, sellerId: s.principal.sellerId!, productId };
  });
  afterAll(async () => {
    for (const id of workflows) {
      await client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    }
    await client?.connection.close();
    await t?.close();
  });

  const link = (owner: { id: string; principal: string }, name: string) =>
    insertCloudAccount(t.db, keyring, {
      buyerId: owner.id,
      createdBy: owner.principal,
      name,
      secret: { kind: 'agency', domainName: 'buyer_corp', agencyName: 'oneclick' },
      region: 'cn-north-4',
      projectId: 'e'.repeat(32),
    });
  const newServer = { imageRef: 'img-1', flavorRef: 's6.small.1' };
  const post = (body: unknown, ref: string) =>
    t.call('POST', `/v1/orders/${ref}/deployments`, { key: buyer, body });
  const errorOf = async (res: Response) =>
    ((await res.json()) as { error: { code: string; message: string } }).error;

  async function deploymentsOf(ref: string): Promise<number> {
    return (await t.db.query('select id from deployments where order_id = $1', [ref])).length;
  }

  it.each([
    ['a bandwidth of 0', { bandwidthSize: 0, chargeMode: 'traffic' }, 'at least 1'],
    ['a bandwidth over 2000', { bandwidthSize: 2001, chargeMode: 'traffic' }, 'at most 2000'],
    ['a fractional bandwidth', { bandwidthSize: 1.5, chargeMode: 'bandwidth' }, 'whole number'],
    ['an unknown charging mode', { bandwidthSize: 5, chargeMode: 'prepaid' }, 'chargeMode'],
    ['no charging mode', { bandwidthSize: 5 }, 'chargeMode'],
    ['an unknown field', { bandwidthSize: 5, chargeMode: 'traffic', ipType: '5_bgp' }, 'ipType'],
  ])('answers 400 VALIDATION_FAILED to an EIP with %s', async (_what, publicIp, says) => {
    const ref = await seedOrder(t.db, ids);
    const res = await post({ server: newServer, publicIp }, ref);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(says);
    expect(await deploymentsOf(ref)).toBe(0);
  });

  it("answers 400 PUBLIC_IP_NEEDS_NEW_SERVER to an EIP for the buyer's existing server", async () => {
    const ref = await seedOrder(t.db, ids);
    const res = await post(
      {
        server: { existingId: 'srv-1' },
        adminPassword: 'Buyer!pass-42',
        publicIp: { bandwidthSize: 5, chargeMode: 'traffic' },
      },
      ref,
    );
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('PUBLIC_IP_NEEDS_NEW_SERVER');
    expect(await deploymentsOf(ref)).toBe(0);
    expect(
      await t.db.query('select id from secrets where purpose = $1', ['ecs-admin-pass']),
    ).toEqual([]);
  });

  it.each([
    ['a region that is no region name', { cloud: { region: 'Mars 1' } }],
    ['an unknown field in cloud', { cloud: { region: 'cn-north-4', projectId: 'p' } }],
    ['an empty account id', { cloud: { accountId: '' } }],
    ['a zone name with a slash', { server: { ...newServer, availabilityZone: 'cn/north' } }],
    ['a zone for the existing server', { server: { existingId: 's', availabilityZone: 'az1' } }],
  ])('answers 400 VALIDATION_FAILED to %s', async (_what, extra) => {
    const ref = await seedOrder(t.db, ids);
    const res = await post({ server: newServer, ...extra }, ref);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('VALIDATION_FAILED');
    expect(await deploymentsOf(ref)).toBe(0);
  });

  it("answers 404 CLOUD_ACCOUNT_NOT_FOUND for another buyer's account or an unknown one", async () => {
    const theirs = await link(otherBuyer, 'theirs');
    for (const accountId of [theirs.id, 'cla_doesnotexist']) {
      const ref = await seedOrder(t.db, ids);
      const res = await post({ server: newServer, cloud: { accountId } }, ref);
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('CLOUD_ACCOUNT_NOT_FOUND');
      expect(await deploymentsOf(ref)).toBe(0);
    }
  });

  it('answers 400 CLOUD_REGION_UNKNOWN to a well-formed region no endpoint serves, before anything starts', async () => {
    const ref = await seedOrder(t.db, ids);
    const res = await post({ server: newServer, cloud: { region: 'xx-nowhere-9' } }, ref);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('CLOUD_REGION_UNKNOWN');
    expect(await deploymentsOf(ref)).toBe(0);
  });

  it("answers 400 CLOUD_ACCOUNT_REQUIRED, for the start and the form's lists, where OneClick's own account is not for buyers", async () => {
    t.deps.ownAccountForBuyers = false;
    try {
      const ref = await seedOrder(t.db, ids);
      const res = await post({ server: newServer }, ref);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('CLOUD_ACCOUNT_REQUIRED');
      expect(await deploymentsOf(ref)).toBe(0);
      const listed = await t.call('GET', '/v1/cloud/vpcs', { key: buyer });
      expect(listed.status).toBe(400);
      expect((await errorOf(listed)).code).toBe('CLOUD_ACCOUNT_REQUIRED');
    } finally {
      t.deps.ownAccountForBuyers = undefined;
    }
  });

  it('starts the deployment in the chosen account and region with its EIP and zone, and shows where', async () => {
    const mine = await link({ id: buyerId, principal: buyerPrincipal }, 'mine');
    const ref = await seedOrder(t.db, ids);
    const res = await post(
      {
        server: { ...newServer, availabilityZone: 'cn-east-3a' },
        publicIp: { bandwidthSize: 10, chargeMode: 'bandwidth' },
        cloud: { accountId: mine.id, region: 'cn-east-3' },
      },
      ref,
    );
    expect(res.status).toBe(201);
    const shown = (await res.json()) as { id: string; workflowId: string; cloud: unknown };
    workflows.push(shown.workflowId);
    expect(shown.cloud).toEqual({ accountId: mine.id, region: 'cn-east-3' });
    const rows = await t.db.query<{ request: DeployLicenseInput | string }>(
      'select request from deployments where id = $1',
      [shown.id],
    );
    const raw = rows[0]!.request;
    const request = typeof raw === 'string' ? (JSON.parse(raw) as DeployLicenseInput) : raw;
    expect(request.cloud).toEqual({ accountId: mine.id, region: 'cn-east-3' });
    expect(request.choices.publicIp).toEqual({ bandwidthSize: 10, chargeMode: 'bandwidth' });
    expect(request.choices.server).toEqual({ ...newServer, availabilityZone: 'cn-east-3a' });
    // What the workflow was started with is that same request.
    const history = await client.workflow.getHandle(shown.workflowId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(started?.input?.payloads?.length).toBeGreaterThan(0);

    const current = await t.call('GET', `/v1/orders/${ref}/deployments/current`, { key: buyer });
    expect(((await current.json()) as { cloud: unknown }).cloud).toEqual({
      accountId: mine.id,
      region: 'cn-east-3',
    });
  });

  it("records the connector's default region when the request names none", async () => {
    const ref = await seedOrder(t.db, ids);
    const res = await post({ server: newServer }, ref);
    expect(res.status).toBe(201);
    const shown = (await res.json()) as { workflowId: string; cloud: unknown };
    workflows.push(shown.workflowId);
    expect(shown.cloud).toEqual({ accountId: null, region: 'cn-south-1' });
  });
});
