import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHuaweiCloud } from '../../../src/cloud/huawei-cloud.js';
import type { CloudAdapter } from '../../../src/cloud/types.js';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';
import {
  createBuyerResources,
  sandboxActivities,
  sandboxCloudOptions,
} from '../../helpers/provision-harness.js';

describe('provisioning activities against the sandbox cloud', () => {
  let cloud: SandboxCloud;
  let adapter: CloudAdapter;
  let acts: ReturnType<typeof sandboxActivities>;

  beforeAll(async () => {
    cloud = await startSandboxCloud();
    adapter = createHuaweiCloud(sandboxCloudOptions(cloud));
    acts = sandboxActivities(cloud);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('refuses a delete with neither id nor name, and deletes nothing', async () => {
    const sg = await adapter.createSecurityGroup({ name: `keep-${randomUUID().slice(0, 6)}` });
    const before = cloud.inventory().securityGroups.length;
    await expect(acts.deleteSecurityGroup({})).rejects.toMatchObject({
      type: 'DELETE_NEEDS_ID_OR_NAME',
      nonRetryable: true,
    });
    await expect(acts.deleteVpc({})).rejects.toMatchObject({ type: 'DELETE_NEEDS_ID_OR_NAME' });
    await expect(acts.deleteSubnet({ vpcId: 'x' })).rejects.toMatchObject({
      type: 'DELETE_NEEDS_ID_OR_NAME',
    });
    await expect(acts.deleteServer({})).rejects.toMatchObject({ type: 'DELETE_NEEDS_ID_OR_NAME' });
    expect(cloud.inventory().securityGroups.length).toBe(before);
    await adapter.deleteSecurityGroup(sg.id);
  });

  it('deletes by exact name: every group of that name (a retried create made two), no other', async () => {
    const name = `oc-dup-${randomUUID().slice(0, 6)}`;
    const a = await adapter.createSecurityGroup({ name });
    const b = await adapter.createSecurityGroup({ name });
    const other = await adapter.createSecurityGroup({ name: `${name}-other` });
    await acts.deleteSecurityGroup({ id: a.id, name });
    const left = cloud.inventory().securityGroups.map((g) => g.id);
    expect(left).not.toContain(a.id);
    expect(left).not.toContain(b.id);
    expect(left).toContain(other.id);
    await adapter.deleteSecurityGroup(other.id);
  });

  it("connects to a buyer's server only at one of its own addresses", async () => {
    const buyer = await createBuyerResources(adapter, { name: 'host-check', net: 20 });
    const id = buyer.serverId;
    const server = await adapter.waitServerActive(id);
    expect((await acts.checkServer({ id, host: server.ip! })).id).toBe(id);
    await expect(acts.checkServer({ id, host: '127.0.0.1' })).rejects.toMatchObject({
      type: 'SERVER_HOST_NOT_ITS_ADDRESS',
      nonRetryable: true,
    });
    await adapter.waitJob((await adapter.deleteServers([id]))!);
    await adapter.deleteSecurityGroup(buyer.securityGroupId);
    await adapter.deleteSubnet(buyer.vpcId, buyer.subnetId);
    await adapter.deleteVpc(buyer.vpcId);
  });
});
