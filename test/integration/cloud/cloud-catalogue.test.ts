import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHuaweiCloud } from '../../../src/cloud/huawei-cloud.js';
import type { CloudAdapter, Page } from '../../../src/cloud/types.js';
import { AppError } from '../../../src/errors.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';

/** Every item of a list, page by page, following nextMarker. */
async function all<T>(
  fetch: (marker?: string) => Promise<Page<T>>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await fetch(marker);
    pages++;
    items.push(...page.items);
    marker = page.nextMarker;
  } while (marker !== undefined && pages < 50);
  return { items, pages };
}

describe('the Start Deployment catalogue through the SDKs against the sandbox cloud', () => {
  let cloud: SandboxCloud;
  let adapter: CloudAdapter;

  beforeAll(async () => {
    cloud = await startSandboxCloud();
    adapter = createHuaweiCloud({
      ecsEndpoint: cloud.ecsEndpoint,
      vpcEndpoint: cloud.vpcEndpoint,
      imsEndpoint: cloud.ecsEndpoint,
      ak: cloud.ak,
      sk: cloud.sk,
      projectId: cloud.projectId,
      pollMs: 20,
      timeoutMs: 10_000,
    });
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('lists availability zones and the flavors on sale in one of them', async () => {
    const zones = await adapter.listAvailabilityZones();
    expect(zones.length).toBeGreaterThan(0);
    expect(zones.every((z) => z.name.startsWith(cloud.region))).toBe(true);
    const zone = zones.find((z) => z.available);
    expect(zone).toBeDefined();

    const flavors = await adapter.listFlavors();
    const ids = flavors.map((f) => f.id);
    expect(ids).toContain(DEFAULT_FLAVOR);
    const small = flavors.find((f) => f.id === DEFAULT_FLAVOR);
    expect(small?.vcpus).toBeGreaterThan(0);
    expect(small?.ramMb).toBeGreaterThan(0);

    const inZone = await adapter.listFlavors({ availabilityZone: zone?.name });
    expect(inZone.length).toBeGreaterThan(0);
    expect(inZone.length).toBeLessThanOrEqual(flavors.length);
  });

  it('lists public images, and private ones only of this project', async () => {
    const gold = await all((marker) => adapter.listImages({ imageType: 'gold', limit: 1, marker }));
    expect(gold.items.map((i) => i.id)).toContain(DEFAULT_IMAGE_ID);
    expect(gold.items.every((i) => i.imageType === 'gold' && i.status === 'active')).toBe(true);
    expect(gold.pages).toBeGreaterThanOrEqual(gold.items.length);
    expect(new Set(gold.items.map((i) => i.id)).size).toBe(gold.items.length);

    const before = await adapter.listImages({ imageType: 'private' });
    expect(before.items).toEqual([]);
    const res = await fetch(
      `${cloud.ecsEndpoint}/_sandbox/projects/${cloud.projectId}/private-images`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'golden-app-v1' }),
      },
    );
    expect(res.status).toBe(201);
    const after = await adapter.listImages({ imageType: 'private' });
    expect(after.items.map((i) => [i.name, i.imageType])).toEqual([['golden-app-v1', 'private']]);
  });

  it('pages VPCs, subnets and security groups with the markers it hands out', async () => {
    const tag = randomUUID().slice(0, 6);
    const vpcIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const v = await adapter.createVpc({ name: `cat-${tag}-${i}`, cidr: `10.${i}.0.0/16` });
      vpcIds.push(v.id);
      await adapter.waitVpcReady(v.id);
    }
    const firstVpc = vpcIds[0] ?? '';
    for (let i = 0; i < 3; i++) {
      const s = await adapter.createSubnet({
        name: `cat-${tag}-s${i}`,
        cidr: `10.0.${i}.0/24`,
        gatewayIp: `10.0.${i}.1`,
        vpcId: firstVpc,
      });
      await adapter.waitSubnetReady(s.id);
    }
    for (let i = 0; i < 3; i++) await adapter.createSecurityGroup({ name: `cat-${tag}-g${i}` });

    const vpcs = await all((marker) => adapter.listVpcs({ limit: 2, marker }));
    expect(vpcs.items.map((v) => v.id)).toEqual(expect.arrayContaining(vpcIds));
    expect(vpcs.pages).toBeGreaterThanOrEqual(2);
    expect(new Set(vpcs.items.map((v) => v.id)).size).toBe(vpcs.items.length);

    const subnets = await all((marker) =>
      adapter.listSubnetsPage({ vpcId: firstVpc, limit: 2, marker }),
    );
    expect(subnets.items.map((s) => s.name).sort()).toEqual([
      `cat-${tag}-s0`,
      `cat-${tag}-s1`,
      `cat-${tag}-s2`,
    ]);
    expect(subnets.items.every((s) => s.vpcId === firstVpc)).toBe(true);
    expect(subnets.pages).toBeGreaterThanOrEqual(2);

    const groups = await all((marker) => adapter.listSecurityGroupsPage({ limit: 2, marker }));
    const names = groups.items.map((g) => g.name);
    for (let i = 0; i < 3; i++) expect(names).toContain(`cat-${tag}-g${i}`);
    expect(groups.pages).toBeGreaterThanOrEqual(2);
    expect(new Set(groups.items.map((g) => g.id)).size).toBe(groups.items.length);
  });

  it('pages servers with an opaque marker over ECS page numbers', async () => {
    const vpc = await adapter.createVpc({ name: 'srv-net', cidr: '172.16.0.0/16' });
    await adapter.waitVpcReady(vpc.id);
    const subnet = await adapter.createSubnet({
      name: 'srv-a',
      cidr: '172.16.1.0/24',
      gatewayIp: '172.16.1.1',
      vpcId: vpc.id,
    });
    await adapter.waitSubnetReady(subnet.id);
    const sg = await adapter.createSecurityGroup({ name: 'srv-sg' });
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { jobId, serverIds } = await adapter.createServer({
        name: `list-${i}`,
        imageRef: DEFAULT_IMAGE_ID,
        flavorRef: DEFAULT_FLAVOR,
        vpcId: vpc.id,
        subnetId: subnet.id,
        securityGroupIds: [sg.id],
        clientToken: randomUUID(),
      });
      await adapter.waitJob(jobId);
      made.push(...serverIds);
    }
    const servers = await all((marker) => adapter.listServers({ limit: 2, marker }));
    expect(servers.items.map((s) => s.id).sort()).toEqual([...made].sort());
    expect(servers.pages).toBe(2);
    const one = servers.items[0];
    expect(one?.flavorId).toBe(DEFAULT_FLAVOR);
    expect(one?.ip).toMatch(/^172\.16\.1\./);
    expect(one?.portId).toBeTruthy();

    // A marker it did not hand out is the caller's mistake (a 400), not the cloud's.
    const err = await adapter.listServers({ marker: 'page-2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'INVALID_PAGE_MARKER', retryable: false });
    await adapter.deleteServers(made);
  });

  it('answers INVALID_PAGE_MARKER for an id-shaped marker the cloud refuses (as the fuzzer sent)', async () => {
    for (const list of [
      () => adapter.listVpcs({ marker: '0' }),
      () => adapter.listSubnetsPage({ marker: '0' }),
      () => adapter.listSecurityGroupsPage({ marker: '0' }),
      () => adapter.listImages({ imageType: 'gold', marker: '0' }),
    ]) {
      const err = await list().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'INVALID_PAGE_MARKER', retryable: false });
    }
  });
});
