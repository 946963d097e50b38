import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCloudContext, type CloudContext } from '../../../src/cloud/cloud-context.js';
import { createHuaweiCloud } from '../../../src/cloud/huawei-cloud.js';
import { createPublicIps } from '../../../src/cloud/public-ips.js';
import { AppError } from '../../../src/errors.js';
import type { CloudAdapter, Server } from '../../../src/cloud/types.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import {
  newSandboxAccount,
  startSandboxCloud,
  type SandboxCloud,
} from '../../../src/sandbox/sandbox-cloud.js';

function portAnswers(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: 2_000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

describe('elastic IPs through the EIP client against the sandbox cloud', () => {
  let cloud: SandboxCloud;
  let adapter: CloudAdapter;
  let stranger: CloudAdapter;
  let ctx: CloudContext;
  const other = newSandboxAccount();
  let server: Server;

  beforeAll(async () => {
    cloud = await startSandboxCloud({ extraAccounts: [other] });
    const base = {
      ecsEndpoint: cloud.ecsEndpoint,
      vpcEndpoint: cloud.vpcEndpoint,
      pollMs: 20,
      timeoutMs: 10_000,
    };
    adapter = createHuaweiCloud({
      ...base,
      ak: cloud.ak,
      sk: cloud.sk,
      projectId: cloud.projectId,
    });
    ctx = createCloudContext({ ...base, ak: cloud.ak, sk: cloud.sk, projectId: cloud.projectId });
    stranger = createHuaweiCloud({
      ...base,
      ak: other.ak,
      sk: other.sk,
      projectId: other.projectIds[0] ?? '',
    });
    const vpc = await adapter.createVpc({ name: 'eip-net', cidr: '192.168.0.0/16' });
    await adapter.waitVpcReady(vpc.id);
    const subnet = await adapter.createSubnet({
      name: 'eip-a',
      cidr: '192.168.1.0/24',
      gatewayIp: '192.168.1.1',
      vpcId: vpc.id,
    });
    await adapter.waitSubnetReady(subnet.id);
    const sg = await adapter.createSecurityGroup({ name: 'eip-sg' });
    const { jobId, serverIds } = await adapter.createServer({
      name: 'eip-vm',
      imageRef: DEFAULT_IMAGE_ID,
      flavorRef: DEFAULT_FLAVOR,
      vpcId: vpc.id,
      subnetId: subnet.id,
      securityGroupIds: [sg.id],
      clientToken: randomUUID(),
    });
    await adapter.waitJob(jobId);
    server = await adapter.waitServerActive(serverIds[0] ?? '');
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('creates, finds, binds, shows and releases an EIP that reaches the server', async () => {
    const alias = `oneclick-${randomUUID().slice(0, 8)}`;
    const created = await adapter.createPublicIp({
      alias,
      bandwidthSize: 5,
      chargeMode: 'traffic',
    });
    expect(created).toMatchObject({ alias });
    expect(created.id).toBeTruthy();

    const ready = await adapter.waitPublicIpReady(created.id);
    expect(ready.status).toBe('DOWN');
    expect(ready.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(ready.bandwidthSize).toBe(5);

    const found = await adapter.findPublicIpsByAlias(alias);
    expect(found.map((p) => p.id)).toEqual([created.id]);
    expect(await adapter.findPublicIpsByAlias(`${alias}-other`)).toEqual([]);

    expect(server.portId).toBeTruthy();
    const bound = await adapter.bindPublicIp(created.id, server.portId ?? '');
    expect(bound.portId).toBe(server.portId);
    // A retried step binds again: same port, no error.
    const again = await adapter.bindPublicIp(created.id, server.portId ?? '');
    expect(again.portId).toBe(server.portId);

    const shown = await adapter.waitPublicIpReady(created.id);
    expect(shown).toMatchObject({
      status: 'ACTIVE',
      portId: server.portId,
      address: ready.address,
    });
    const withEip = await adapter.showServer(server.id);
    expect(withEip?.publicIp).toBe(ready.address);
    expect(await portAnswers(ready.address, 22)).toBe(true);

    // Another account neither sees nor releases it.
    expect(await stranger.showPublicIp(created.id)).toBeUndefined();
    expect(await stranger.findPublicIpsByAlias(alias)).toEqual([]);

    await adapter.deletePublicIp(created.id);
    expect(await adapter.showPublicIp(created.id)).toBeUndefined();
    expect(await adapter.findPublicIpsByAlias(alias)).toEqual([]);
    // Releasing what is gone already is fine (compensation may run twice).
    await adapter.deletePublicIp(created.id);
    expect(cloud.inventory().eips.map((e) => e.id)).not.toContain(created.id);
  });

  async function boundEip(): Promise<string> {
    const { id } = await adapter.createPublicIp({
      alias: `bound-${randomUUID().slice(0, 8)}`,
      bandwidthSize: 1,
      chargeMode: 'traffic',
    });
    await adapter.waitPublicIpReady(id);
    await adapter.bindPublicIp(id, server.portId ?? '');
    return id;
  }
  const portOf = (id: string) => cloud.inventory().eips.find((e) => e.id === id)?.port_id;
  const unbind = (id: string) =>
    ctx.call('UpdatePublicip', () => ctx.sdk.eip.updatePublicip(id, { publicip: {} }));

  it('answers a release of a bound EIP with a retryable CLOUD_NOT_READY (409 VPC.0517)', async () => {
    const id = await boundEip();
    const err = await ctx
      .call('DeletePublicip', () => ctx.sdk.eip.deletePublicip(id))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'CLOUD_NOT_READY',
      retryable: true,
      context: { httpStatus: 409, remoteCode: 'VPC.0517' },
    });
    expect(portOf(id)).toBe(server.portId);
    await adapter.deletePublicIp(id);
    expect(await adapter.showPublicIp(id)).toBeUndefined();
  });

  it('releases a bound EIP only once its unbind has finished', async () => {
    const id = await boundEip();
    const ips = createPublicIps(ctx);
    // The unbind takes effect but its answer comes late; meanwhile the EIP is bound again, which
    // is what the releaser sees of an unbind a real region has not finished yet.
    // A long delay: the rebind below must land inside it, on a busy machine too.
    cloud.faults.delayNextAnswers(1, 6_000, { operation: 'UpdatePublicip' });
    const states: string[] = [];
    let unbinding: Promise<unknown> | undefined;
    const releasing = ips.deletePublicIp(id, {
      pollMs: 20,
      onPoll: (state) => {
        states.push(state);
        // The "unbind" finishes after the releaser has seen the EIP still bound.
        unbinding ??= unbind(id);
      },
    });
    await vi.waitFor(() => expect(portOf(id)).toBeUndefined(), { timeout: 5_000 });
    await adapter.bindPublicIp(id, server.portId ?? '');
    expect(portOf(id)).toBe(server.portId);

    await releasing;
    await unbinding;
    expect(states[0]).toBe('ACTIVE');
    expect(await adapter.showPublicIp(id)).toBeUndefined();
    expect(cloud.inventory().eips.map((e) => e.id)).not.toContain(id);
  });

  it('finds every EIP with the alias and no other', async () => {
    const alias = `many-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await adapter.createPublicIp({ alias, bandwidthSize: 1, chargeMode: 'bandwidth' })).id,
      );
    }
    await adapter.createPublicIp({ alias: `${alias}-x`, bandwidthSize: 1, chargeMode: 'traffic' });
    expect((await adapter.findPublicIpsByAlias(alias)).map((p) => p.id).sort()).toEqual(ids.sort());
    for (const id of ids) await adapter.deletePublicIp(id);
  });

  it('answers undefined for an EIP that does not exist', async () => {
    expect(await adapter.showPublicIp(randomUUID())).toBeUndefined();
  });
});
