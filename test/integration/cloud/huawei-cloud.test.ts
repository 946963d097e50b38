import { testKeyPair } from '../../helpers/ssh-keys.js';
import { createServer as createTcpServer, connect, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createHuaweiCloud, type HuaweiCloudOptions } from '../../../src/cloud/huawei-cloud.js';
import type { CloudAdapter } from '../../../src/cloud/types.js';
import { AppError } from '../../../src/errors.js';
import {
  newSandboxAccount,
  startSandboxCloud,
  type SandboxCloud,
} from '../../../src/sandbox/sandbox-cloud.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import { sshExec } from '../../helpers/ssh-exec.js';

const PASSWORD = 'Adm1n!pass-x';

/**
 * Whether an sshd answers at ip:port: its banner, not just a connect. A subnet address is not
 * fenced like the sandbox's own ranges (this machine or CI may sit on such a network), so once
 * released, a connect to it may be taken by whatever this machine's default route leads to.
 */
function portAnswers(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: 1_500 });
    s.once('data', (chunk: Buffer) => (s.destroy(), resolve(chunk.toString().startsWith('SSH-'))));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('end', () => resolve(false));
  });
}

describe('Huawei Cloud adapter against the sandbox cloud', () => {
  let cloud: SandboxCloud;
  let adapter: CloudAdapter;
  const other = newSandboxAccount();
  let net: { vpcId: string; subnetId: string; sgId: string };

  const options = (o: Partial<HuaweiCloudOptions> = {}): HuaweiCloudOptions => ({
    ecsEndpoint: `${cloud.ecsEndpoint}/`,
    vpcEndpoint: cloud.vpcEndpoint,
    ak: cloud.ak,
    sk: cloud.sk,
    projectId: cloud.projectId,
    pollMs: 20,
    timeoutMs: 10_000,
    ...o,
  });

  beforeAll(async () => {
    cloud = await startSandboxCloud({ extraAccounts: [other] });
    adapter = createHuaweiCloud(options());
    const vpc = await adapter.createVpc({ name: 'base', cidr: '192.168.0.0/16' });
    await adapter.waitVpcReady(vpc.id);
    const subnet = await adapter.createSubnet({
      name: 'base-a',
      cidr: '192.168.1.0/24',
      gatewayIp: '192.168.1.1',
      vpcId: vpc.id,
    });
    await adapter.waitSubnetReady(subnet.id);
    const sg = await adapter.createSecurityGroup({ name: 'base-sg' });
    net = { vpcId: vpc.id, subnetId: subnet.id, sgId: sg.id };
  });
  afterAll(async () => {
    await cloud?.stop();
  });
  beforeEach(() => {
    cloud.faults.clear();
    cloud.faults.retryAfterSeconds = 1;
  });

  const serverInput = (o: Record<string, unknown> = {}) => ({
    name: `vm-${randomUUID().slice(0, 8)}`,
    imageRef: DEFAULT_IMAGE_ID,
    flavorRef: DEFAULT_FLAVOR,
    vpcId: net.vpcId,
    subnetId: net.subnetId,
    securityGroupIds: [net.sgId],
    clientToken: randomUUID(),
    ...o,
  });

  it('creates a network, a server reachable by key and password, and deletes it all', async () => {
    const keys = testKeyPair();
    const vpc = await adapter.createVpc({ name: 'full', cidr: '10.10.0.0/16' });
    expect((await adapter.waitVpcReady(vpc.id)).status).toBe('OK');
    const subnet = await adapter.createSubnet({
      name: 'full-a',
      cidr: '10.10.1.0/24',
      gatewayIp: '10.10.1.1',
      vpcId: vpc.id,
    });
    expect((await adapter.waitSubnetReady(subnet.id)).status).toBe('ACTIVE');
    const sg = await adapter.createSecurityGroup({ name: 'full-sg' });
    const rules = [
      { direction: 'ingress' as const, protocol: 'tcp' as const, ports: '22' },
      { direction: 'ingress' as const, protocol: 'tcp' as const, ports: '8080-8081' },
    ];
    expect((await adapter.ensureSecurityGroupRules(sg.id, rules)).created).toHaveLength(2);
    expect(await adapter.ensureSecurityGroupRules(sg.id, rules)).toEqual({
      created: [],
      skipped: 2,
    });

    const orderId = randomUUID();
    const { jobId, serverIds } = await adapter.createServer(
      serverInput({
        vpcId: vpc.id,
        subnetId: subnet.id,
        securityGroupIds: [sg.id],
        sshPublicKey: keys.public,
        adminPass: PASSWORD,
        tags: { 'oneclick:order': orderId },
      }),
    );
    const job = await adapter.waitJob(jobId);
    expect(job.status).toBe('SUCCESS');
    expect(job.serverIds).toEqual(serverIds);
    const server = await adapter.waitServerActive(serverIds[0]!);
    // The address the API shows lies in the server's subnet, as ECS's does.
    expect(server.ip).toMatch(/^10\.10\.1\.\d+$/);
    expect(server.portId).toBeTruthy();
    expect(server.vpcId).toBe(vpc.id);
    expect(server.tags['oneclick:order']).toBe(orderId);

    const viaKey = await sshExec(
      { host: server.ip!, username: 'root', privateKey: keys.private },
      'hostname',
    );
    expect(viaKey.trim()).toBe(server.name);
    const viaPassword = await sshExec(
      { host: server.ip!, username: 'root', password: PASSWORD },
      'cat /sys/class/net/eth0/address',
    );
    expect(viaPassword.trim()).toBe(server.addresses[0]?.mac);

    expect((await adapter.findServersByTag('oneclick:order', orderId)).map((s) => s.id)).toEqual(
      serverIds,
    );
    // A subnet with a server on it cannot go yet: the adapter keeps asking, the sandbox says 409.
    const deleteJob = await adapter.deleteServers(serverIds);
    expect(deleteJob).toBeDefined();
    await adapter.waitJob(deleteJob!);
    await adapter.waitServerDeleted(serverIds[0]!);
    expect(await adapter.showServer(serverIds[0]!)).toBeUndefined();
    expect(await portAnswers(server.ip!, 22)).toBe(false);
    expect(await adapter.deleteServers(serverIds)).toBeUndefined();
    await adapter.deleteSecurityGroup(sg.id);
    await adapter.deleteSubnet(vpc.id, subnet.id);
    await adapter.deleteVpc(vpc.id);
    await adapter.deleteVpc(vpc.id); // already gone is fine
    const inv = cloud.inventory();
    expect(inv.vpcs.map((v) => v.id)).not.toContain(vpc.id);
    expect(inv.servers.map((s) => s.id)).not.toContain(serverIds[0]);
  });

  it('makes one attempt per call: a 429 APIGW.0308 comes back retryable with its Retry-After', async () => {
    cloud.faults.retryAfterSeconds = 1;
    cloud.faults.throttleNext(2, { operation: 'CreateVpc' });
    const before = cloud.inventory().vpcs.length;
    const input = { name: 'throttled', cidr: '10.20.0.0/16' };
    // Each call consumes exactly one of the two injected throttles: no retry inside the adapter.
    for (let i = 0; i < 2; i++) {
      const err = await adapter.createVpc(input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'CLOUD_THROTTLED', retryable: true });
      expect((err as AppError).context).toMatchObject({
        httpStatus: 429,
        remoteCode: 'APIGW.0308',
        retryAfterMs: 1000,
      });
    }
    expect(cloud.inventory().vpcs.length).toBe(before);
    const vpc = await adapter.createVpc(input);
    expect(cloud.inventory().vpcs.length).toBe(before + 1);
    await adapter.deleteVpc(vpc.id);
  });

  it('creates the server once when a 5xx loses the answer (same X-Client-Token)', async () => {
    cloud.faults.failNextRequests(1, { operation: 'CreateServers', status: 502, when: 'after' });
    const input = serverInput();
    // The answer is lost after the server was made; the retry (Temporal's, here by hand) sends
    // the same X-Client-Token and gets the same server back.
    await expect(adapter.createServer(input)).rejects.toMatchObject({
      code: 'CLOUD_SERVER_ERROR',
      retryable: true,
    });
    const { jobId, serverIds } = await adapter.createServer(input);
    await adapter.waitJob(jobId);
    const named = cloud.inventory().servers.filter((s) => s.name === input.name);
    expect(named.map((s) => s.id)).toEqual(serverIds);
    await adapter.waitJob((await adapter.deleteServers(serverIds))!);
  });

  it('fails with CLOUD_JOB_FAILED when the job fails, leaving no server', async () => {
    cloud.faults.failNextJobs(1);
    const input = serverInput();
    const { jobId } = await adapter.createServer(input);
    const err = await adapter.waitJob(jobId).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CLOUD_JOB_FAILED', retryable: false });
    expect((err as Error).message).toContain('Ecs.0015');
    expect(cloud.inventory().servers.filter((s) => s.name === input.name)).toEqual([]);
  });

  it('fails with CLOUD_SERVER_ERROR when the server ends in ERROR', async () => {
    cloud.faults.errorNextServers(1);
    const { jobId, serverIds } = await adapter.createServer(serverInput());
    await adapter.waitJob(jobId);
    await expect(adapter.waitServerActive(serverIds[0]!)).rejects.toMatchObject({
      code: 'CLOUD_SERVER_ERROR',
      retryable: false,
    });
    await adapter.waitJob((await adapter.deleteServers(serverIds))!);
  });

  it('refuses a weak password, a bad flavor and an exhausted quota as non-retryable', async () => {
    const count = cloud.inventory().servers.length;
    await expect(
      adapter.createServer(serverInput({ adminPass: 'rootroot1A' })),
    ).rejects.toMatchObject({ code: 'CLOUD_BAD_PASSWORD', retryable: false });
    await expect(adapter.createServer(serverInput({ adminPass: 'short' }))).rejects.toMatchObject({
      code: 'CLOUD_BAD_PASSWORD',
    });
    await expect(
      adapter.createServer(serverInput({ flavorRef: 'x9.huge.99' })),
    ).rejects.toMatchObject({ code: 'CLOUD_INVALID_REQUEST', retryable: false });
    const quota = cloud.emulator.options.serverQuota;
    cloud.emulator.options.serverQuota = count;
    try {
      await expect(adapter.createServer(serverInput())).rejects.toMatchObject({
        code: 'CLOUD_QUOTA_EXCEEDED',
        retryable: false,
      });
    } finally {
      cloud.emulator.options.serverQuota = quota;
    }
    expect(cloud.inventory().servers.length).toBe(count);
  });

  it('reads the VPC v1 error body the SDK drops', async () => {
    const err = await adapter
      .createSubnet({
        name: 'bad',
        cidr: '172.16.0.0/24',
        gatewayIp: '172.16.0.1',
        vpcId: net.vpcId,
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CLOUD_INVALID_REQUEST', retryable: false });
    expect((err as Error).message).toContain('must be inside 192.168.0.0/16');
    expect((err as AppError).context).toMatchObject({ remoteCode: 'VPC.0002', httpStatus: 400 });
  });

  it('keeps projects apart and refuses a wrong secret', async () => {
    const foreign = createHuaweiCloud(
      options({ ak: other.ak, sk: other.sk, projectId: other.projectIds[0]! }),
    );
    expect(await foreign.showVpc(net.vpcId)).toBeUndefined();
    expect(await foreign.listSecurityGroups()).toEqual([]);
    const intruder = createHuaweiCloud(options({ ak: other.ak, sk: other.sk }));
    await expect(intruder.showVpc(net.vpcId)).rejects.toMatchObject({
      code: 'CLOUD_FORBIDDEN',
      retryable: false,
    });
    const wrong = createHuaweiCloud(options({ sk: `${cloud.sk}x` }));
    const err = await wrong.showVpc(net.vpcId).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CLOUD_AUTH_FAILED', retryable: false });
    expect((err as AppError).context).toMatchObject({ httpStatus: 401, remoteCode: 'APIGW.0301' });
    expect((err as Error).message).not.toContain(cloud.sk);
  });

  it('times out a call that never gets an answer, as a retryable error', async () => {
    const silent: TcpServer = createTcpServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const hung = createHuaweiCloud(
        options({
          ecsEndpoint: url,
          vpcEndpoint: url,
          timeoutMs: 200,
        }),
      );
      await expect(hung.showVpc('x')).rejects.toMatchObject({
        code: 'CLOUD_TIMEOUT',
        retryable: true,
      });
    } finally {
      silent.close();
    }
  });

  it('reports ACTIVE before a slow-booting server answers SSH', async () => {
    cloud.faults.slowBootMs = 3000;
    const { jobId, serverIds } = await adapter.createServer(serverInput({ adminPass: PASSWORD }));
    await adapter.waitJob(jobId);
    const server = await adapter.waitServerActive(serverIds[0]!);
    expect(await portAnswers(server.ip!, 22)).toBe(false);
    await expect.poll(() => portAnswers(server.ip!, 22), { timeout: 15_000 }).toBe(true);
    await adapter.waitJob((await adapter.deleteServers(serverIds))!);
  });

  it('answers unsigned requests with 401 APIGW.0301 and serves the inventory read-only', async () => {
    const res = await fetch(`${cloud.ecsEndpoint}/v1/${cloud.projectId}/cloudservers/detail`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(await res.json()).toMatchObject({ error_code: 'APIGW.0301' });
    const inv = await fetch(`${cloud.ecsEndpoint}/_sandbox/inventory`);
    expect(((await inv.json()) as { vpcs: unknown[] }).vpcs.length).toBeGreaterThan(0);
    expect(
      (await fetch(`${cloud.ecsEndpoint}/_sandbox/inventory`, { method: 'DELETE' })).status,
    ).toBe(404);
  });
});
