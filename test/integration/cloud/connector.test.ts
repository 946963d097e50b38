import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudConnector, type CloudConnectorOptions } from '../../../src/cloud/connector.js';
import {
  cloudConnectorFromConfig,
  connectorOptionsFromConfig,
} from '../../../src/cloud/from-config.js';
import type { CloudAccountSecret, CloudAccountSource } from '../../../src/cloud/types.js';
import { loadConfig } from '../../../src/config.js';
import { AppError } from '../../../src/errors.js';
import type { BuyerAccount } from '../../../src/sandbox/emulator.js';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';

/** The accounts repository's part the connector reads: a map, as a test has no sealed store. */
class Accounts implements CloudAccountSource {
  readonly secrets = new Map<string, CloudAccountSecret>();
  reads = 0;
  secretFor(accountId: string): Promise<CloudAccountSecret | undefined> {
    this.reads++;
    return Promise.resolve(this.secrets.get(accountId));
  }
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('the cloud connector against the sandbox cloud', () => {
  let cloud: SandboxCloud;
  let accounts: Accounts;
  let buyer: BuyerAccount;
  let options: () => CloudConnectorOptions;
  const projectOf = (account: BuyerAccount, region: string) =>
    account.projects.find((p) => p.name === region)?.id;
  /** Agency sessions assumed into the account so far: each is one set of keys built. */
  const assumedFor = (account: BuyerAccount) =>
    cloud.emulator.exportAccounts().temporary.filter((c) => c.domainId === account.domainId).length;

  beforeAll(async () => {
    cloud = await startSandboxCloud();
    accounts = new Accounts();
    buyer = cloud.emulator.createAccount();
    cloud.emulator.createAgency(buyer.domainId, {
      name: 'oneclick_deployer',
      trustDomainId: cloud.domainId,
    });
    accounts.secrets.set('agency-1', {
      kind: 'agency',
      domainName: buyer.domainName,
      agencyName: 'oneclick_deployer',
    });
    options = () => connectorOptionsFromConfig(loadConfig({}).huaweiCloud, cloud, accounts);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it("gives OneClick's own account in the default region when the target names none", async () => {
    const connector = cloudConnectorFromConfig(loadConfig({}).huaweiCloud, cloud, accounts);
    expect(connector.defaultRegion).toBe(cloud.region);
    const own = await connector.forTarget();
    expect(await connector.forTarget({})).toBe(own);
    const vpc = await own.createVpc({
      name: `own-${randomUUID().slice(0, 6)}`,
      cidr: '10.0.0.0/16',
    });
    const record = cloud.inventory().vpcs.find((v) => v.id === vpc.id);
    expect(record?.projectId).toBe(cloud.projectId);
  });

  it("acts in a buyer's account through an agency, and nowhere else", async () => {
    const connector = createCloudConnector(options());
    const probe = await connector.probe(accounts.secrets.get('agency-1') as CloudAccountSecret);
    expect(probe).toEqual({ projectId: projectOf(buyer, cloud.region), domainId: buyer.domainId });

    const adapter = await connector.forTarget({ accountId: 'agency-1' });
    expect(await connector.forTarget({ accountId: 'agency-1', region: cloud.region })).toBe(
      adapter,
    );
    const name = `buyer-${randomUUID().slice(0, 6)}`;
    const vpc = await adapter.createVpc({ name, cidr: '10.1.0.0/16' });
    expect(cloud.inventory().vpcs.find((v) => v.id === vpc.id)?.projectId).toBe(
      projectOf(buyer, cloud.region),
    );
    // OneClick's own account does not see the buyer's VPC, nor the buyer OneClick's.
    const own = await connector.forTarget();
    expect(await own.findVpcsByName(name)).toEqual([]);
    expect(await own.showVpc(vpc.id)).toBeUndefined();
    const ownVpc = await own.createVpc({ name: `mine-${name}`, cidr: '10.2.0.0/16' });
    expect(await adapter.showVpc(ownVpc.id)).toBeUndefined();

    // Another region of the same account is another project, with the same session.
    const east = await connector.forTarget({ accountId: 'agency-1', region: 'cn-east-3' });
    expect(east).not.toBe(adapter);
    const eastVpc = await east.createVpc({ name: `east-${name}`, cidr: '10.3.0.0/16' });
    expect(cloud.inventory().vpcs.find((v) => v.id === eastVpc.id)?.projectId).toBe(
      projectOf(buyer, 'cn-east-3'),
    );
  });

  it("drops an unlinked account's keys and adapters, and builds them afresh when re-linked", async () => {
    const connector = createCloudConnector(options());
    const secret = accounts.secrets.get('agency-1') as CloudAccountSecret;
    accounts.secrets.set('relinked', secret);
    const sessions = () => assumedFor(buyer);
    const before = sessions();
    const home = await connector.forTarget({ accountId: 'relinked' });
    const east = await connector.forTarget({ accountId: 'relinked', region: 'cn-east-3' });
    expect(await connector.forTarget({ accountId: 'relinked' })).toBe(home);
    expect(sessions()).toBe(before + 1);

    accounts.secrets.delete('relinked');
    expect((await failure(connector.forTarget({ accountId: 'relinked' }))).code).toBe(
      'CLOUD_ACCOUNT_NOT_FOUND',
    );
    // Linked again with the very same secret: nothing of the old link is reused.
    accounts.secrets.set('relinked', secret);
    const again = await connector.forTarget({ accountId: 'relinked' });
    expect(again).not.toBe(home);
    expect(await connector.forTarget({ accountId: 'relinked', region: 'cn-east-3' })).not.toBe(
      east,
    );
    expect(sessions()).toBe(before + 2);
    accounts.secrets.delete('relinked');
  });

  it('keeps at most maxAccounts accounts, dropping the least recently used', async () => {
    const connector = createCloudConnector({ ...options(), maxAccounts: 2 });
    const secret = accounts.secrets.get('agency-1') as CloudAccountSecret;
    for (const id of ['lru-a', 'lru-b', 'lru-c']) accounts.secrets.set(id, secret);
    const sessions = () => assumedFor(buyer);
    const before = sessions();
    const a = await connector.forTarget({ accountId: 'lru-a' });
    const b = await connector.forTarget({ accountId: 'lru-b' });
    // Using a again makes b the least recently used: c pushes b out, not a.
    expect(await connector.forTarget({ accountId: 'lru-a' })).toBe(a);
    const c = await connector.forTarget({ accountId: 'lru-c' });
    expect(sessions()).toBe(before + 3);
    expect(await connector.forTarget({ accountId: 'lru-a' })).toBe(a);
    expect(await connector.forTarget({ accountId: 'lru-c' })).toBe(c);
    expect(sessions()).toBe(before + 3);

    // b was evicted: it is rebuilt (a new session) and works; that pushes a out in turn.
    const b2 = await connector.forTarget({ accountId: 'lru-b' });
    expect(b2).not.toBe(b);
    expect(sessions()).toBe(before + 4);
    expect((await b2.listVpcs()).items).toBeDefined();
    expect(await connector.forTarget({ accountId: 'lru-c' })).toBe(c);
    expect(await connector.forTarget({ accountId: 'lru-a' })).not.toBe(a);
    expect(sessions()).toBe(before + 5);
    // OneClick's own account is not a linked account and is never pushed out.
    const own = await connector.forTarget();
    await connector.forTarget({ accountId: 'lru-b' });
    expect(await connector.forTarget()).toBe(own);
  });

  it("looks OneClick's own domain id up when it is not configured", async () => {
    const o = options();
    const connector = createCloudConnector({ ...o, own: { ...o.own, domainId: undefined } });
    const adapter = await connector.forTarget({ accountId: 'agency-1' });
    expect((await adapter.listVpcs()).items.length).toBeGreaterThanOrEqual(0);
  });

  it("acts in a buyer's account with a sub-user's AK/SK", async () => {
    const other = cloud.emulator.createAccount();
    accounts.secrets.set('aksk-1', { kind: 'aksk', ak: other.ak, sk: other.sk });
    const connector = createCloudConnector(options());
    expect(await connector.probe({ kind: 'aksk', ak: other.ak, sk: other.sk })).toMatchObject({
      projectId: projectOf(other, cloud.region),
    });
    const adapter = await connector.forTarget({ accountId: 'aksk-1' });
    const sg = await adapter.createSecurityGroup({ name: 'aksk-sg' });
    expect(cloud.inventory().securityGroups.find((g) => g.id === sg.id)?.projectId).toBe(
      projectOf(other, cloud.region),
    );
  });

  it('renews an agency session before it expires, once for concurrent callers', async () => {
    let skew = 0;
    const connector = createCloudConnector({
      ...options(),
      sessionSeconds: 900,
      refreshBeforeMs: 5 * 60_000,
      now: () => Date.now() + skew,
    });
    const sessions = () =>
      cloud.emulator.exportAccounts().temporary.filter((c) => c.domainId === buyer.domainId);
    const before = sessions().length;
    const adapter = await connector.forTarget({ accountId: 'agency-1' });
    await adapter.listVpcs();
    expect(sessions().length).toBe(before + 1);
    const first = sessions().at(-1)?.ak ?? '';

    // Still well before expiry: the same keys.
    skew = 5 * 60_000;
    await adapter.listVpcs();
    expect(sessions().length).toBe(before + 1);

    // Within five minutes of expiry: one renewal, shared by every caller at that moment.
    skew = 11 * 60_000;
    await Promise.all(Array.from({ length: 5 }, () => adapter.listVpcs()));
    expect(sessions().length).toBe(before + 2);

    // The old session is dead at the cloud now; the adapter signs with the new one.
    expect(cloud.emulator.accounts.expire(first)).toBe(true);
    expect((await adapter.listSecurityGroupsPage()).items).toBeDefined();
    await adapter.createVpc({ name: 'after-renewal', cidr: '10.9.0.0/16' });
  });

  it('refuses secrets that do not work with CLOUD_AUTH_FAILED, naming no secret', async () => {
    const connector = createCloudConnector(options());
    const stranger = cloud.emulator.createAccount();
    // An agency that trusts someone else.
    cloud.emulator.createAgency(stranger.domainId, {
      name: 'trusts_another',
      trustDomainId: buyer.domainId,
    });
    const cases: CloudAccountSecret[] = [
      { kind: 'agency', domainName: buyer.domainName, agencyName: 'no_such_agency' },
      { kind: 'agency', domainId: stranger.domainId, agencyName: 'trusts_another' },
      { kind: 'agency', domainName: 'no_such_domain', agencyName: 'oneclick_deployer' },
      { kind: 'aksk', ak: stranger.ak, sk: `${stranger.sk}x` },
      { kind: 'aksk', ak: 'SBXNOSUCHKEY00000000', sk: stranger.sk },
    ];
    for (const secret of cases) {
      const err = await failure(connector.probe(secret));
      expect(err.code).toBe('CLOUD_AUTH_FAILED');
      expect(err.retryable).toBe(false);
      expect(err.message).not.toContain(stranger.sk);
      expect(JSON.stringify(err.context)).not.toContain(stranger.sk);
    }
    accounts.secrets.set('broken', cases[1] as CloudAccountSecret);
    const err = await failure(connector.forTarget({ accountId: 'broken' }));
    expect(err.code).toBe('CLOUD_AUTH_FAILED');
  });

  it('answers CLOUD_ACCOUNT_NOT_FOUND and CLOUD_REGION_UNKNOWN', async () => {
    const connector = createCloudConnector(options());
    expect((await failure(connector.forTarget({ accountId: 'nobody' }))).code).toBe(
      'CLOUD_ACCOUNT_NOT_FOUND',
    );
    // The emulator serves any region name; the account has no project there.
    expect(
      (await failure(connector.forTarget({ accountId: 'agency-1', region: 'xx-nowhere-9' }))).code,
    ).toBe('CLOUD_REGION_UNKNOWN');
    expect((await failure(connector.forTarget({ region: 'not a region' }))).code).toBe(
      'CLOUD_REGION_UNKNOWN',
    );

    // A removed account is gone at once, even with its adapter cached.
    accounts.secrets.set('temp', accounts.secrets.get('agency-1') as CloudAccountSecret);
    await connector.forTarget({ accountId: 'temp' });
    accounts.secrets.delete('temp');
    expect((await failure(connector.forTarget({ accountId: 'temp' }))).code).toBe(
      'CLOUD_ACCOUNT_NOT_FOUND',
    );
  });
});

describe('the connector for a real region (offline)', () => {
  const real = (env: Record<string, string> = {}) =>
    loadConfig({
      HUAWEICLOUD_AK: 'AKEXAMPLE0000000000',
      HUAWEICLOUD_SK: 'sk-example',
      HUAWEICLOUD_PROJECT_ID: '0123456789abcdef0123456789abcdef',
      ...env,
    }).huaweiCloud;
  const none: CloudAccountSource = { secretFor: () => Promise.resolve(undefined) };

  it('takes endpoints from the region tables unless configured', async () => {
    const o = connectorOptionsFromConfig(
      real({ HUAWEICLOUD_REGION: 'ap-southeast-1' }),
      undefined,
      none,
    );
    expect(o.defaultRegion).toBe('ap-southeast-1');
    expect(o.endpoints).toEqual({
      ecs: undefined,
      vpc: undefined,
      iam: undefined,
      ims: undefined,
    });
    // The own account in its own region needs no IAM call: nothing goes over the network here.
    const connector = cloudConnectorFromConfig(
      real({ HUAWEICLOUD_REGION: 'ap-southeast-1' }),
      undefined,
      none,
    );
    expect(await connector.forTarget()).toBeDefined();
    expect((await failure(connector.forTarget({ region: 'xx-nowhere-9' }))).code).toBe(
      'CLOUD_REGION_UNKNOWN',
    );
    expect((await failure(connector.forTarget({ accountId: 'a1' }))).code).toBe(
      'CLOUD_ACCOUNT_NOT_FOUND',
    );
    const custom = connectorOptionsFromConfig(
      real({ HUAWEICLOUD_ECS_ENDPOINT: 'https://ecs.internal.example' }),
      undefined,
      none,
    );
    expect(custom.endpoints?.ecs).toBe('https://ecs.internal.example');
  });

  it('refuses to start in a region it cannot reach', () => {
    expect(() =>
      cloudConnectorFromConfig(real({ HUAWEICLOUD_REGION: 'xx-nowhere-9' }), undefined, none),
    ).toThrow(expect.objectContaining({ code: 'CLOUD_REGION_UNKNOWN' }) as Error);
  });
});
