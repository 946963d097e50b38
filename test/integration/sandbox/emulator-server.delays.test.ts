import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHuaweiCloud } from '../../../src/cloud/huawei-cloud.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import type { InjectedWait } from '../../../src/sandbox/faults.js';
import { waitForPort } from '../../../src/sandbox/hosts.js';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';
import { adminCall } from '../../helpers/signed-call.js';

interface Injected {
  waits: InjectedWait[];
  coveredMs?: number;
}

describe('the sandbox cloud with delays', () => {
  let cloud: SandboxCloud;
  beforeAll(async () => {
    cloud = await startSandboxCloud({
      seed: 3,
      delays: {
        requestMs: { minMs: 150, maxMs: 250 },
        jobStartMs: 0,
        serverBuildMs: { minMs: 600, maxMs: 800 },
        bootMs: { minMs: 900, maxMs: 1_000 },
      },
    });
  });
  afterAll(async () => {
    await cloud.stop();
  });

  it('holds every API call for its drawn latency and records each wait for its account', async () => {
    const adapter = createHuaweiCloud({ ...cloud, pollMs: 50 });
    const before = Date.now();
    const vpc = await adapter.createVpc({ name: 'slow', cidr: '192.168.0.0/16' });
    expect(Date.now() - before).toBeGreaterThanOrEqual(150);
    // The control routes answer at once.
    const quick = Date.now();
    await adminCall(cloud.ecsEndpoint, 'GET', '/_sandbox/inventory');
    expect(Date.now() - quick).toBeLessThan(150);

    const { body } = await adminCall<Injected>(
      cloud.ecsEndpoint,
      'GET',
      `/_sandbox/delays/injected?account=${cloud.domainName}`,
    );
    const create = body.waits.find((w) => w.op === 'CreateVpc');
    expect(create).toMatchObject({ account: cloud.domainId, kind: 'request' });
    expect(create!.plannedMs).toBeGreaterThanOrEqual(150);
    expect(create!.plannedMs).toBeLessThanOrEqual(250);
    expect(create!.endMs - create!.startMs).toBeGreaterThanOrEqual(create!.plannedMs - 1);
    expect(vpc.id).toBeTruthy();
  });

  it('ends the job after its build and opens sshd only its boot delay after ACTIVE', async () => {
    const adapter = createHuaweiCloud({ ...cloud, pollMs: 50 });
    const vpc = await adapter.createVpc({ name: 'boot', cidr: '192.168.0.0/16' });
    const subnet = await adapter.createSubnet({
      name: 'boot',
      cidr: '192.168.7.0/24',
      gatewayIp: '192.168.7.1',
      vpcId: vpc.id,
    });
    await adminCall(cloud.ecsEndpoint, 'DELETE', '/_sandbox/delays/injected');
    const from = Date.now();
    const { jobId, serverIds } = await adapter.createServer({
      name: 'boot-1',
      imageRef: DEFAULT_IMAGE_ID,
      flavorRef: DEFAULT_FLAVOR,
      vpcId: vpc.id,
      subnetId: subnet.id,
      securityGroupIds: [],
      clientToken: randomUUID(),
    });
    await adapter.waitJob(jobId);
    const server = await adapter.waitServerActive(serverIds[0]!);
    const activeAt = Date.now();
    await waitForPort(server.ip!, 22, 30_000);
    // Not before the boot delay (900 ms at least) after ACTIVE; a poll's latency may come first.
    expect(Date.now() - activeAt).toBeGreaterThan(500);
    const to = Date.now();

    const { body } = await adminCall<Injected>(
      cloud.ecsEndpoint,
      'GET',
      `/_sandbox/delays/injected?account=${cloud.domainId}&from=${from}&to=${to}`,
    );
    const job = body.waits.find((w) => w.kind === 'job');
    const boot = body.waits.find((w) => w.kind === 'boot');
    expect(job).toMatchObject({ op: 'CreateServers', subject: jobId });
    expect(job!.endMs - job!.startMs).toBeGreaterThanOrEqual(600);
    expect(boot).toMatchObject({ subject: serverIds[0] });
    expect(boot!.plannedMs).toBeGreaterThanOrEqual(900);
    expect(boot!.endMs - boot!.startMs).toBeGreaterThanOrEqual(boot!.plannedMs - 50);
    expect(boot!.startMs).toBeGreaterThanOrEqual(job!.endMs - 50);
    // Calls polling the job overlap it: the union is less than the sum of the waits.
    const sum = body.waits.reduce((s, w) => s + (w.endMs - w.startMs), 0);
    expect(body.coveredMs).toBeGreaterThan(job!.endMs - job!.startMs + boot!.plannedMs - 100);
    expect(body.coveredMs).toBeLessThan(sum);
    expect(body.coveredMs).toBeLessThanOrEqual(to - from);
  });

  it('takes a profile and single delays over HTTP, and refuses bad ones', async () => {
    const put = (body: unknown) => adminCall(cloud.ecsEndpoint, 'PUT', '/_sandbox/delays', body);
    expect((await put({ profile: 'realistic', bootMs: 5 })).body).toMatchObject({
      requestMs: { minMs: 500, maxMs: 2_000 },
      serverBuildMs: { minMs: 19_000, maxMs: 39_000 },
      bootMs: 5,
    });
    expect((await put({ profile: 'none' })).status).toBe(200);
    expect(cloud.emulator.delays.requestMs).toBe(0);
    expect((await put({ requestMs: { minMs: 9, maxMs: 3 } })).status).toBe(400);
    expect((await put({ profile: 'slow' })).status).toBe(400);
    expect((await put({ unknown: 1 })).status).toBe(400);
    expect((await adminCall(cloud.ecsEndpoint, 'GET', '/_sandbox/delays')).body).toMatchObject({
      requestMs: 0,
    });
  });
});
