import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { getOrder } from '../../../src/db/repositories/orders.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import { decommissionWorkflowId } from '../../../workflows/decommission.js';
import { seedOrder, seedProduct } from '../../helpers/deploy.js';
import {
  agencyNameOf,
  sandboxAccounts,
  type SandboxBuyerAccount,
} from '../../helpers/cloud-app.js';
import { startDeploymentStack, type DeploymentStack } from '../../helpers/deployment-stack.js';

const PASSWORD = 'Buyer-Acc0unt!pw';
const EIP_POOLS = /^198\.19\.25[2-5]\.\d+$/;

/**
 * A deployment in the buyer's own Huawei Cloud account: the buyer links it through an IAM agency
 * that delegates to OneClick's account, and the deployment creates its network, server and EIP
 * there (with temporary credentials the worker obtains from IAM) and nowhere else. OneClick reaches
 * the server through the EIP; the EIP is released when the deployment fails and on decommission.
 */
describe('deployLicense into the buyer’s linked account, with an EIP', () => {
  let stack: DeploymentStack;
  let buyerKey: string;
  let buyerId: string;
  let sellerId: string;
  let accountId: string;
  let buyerProject: string;

  /** Everything in the sandbox, split into the buyer's project and every other one. */
  const inventory = () => {
    const inv = stack.cloud.inventory();
    const count = (mine: boolean) => {
      const keep = (r: { projectId: string }) => (r.projectId === buyerProject) === mine;
      return {
        vpcs: inv.vpcs.filter(keep).length,
        subnets: inv.subnets.filter(keep).length,
        securityGroups: inv.securityGroups.filter(keep).filter((g) => g.name !== 'default').length,
        servers: inv.servers.filter(keep).length,
        eips: inv.eips.filter(keep).length,
      };
    };
    return { inv, buyer: count(true), others: count(false) };
  };
  const nothing = { vpcs: 0, subnets: 0, securityGroups: 0, servers: 0, eips: 0 };

  beforeAll(async () => {
    stack = await startDeploymentStack({ connector: true, sshVia: 'public' });
    const buyer = await stack.t.principal('buyer', 'ba-buyer');
    buyerKey = buyer.key;
    buyerId = buyer.principal.buyerId!;
    sellerId = (await stack.t.principal('seller', 'ba-seller')).principal.sellerId!;

    const sandbox = sandboxAccounts(stack.cloud);
    const account = (await sandbox.newBuyerAccount()) as SandboxBuyerAccount & {
      projects?: { id: string; name: string }[];
    };
    const agencyName = await agencyNameOf(stack.t, buyerKey);
    await sandbox.addAgency(account.domain.id, agencyName);
    const linked = await stack.t.call('POST', '/v1/cloud-accounts', {
      key: buyerKey,
      body: {
        name: 'production',
        kind: 'agency',
        domainName: account.domain.name,
        agencyName,
      },
    });
    expect(linked.status, await linked.clone().text()).toBe(201);
    const body = (await linked.json()) as { id: string; projectId?: string };
    accountId = body.id;
    const project =
      account.projects?.find((p) => p.name === stack.cloud.region)?.id ?? body.projectId;
    expect(project).toBeTruthy();
    buyerProject = project!;
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const start = async (orderRef: string) => {
    const res = await stack.t.call('POST', `/v1/orders/${orderRef}/deployments`, {
      key: buyerKey,
      body: {
        server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
        adminPassword: PASSWORD,
        cloud: { accountId },
        publicIp: { bandwidthSize: 5, chargeMode: 'traffic' },
      },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as { id: string; workflowId: string };
  };

  it('creates everything in the buyer’s project, reaches the server through its EIP, releases it all on decommission', async () => {
    const product = await seedProduct(stack.t.db, stack.store, sellerId);
    const orderRef = await seedOrder(stack.t.db, { buyerId, sellerId, productId: product.id });
    const started = await start(orderRef);
    const report = (await stack.client.workflow.getHandle(started.workflowId).result()) as {
      serverId: string;
      serverIp: string;
    };

    // The SSH, push, install and verify steps all ran against this address: the EIP's.
    expect(report.serverIp).toMatch(EIP_POOLS);
    const { inv, buyer, others } = inventory();
    expect(buyer).toEqual({ vpcs: 1, subnets: 1, securityGroups: 1, servers: 1, eips: 1 });
    expect(others).toEqual(nothing);
    const server = inv.servers.find((s) => s.id === report.serverId)!;
    expect(server.projectId).toBe(buyerProject);
    const eip = inv.eips.find((e) => e.projectId === buyerProject)!;
    expect(eip.public_ip_address).toBe(report.serverIp);
    expect(eip.status).toBe('ACTIVE');
    expect(eip.port_id).toBeTruthy();
    // The private address the API shows lies in the deployment's subnet.
    const subnet = inv.subnets.find((s) => s.projectId === buyerProject)!;
    expect(server.ip).toBeDefined();
    expect(server.ip!.split('.').slice(0, 3)).toEqual(subnet.cidr.split('.').slice(0, 3));
    expect(eip.port_id).toBe(server.portId);

    // The deployment's detail says which account it ran in, never a secret.
    const detail = await stack.t.call('GET', `/v1/orders/${orderRef}/deployments/current`, {
      key: buyerKey,
    });
    expect(detail.status).toBe(200);

    const order = (await getOrder(stack.t.db, orderRef))!;
    const res = await stack.t.marketplace('unsubscribed', {
      orderId: order.orderId,
      orderLineId: order.orderLineId,
    });
    expect(res.status).toBe(201);
    const decommissioned = (await stack.client.workflow
      .getHandle(decommissionWorkflowId(orderRef))
      .result()) as { deleted: number };
    expect(decommissioned.deleted).toBe(5);
    expect(inventory().buyer).toEqual(nothing);
    expect(inventory().others).toEqual(nothing);
  }, 300_000);

  it('a failing installer: compensation releases the EIP and everything else in the buyer’s project', async () => {
    const product = await seedProduct(stack.t.db, stack.store, sellerId, {
      installCommand: 'echo "disk full" >&2; exit 3',
    });
    const orderRef = await seedOrder(stack.t.db, { buyerId, sellerId, productId: product.id });
    const started = await start(orderRef);
    const failed = await stack.client.workflow
      .getHandle(started.workflowId)
      .result()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    expect(inventory().buyer).toEqual(nothing);
    expect(inventory().others).toEqual(nothing);
  }, 300_000);

  it('an account of another buyer cannot be deployed into', async () => {
    const other = await stack.t.principal('buyer', 'ba-other-buyer');
    const product = await seedProduct(stack.t.db, stack.store, sellerId);
    const orderRef = await seedOrder(stack.t.db, {
      buyerId: other.principal.buyerId!,
      sellerId,
      productId: product.id,
    });
    const res = await stack.t.call('POST', `/v1/orders/${orderRef}/deployments`, {
      key: other.key,
      body: {
        server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
        adminPassword: PASSWORD,
        cloud: { accountId },
      },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'CLOUD_ACCOUNT_NOT_FOUND',
    );
    expect(inventory().others).toEqual(nothing);
  }, 60_000);
});
