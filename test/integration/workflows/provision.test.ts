import { testKeyPair } from '../../helpers/ssh-keys.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

import { createHuaweiCloud } from '../../../src/cloud/huawei-cloud.js';
import type { CloudAdapter } from '../../../src/cloud/types.js';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import {
  deprovisionWorkflow,
  provisionWorkflow,
  type ProvisionInput,
  type ProvisionResult,
} from '../../../workflows/provision.js';
import {
  failureType,
  leftovers,
  newEverything,
  NOTHING,
  sandboxActivities,
  sandboxCloudOptions,
  startHarness,
  type Harness,
} from '../../helpers/provision-harness.js';
import { sshExec } from '../../helpers/ssh-exec.js';

const PASSWORD = 'Buyer!pass-42';

describe('provisioning workflow on the dev server and the sandbox cloud', () => {
  let cloud: SandboxCloud;
  let h: Harness;
  let adapter: CloudAdapter;

  beforeAll(async () => {
    cloud = await startSandboxCloud();
    adapter = createHuaweiCloud(sandboxCloudOptions(cloud));
    h = await startHarness({
      address: inject('temporalAddress'),
      namespace: inject('temporalNamespace'),
      taskQueue: `provision-${randomUUID()}`,
      activities: sandboxActivities(cloud, {
        'secret://pw': PASSWORD,
        'secret://weak': 'password',
      }),
    });
  });
  afterAll(async () => {
    await h?.stop();
    await cloud?.stop();
  });
  beforeEach(() => {
    cloud.faults.clear();
    cloud.faults.retryAfterSeconds = 0;
  });

  const run = (input: ProvisionInput) =>
    h.client.workflow.execute(provisionWorkflow, {
      taskQueue: h.taskQueue,
      workflowId: `provision-${input.deploymentId}`,
      args: [input],
    });
  const undo = (result: ProvisionResult) =>
    h.client.workflow.execute(deprovisionWorkflow, {
      taskQueue: h.taskQueue,
      workflowId: `deprovision-${randomUUID()}`,
      args: [{ created: result.created, timeouts: { retryInitialMs: 50, retryMaxMs: 500 } }],
    });
  const id = () => randomUUID().slice(0, 12);

  it('creates VPC, subnet, security group and a server the key and password log in to', async () => {
    const keys = testKeyPair();
    const deploymentId = id();
    const result = await run(
      newEverything(deploymentId, {
        server: {
          imageRef: DEFAULT_IMAGE_ID,
          flavorRef: DEFAULT_FLAVOR,
          sshPublicKey: keys.public,
          adminPassRef: 'secret://pw',
        },
      }),
    );
    expect(result.created.map((r) => r.kind).sort()).toEqual([
      'securityGroup',
      'server',
      'subnet',
      'vpc',
    ]);
    const left = leftovers(cloud, deploymentId);
    expect(left.vpcs).toEqual([result.vpcId]);
    expect(left.servers).toEqual([result.server.id]);
    const sg = cloud.inventory().securityGroups.find((g) => g.id === result.securityGroupId);
    expect(sg?.rules.filter((r) => r.direction === 'ingress' && r.protocol === 'tcp')).toHaveLength(
      2,
    );

    const host = { host: result.server.ip, username: 'root' };
    expect((await sshExec({ ...host, privateKey: keys.private }, 'hostname')).trim()).toBe(
      `oc-${deploymentId}`,
    );
    expect((await sshExec({ ...host, password: PASSWORD }, 'id -u')).trim()).toBe('0');

    await undo(result);
    expect(leftovers(cloud, deploymentId)).toEqual(NOTHING);
  });

  it("uses the buyer's VPC, subnet, group and server, and on failure removes only its own rules", async () => {
    const vpc = await adapter.createVpc({ name: 'buyer-vpc', cidr: '172.16.0.0/16' });
    await adapter.waitVpcReady(vpc.id);
    const subnet = await adapter.createSubnet({
      name: 'buyer-subnet',
      cidr: '172.16.5.0/24',
      gatewayIp: '172.16.5.1',
      vpcId: vpc.id,
    });
    await adapter.waitSubnetReady(subnet.id);
    const sg = await adapter.createSecurityGroup({ name: 'buyer-sg' });
    await adapter.ensureSecurityGroupRules(sg.id, [
      { direction: 'ingress', protocol: 'tcp', ports: '22', description: 'buyer ssh' },
    ]);
    const created = await adapter.createServer({
      name: 'buyer-vm',
      imageRef: DEFAULT_IMAGE_ID,
      flavorRef: DEFAULT_FLAVOR,
      vpcId: vpc.id,
      subnetId: subnet.id,
      securityGroupIds: [sg.id],
      clientToken: randomUUID(),
    });
    await adapter.waitJob(created.jobId);
    const serverId = created.serverIds[0]!;
    const rulesBefore = (await adapter.listSecurityGroupRules(sg.id)).length;

    const buyer = (deploymentId: string, o: Partial<ProvisionInput> = {}) =>
      newEverything(deploymentId, {
        vpc: { existingId: vpc.id },
        subnet: { existingId: subnet.id },
        securityGroup: { existingId: sg.id },
        server: { existingId: serverId },
        ...o,
      });
    const okId = id();
    const ok = await run(buyer(okId));
    expect(ok.server.id).toBe(serverId);
    // Only the rules it added are OneClick's; the buyer's VPC, subnet, group and server are not.
    expect(ok.created).toEqual([
      { kind: 'rules', securityGroupId: sg.id, description: `oneclick ${okId}` },
    ]);
    // Port 22 was already open (skipped); 8443 is new.
    expect((await adapter.listSecurityGroupRules(sg.id)).length).toBe(rulesBefore + 1);
    await undo(ok);
    expect((await adapter.listSecurityGroupRules(sg.id)).length).toBe(rulesBefore);

    cloud.emulator.breakServer(serverId);
    const err = await run(
      buyer(id(), { ports: [{ direction: 'ingress', protocol: 'tcp', ports: '9000' }] }),
    ).catch((e: unknown) => e);
    expect(failureType(err)).toBe('BUYER_SERVER_NOT_ACTIVE');
    const inv = cloud.inventory();
    expect(inv.vpcs.map((v) => v.id)).toContain(vpc.id);
    expect(inv.subnets.map((s) => s.id)).toContain(subnet.id);
    expect(inv.servers.map((s) => s.id)).toContain(serverId);
    expect((await adapter.listSecurityGroupRules(sg.id)).length).toBe(rulesBefore);
  });

  it('rides out throttling and 5xx on every call', async () => {
    cloud.faults.setRates({ throttle: 0.3 }, { seed: 7 });
    cloud.faults.failNextRequests(3, { status: 503 });
    const before = { ...cloud.faults.injected };
    const deploymentId = id();
    const result = await run(newEverything(deploymentId));
    expect(cloud.faults.injected.throttle).toBeGreaterThan(before.throttle);
    expect(cloud.faults.injected.serverError).toBe(before.serverError + 3);
    expect(leftovers(cloud, deploymentId).servers).toEqual([result.server.id]);
    cloud.faults.clear();
    await undo(result);
    expect(leftovers(cloud, deploymentId)).toEqual(NOTHING);
  });

  it('creates the server once when the CreateServers answer is lost', async () => {
    cloud.faults.failNextRequests(2, { operation: 'CreateServers', status: 503, when: 'after' });
    const errorsBefore = cloud.faults.injected.serverError;
    const deploymentId = id();
    const result = await run(newEverything(deploymentId));
    expect(leftovers(cloud, deploymentId).servers).toEqual([result.server.id]);
    expect(cloud.faults.injected.serverError).toBe(errorsBefore + 2);
    await undo(result);
  });

  it('replaces a server whose creation job failed, deleting the failed one', async () => {
    cloud.faults.failNextJobs(1);
    const deploymentId = id();
    const result = await run(newEverything(deploymentId));
    // One server left: the second; the first (its job failed) is gone.
    expect(leftovers(cloud, deploymentId).servers).toEqual([result.server.id]);
    expect(result.created.filter((r) => r.kind === 'server')).toHaveLength(2);
    await undo(result);
  });

  it.each([
    ['a failed job', 'CLOUD_JOB_FAILED', (c: SandboxCloud) => c.faults.failNextJobs(3)],
    ['a server in ERROR', 'CLOUD_SERVER_ERROR', (c: SandboxCloud) => c.faults.errorNextServers(3)],
  ])(
    'fails clearly on %s three times over and deletes everything it created',
    async (_what, type, inject) => {
      inject(cloud);
      const deploymentId = id();
      const err = await run(newEverything(deploymentId)).catch((e: unknown) => e);
      expect(failureType(err)).toBe(type);
      expect(leftovers(cloud, deploymentId)).toEqual(NOTHING);
    },
  );

  it('fails without retrying on a weak password and leaves nothing', async () => {
    const deploymentId = id();
    const input = newEverything(deploymentId, {
      server: {
        imageRef: DEFAULT_IMAGE_ID,
        flavorRef: DEFAULT_FLAVOR,
        adminPassRef: 'secret://weak',
      },
    });
    const err = await run(input).catch((e: unknown) => e);
    expect(failureType(err)).toBe('CLOUD_BAD_PASSWORD');
    expect(leftovers(cloud, deploymentId)).toEqual(NOTHING);
  });

  it('undoes everything when cancelled while the server is being built', async () => {
    cloud.emulator.options.delays.serverBuildMs = 3000;
    try {
      const deploymentId = id();
      const handle = await h.client.workflow.start(provisionWorkflow, {
        taskQueue: h.taskQueue,
        workflowId: `provision-${deploymentId}`,
        args: [newEverything(deploymentId)],
      });
      await expect
        .poll(() => leftovers(cloud, deploymentId).servers.length, { timeout: 20_000 })
        .toBe(1);
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      expect(leftovers(cloud, deploymentId)).toEqual(NOTHING);
    } finally {
      cloud.emulator.options.delays.serverBuildMs = 0;
    }
  });
});
