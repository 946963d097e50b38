import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudAdapter } from '../../../../src/cloud/types.js';
import type { TestApp } from '../../../helpers/api.js';
import { agencyNameOf, startCloudApp } from '../../../helpers/cloud-app.js';

interface Listed<T = { id: string; name: string }> {
  items: T[];
  nextMarker?: string | null;
}

/**
 * The Start Deployment form's lists, from the sandbox cloud through the official SDKs and the
 * real connector: in OneClick's own account and in a buyer's account linked by agency (each
 * seeing only its own), paged with markers, cached briefly (the cache's clock is the test's), and
 * the cloud's failures answered 4xx/502, never 500.
 */
describe('cloud catalogue routes', () => {
  let app: Awaited<ReturnType<typeof startCloudApp>>;
  let t: TestApp;
  let clock = 1_000_000;
  const TTL = 30_000;
  let alice: string;
  let mallory: string;
  let operator: string;
  let seller: string;
  let accountId: string;
  let buyerCloud: CloudAdapter;
  let ownCloud: CloudAdapter;
  const buyerVpcs: string[] = [];

  beforeAll(async () => {
    app = await startCloudApp({ ttlMs: TTL, now: () => clock });
    t = app.t;
    alice = (await t.principal('buyer', 'alice')).key;
    mallory = (await t.principal('buyer', 'mallory')).key;
    operator = (await t.principal('operator')).key;
    seller = (await t.principal('seller', 'acme')).key;
    const account = await app.newBuyerAccount('alice_corp');
    const agencyName = await agencyNameOf(t, alice);
    await app.addAgency(account.domain.id, agencyName);
    const res = await t.call('POST', '/v1/cloud-accounts', {
      key: alice,
      body: {
        name: 'production',
        kind: 'agency',
        domainId: account.domain.id,
        agencyName,
      },
    });
    if (res.status !== 201) throw new Error(`link failed: ${res.status} ${await res.text()}`);
    accountId = ((await res.json()) as { id: string }).id;
    // Resources made through the same connector the routes use, in each account.
    buyerCloud = await t.deps.cloud!.forTarget({ accountId });
    ownCloud = await t.deps.cloud!.forTarget();
    for (const n of [1, 2, 3]) {
      buyerVpcs.push(
        (await buyerCloud.createVpc({ name: `alice-vpc-${n}`, cidr: `10.${n}.0.0/16` })).id,
      );
    }
    await ownCloud.createVpc({ name: 'oneclick-own', cidr: '172.16.0.0/16' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const get = (key: string, path: string) => t.call('GET', `/v1/cloud${path}`, { key });
  const errorOf = async (res: Response) =>
    ((await res.json()) as { error: { code: string; message: string } }).error;
  /** Moves the cache's clock past the time to live, so the next list asks the cloud. */
  const expire = () => {
    clock += TTL + 1;
  };

  it("walks every VPC of the buyer's account one page at a time, and none of OneClick's", async () => {
    const seen: string[] = [];
    let marker: string | null | undefined;
    for (let page = 0; page < 10; page++) {
      const q = new URLSearchParams({ accountId, limit: '1', ...(marker && { marker }) });
      const res = await get(alice, `/vpcs?${q.toString()}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Listed;
      expect(body.items.length).toBeLessThanOrEqual(1);
      seen.push(...body.items.map((v) => v.id));
      marker = body.nextMarker;
      if (!marker) break;
    }
    expect(marker).toBeNull();
    expect(seen.sort()).toEqual([...buyerVpcs].sort());
  });

  it("lists OneClick's own account when no account is named (a buyer with none linked)", async () => {
    const res = await get(mallory, '/vpcs');
    expect(res.status).toBe(200);
    const names = ((await res.json()) as Listed).items.map((v) => v.name);
    expect(names).toContain('oneclick-own');
    expect(names.some((n) => n.startsWith('alice-vpc-'))).toBe(false);
  });

  it('serves a repeated list from the cache until its time to live has passed', async () => {
    const path = `/vpcs?accountId=${accountId}`;
    const before = ((await (await get(alice, path)).json()) as Listed).items.map((v) => v.id);
    const added = await buyerCloud.createVpc({ name: 'alice-vpc-late', cidr: '10.9.0.0/16' });
    buyerVpcs.push(added.id);
    const cached = ((await (await get(alice, path)).json()) as Listed).items.map((v) => v.id);
    expect(cached).toEqual(before);
    expect(cached).not.toContain(added.id);
    // Another query is another entry: it asks the cloud and sees the new VPC at once.
    const other = (await (await get(alice, `${path}&limit=100`)).json()) as Listed;
    expect(other.items.map((v) => v.id)).toContain(added.id);
    expire();
    const fresh = ((await (await get(alice, path)).json()) as Listed).items.map((v) => v.id);
    expect(fresh).toContain(added.id);
  });

  it("answers 404 CLOUD_ACCOUNT_NOT_FOUND for another buyer's account, even with its list cached", async () => {
    expect((await get(alice, `/vpcs?accountId=${accountId}`)).status).toBe(200);
    for (const path of [`/vpcs?accountId=${accountId}`, '/flavors?accountId=cla_unknown']) {
      const res = await get(mallory, path);
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('CLOUD_ACCOUNT_NOT_FOUND');
    }
  });

  it("lets operators list in a buyer's account, and refuses sellers", async () => {
    const res = await get(operator, `/vpcs?accountId=${accountId}&limit=100`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Listed).items.map((v) => v.id).sort()).toEqual(
      [...buyerVpcs].sort(),
    );
    expect((await get(seller, '/vpcs')).status).toBe(403);
  });

  it("lists a VPC's subnets and the account's security groups and servers", async () => {
    const vpcId = buyerVpcs[0]!;
    const subnet = await buyerCloud.createSubnet({
      name: 'alice-subnet',
      cidr: '10.1.1.0/24',
      gatewayIp: '10.1.1.1',
      vpcId,
    });
    const group = await buyerCloud.createSecurityGroup({ name: 'alice-sg' });
    expire();
    const subnets = (await (
      await get(alice, `/subnets?accountId=${accountId}&vpcId=${vpcId}`)
    ).json()) as Listed<{ id: string; vpcId: string; cidr: string }>;
    expect(subnets.items).toEqual([
      expect.objectContaining({ id: subnet.id, vpcId, cidr: '10.1.1.0/24' }),
    ]);
    const other = (await (
      await get(alice, `/subnets?accountId=${accountId}&vpcId=${buyerVpcs[1]!}`)
    ).json()) as Listed;
    expect(other.items).toEqual([]);
    const groups = (await (
      await get(alice, `/security-groups?accountId=${accountId}`)
    ).json()) as Listed;
    expect(groups.items.map((g) => g.id)).toContain(group.id);
    const servers = await get(alice, `/servers?accountId=${accountId}`);
    expect(servers.status).toBe(200);
    expect(await servers.json()).toEqual({ items: [], nextMarker: null });
  });

  it('lists availability zones and flavors in full, and public images page by page', async () => {
    const zones = await get(alice, `/availability-zones?accountId=${accountId}`);
    expect(zones.status).toBe(200);
    const z = (await zones.json()) as { items: { name: string; available: boolean }[] };
    expect(z.items.length).toBeGreaterThan(0);
    expect(Object.keys(z)).toEqual(['items']);
    const zone = z.items[0]!.name;
    const flavors = await get(alice, `/flavors?accountId=${accountId}&availabilityZone=${zone}`);
    expect(flavors.status).toBe(200);
    const f = (await flavors.json()) as { items: { id: string; vcpus: number }[] };
    expect(f.items.length).toBeGreaterThan(0);
    expect(Object.keys(f)).toEqual(['items']);
    const images = await get(alice, `/images?accountId=${accountId}&type=gold&limit=1`);
    expect(images.status).toBe(200);
    const i = (await images.json()) as Listed<{ id: string; imageType: string }>;
    expect(i.items).toHaveLength(1);
    expect(i.items[0]!.imageType).toBe('gold');
    const mine = await get(alice, `/images?accountId=${accountId}&type=private`);
    expect(mine.status).toBe(200);
  });

  it('answers the cloud’s failures as 429/502 with its code, and keeps no failed list', async () => {
    expire();
    app.cloud.faults.throttleNext(1, { operation: 'ListVpcs' });
    const throttled = await get(alice, `/vpcs?accountId=${accountId}`);
    expect(throttled.status).toBe(429);
    expect((await errorOf(throttled)).code).toBe('CLOUD_THROTTLED');
    app.cloud.faults.failNextRequests(1, { operation: 'ListSubnets', status: 503 });
    const down = await get(alice, `/subnets?accountId=${accountId}`);
    expect(down.status).toBe(502);
    expect((await errorOf(down)).code).toBe('CLOUD_SERVER_ERROR');
    // The failure was not cached: asked again, the cloud answers.
    expect((await get(alice, `/vpcs?accountId=${accountId}`)).status).toBe(200);
  });

  it.each([
    ['a region the account has no project in', '/vpcs?region=eu-west-101', 'CLOUD_REGION_UNKNOWN'],
    ['a region that is no region name', '/vpcs?region=Mars', 'VALIDATION_FAILED'],
    ['a limit of 0', '/vpcs?limit=0', 'VALIDATION_FAILED'],
    ['a limit over 200', '/vpcs?limit=201', 'VALIDATION_FAILED'],
    ['an unknown image type', '/images?type=shared', 'VALIDATION_FAILED'],
    ['a server marker it did not hand out', '/servers?marker=page-2', 'INVALID_PAGE_MARKER'],
  ])('answers 4xx to %s', async (_what, path, code) => {
    const res = await get(alice, path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await errorOf(res)).code).toBe(code);
  });

  it("keeps the agency's temporary keys and token out of every answer, the database and the log", async () => {
    const issued = app.cloud.emulator.exportAccounts().temporary;
    expect(issued.length).toBeGreaterThan(0);
    const answers = await Promise.all(
      ['/vpcs', '/subnets', '/security-groups', '/servers'].map(async (p) =>
        (await get(alice, `${p}?accountId=${accountId}`)).text(),
      ),
    );
    const tables = ['cloud_accounts', 'secrets', 'idempotency_keys', 'audit_events'];
    const rows = await Promise.all(tables.map((n) => t.db.query(`select * from ${n}`)));
    expect(t.logLines.length).toBeGreaterThan(0);
    const everything = answers.join('') + JSON.stringify(rows) + t.logLines.join('');
    for (const c of issued) {
      for (const secret of [c.sk, c.securityToken]) expect(everything).not.toContain(secret);
    }
  });
});
