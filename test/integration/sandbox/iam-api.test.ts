import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BasicCredentials, GlobalCredentials, Region } from '@huaweicloud/huaweicloud-sdk-core';
import {
  AgencyAuth,
  AgencyAuthIdentity,
  CreateTemporaryAccessKeyByAgencyRequest,
  CreateTemporaryAccessKeyByAgencyRequestBody,
  IamClient,
  IdentityAssumerole,
  KeystoneListAuthDomainsRequest,
  KeystoneListAuthProjectsRequest,
  KeystoneListProjectsRequest,
} from '@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js';
import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_FLAVOR,
  DEFAULT_IMAGE_ID,
  type BuyerAccount,
} from '../../../src/sandbox/emulator.js';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';
import { adminCall, signedCall, type CallKeys } from '../../helpers/signed-call.js';

const OPTIONS = { customUserAgent: 'oneclick-test' };

/** The parts of the wire bodies these tests read. */
interface Made {
  domain: { id: string; name: string };
  ak: string;
  sk: string;
  projects: { id: string; name: string }[];
}
type Ids = { id: string }[];
interface ApigError {
  error_code: string;
}

/** Silences the SDK's logger, which prints every failed request (the refusals tested here). */
function quiet<T extends object>(client: T): T {
  const http = (client as { hcClient?: { httpClient?: { _logger?: unknown } } }).hcClient
    ?.httpClient;
  if (http) http._logger = { debug() {}, info() {}, warn() {}, error() {} };
  return client;
}

function iamClient(endpoint: string, keys: CallKeys, domainId?: string): IamClient {
  const cred = new GlobalCredentials().withAk(keys.ak).withSk(keys.sk);
  if (keys.securityToken) cred.withSecurityToken(keys.securityToken);
  if (domainId) cred.withDomainId(domainId);
  return quiet(
    IamClient.newBuilder().withCredential(cred).withEndpoint(endpoint).withOptions(OPTIONS).build(),
  );
}

function vpcClient(endpoint: string, keys: CallKeys, projectId: string): vpc.VpcClient {
  const cred = new BasicCredentials().withAk(keys.ak).withSk(keys.sk).withProjectId(projectId);
  if (keys.securityToken) cred.withSecurityToken(keys.securityToken);
  return quiet(
    vpc.VpcClient.newBuilder()
      .withCredential(cred)
      .withEndpoint(endpoint)
      .withOptions(OPTIONS)
      .build(),
  );
}

/** The assume_role request as IAM's SDK builds it. */
function assumeRequest(role: {
  agency: string;
  domainName?: string;
  domainId?: string;
  seconds?: number;
}): CreateTemporaryAccessKeyByAgencyRequest {
  const assume = new IdentityAssumerole().withAgencyName(role.agency);
  if (role.domainName) assume.withDomainName(role.domainName);
  if (role.domainId) assume.withDomainId(role.domainId);
  if (role.seconds) assume.withDurationSeconds(role.seconds);
  const identity = new AgencyAuthIdentity().withMethods(['assume_role']).withAssumeRole(assume);
  return new CreateTemporaryAccessKeyByAgencyRequest().withBody(
    new CreateTemporaryAccessKeyByAgencyRequestBody().withAuth(
      new AgencyAuth().withIdentity(identity),
    ),
  );
}

/** The HTTP status and code of an SDK failure (the promise must reject). */
async function failure(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { httpStatusCode?: number; errorMsg?: string };
    return { status: Number(err.httpStatusCode), message: String(err.errorMsg) };
  }
  throw new Error('expected the call to fail');
}

describe('IAM agencies and accounts kept apart in the sandbox cloud', () => {
  let cloud: SandboxCloud;
  let buyerA: BuyerAccount;
  let buyerB: BuyerAccount;
  const own = (): CallKeys => ({ ak: cloud.ak, sk: cloud.sk });
  const projectOf = (b: BuyerAccount, region = 'cn-north-4') =>
    b.projects.find((p) => p.name === region)?.id ?? '';

  /** Temporary credentials for a buyer's agency, obtained with OneClick's own AK/SK. */
  async function agencyKeys(domainName: string, agency: string): Promise<CallKeys> {
    const res = await iamClient(cloud.iamEndpoint, own()).createTemporaryAccessKeyByAgency(
      assumeRequest({ agency, domainName, seconds: 900 }),
    );
    const c = res.credential;
    return { ak: c?.access ?? '', sk: c?.secret ?? '', securityToken: c?.securitytoken ?? '' };
  }

  beforeAll(async () => {
    cloud = await startSandboxCloud({ region: 'cn-north-4' });
    // One buyer through the Emulator's method, the other through the admin API.
    buyerA = cloud.emulator.createAccount('buyer_alpha');
    cloud.emulator.createAgency(buyerA.domainId, {
      name: 'oneclick_deploy',
      trustDomainId: cloud.domainId,
    });
    const made = await adminCall<Made>(cloud.iamEndpoint, 'POST', '/_sandbox/accounts', {
      name: 'buyer_beta',
    });
    expect(made.status).toBe(201);
    buyerB = {
      domainId: made.body.domain.id,
      domainName: made.body.domain.name,
      ak: made.body.ak,
      sk: made.body.sk,
      projects: made.body.projects,
    };
    const agency = await adminCall<{ agency: unknown }>(
      cloud.iamEndpoint,
      'POST',
      `/_sandbox/accounts/${buyerB.domainId}/agencies`,
      { name: 'oneclick_deploy', trust_domain_name: cloud.domainName },
    );
    expect(agency.status).toBe(201);
    expect(agency.body.agency).toMatchObject({
      name: 'oneclick_deploy',
      domain_id: buyerB.domainId,
      trust_domain_id: cloud.domainId,
    });
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('gives each account a 32-hex domain and one project per region, named after it', async () => {
    expect(buyerA.domainId).toMatch(/^[0-9a-f]{32}$/);
    expect(buyerA.projects.map((p) => p.name)).toEqual(
      expect.arrayContaining(['cn-north-4', 'cn-east-3']),
    );
    const iam = iamClient(cloud.iamEndpoint, { ak: buyerA.ak, sk: buyerA.sk });
    for (const region of ['cn-north-4', 'cn-east-3']) {
      const res = await iam.keystoneListProjects(
        new KeystoneListProjectsRequest().withName(region),
      );
      // The SDK hands the body over as received, so domain_id is there under its wire name.
      const raw = (res.projects ?? []) as unknown as {
        id: string;
        name: string;
        domain_id: string;
      }[];
      expect(raw.map((p) => [p.id, p.name, p.domain_id])).toEqual([
        [projectOf(buyerA, region), region, buyerA.domainId],
      ]);
    }
    expect(projectOf(buyerA, 'cn-east-3')).not.toBe(projectOf(buyerA));
    const domains = await iam.keystoneListAuthDomains(new KeystoneListAuthDomainsRequest());
    expect(domains.domains?.map((d) => [d.id, d.name])).toEqual([[buyerA.domainId, 'buyer_alpha']]);
    // OneClick's own account keeps its configured project for its region.
    const mine = await iamClient(cloud.iamEndpoint, own()).keystoneListProjects(
      new KeystoneListProjectsRequest().withName('cn-north-4'),
    );
    expect(mine.projects?.map((p) => p.id)).toEqual([cloud.projectId]);
  });

  it("answers temporary credentials that act in the buyer's domain and project", async () => {
    const res = await iamClient(
      cloud.iamEndpoint,
      own(),
      cloud.domainId,
    ).createTemporaryAccessKeyByAgency(
      assumeRequest({ agency: 'oneclick_deploy', domainName: 'buyer_alpha', seconds: 3600 }),
    );
    expect(res.httpStatusCode).toBe(201);
    const c = res.credential!;
    expect(c.access).toMatch(/^[A-Z0-9]{20}$/);
    expect(c.securitytoken!.length).toBeGreaterThan(100);
    // The SDK hands the body over as received: IAM's field is expires_at, in microseconds.
    const expiresAt = (c as unknown as { expires_at?: string }).expires_at ?? '';
    expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const expires = Date.parse(expiresAt.replace('000Z', 'Z'));
    expect(expires).toBeGreaterThan(Date.now() + 3000 * 1000);
    const keys = { ak: c.access!, sk: c.secret!, securityToken: c.securitytoken! };

    const iam = iamClient(cloud.iamEndpoint, keys);
    const projects = await iam.keystoneListAuthProjects(new KeystoneListAuthProjectsRequest());
    expect(projects.projects?.map((p) => p.id).sort()).toEqual(
      buyerA.projects.map((p) => p.id).sort(),
    );
    const domains = await iam.keystoneListAuthDomains(new KeystoneListAuthDomainsRequest());
    expect(domains.domains?.map((d) => d.id)).toEqual([buyerA.domainId]);

    const client = vpcClient(cloud.vpcEndpoint, keys, projectOf(buyerA));
    const made = await client.createVpc(
      new vpc.CreateVpcRequest().withBody(
        new vpc.CreateVpcRequestBody().withVpc(
          new vpc.CreateVpcOption().withName('agency-made').withCidr('10.8.0.0/16'),
        ),
      ),
    );
    const listed = await client.listVpcs(new vpc.ListVpcsRequest());
    expect(listed.vpcs?.map((v) => v.id)).toContain(made.vpc?.id);
    const inInventory = cloud.inventory().vpcs.find((v) => v.id === made.vpc?.id);
    expect(inInventory?.projectId).toBe(projectOf(buyerA));
  });

  it('refuses temporary credentials without their token, with another token, or expired', async () => {
    const keys = await agencyKeys('buyer_alpha', 'oneclick_deploy');
    const other = await agencyKeys('buyer_alpha', 'oneclick_deploy');
    const list = (k: CallKeys) =>
      vpcClient(cloud.vpcEndpoint, k, projectOf(buyerA)).listVpcs(new vpc.ListVpcsRequest());
    await expect(list(keys)).resolves.toBeDefined();
    const missing = await failure(list({ ak: keys.ak, sk: keys.sk }));
    expect(missing.status).toBe(401);
    expect(missing.message).toMatch(/X-Security-Token/);
    const wrong = await failure(list({ ...keys, securityToken: other.securityToken }));
    expect(wrong.status).toBe(401);
    expect(wrong.message).toMatch(/does not match/);
    expect(cloud.emulator.accounts.expire(keys.ak)).toBe(true);
    const expired = await failure(list(keys));
    expect(expired.status).toBe(401);
    expect(expired.message).toMatch(/expired/);
    // The other pair is untouched.
    await expect(list(other)).resolves.toBeDefined();
  });

  it('answers 403 for an agency that does not trust the caller, 404 for unknown names, 400 for bad input', async () => {
    // Buyer B's own keys try buyer A's agency, which trusts OneClick only.
    const asB = iamClient(cloud.iamEndpoint, { ak: buyerB.ak, sk: buyerB.sk });
    const untrusted = await failure(
      asB.createTemporaryAccessKeyByAgency(
        assumeRequest({ agency: 'oneclick_deploy', domainName: 'buyer_alpha' }),
      ),
    );
    expect(untrusted.status).toBe(403);
    const mine = iamClient(cloud.iamEndpoint, own());
    const noAgency = await failure(
      mine.createTemporaryAccessKeyByAgency(
        assumeRequest({ agency: 'nobody', domainId: buyerA.domainId }),
      ),
    );
    expect(noAgency.status).toBe(404);
    const noDomain = await failure(
      mine.createTemporaryAccessKeyByAgency(
        assumeRequest({ agency: 'oneclick_deploy', domainName: 'no_such_buyer' }),
      ),
    );
    expect(noDomain.status).toBe(404);
    const tooShort = await failure(
      mine.createTemporaryAccessKeyByAgency(
        assumeRequest({ agency: 'oneclick_deploy', domainName: 'buyer_alpha', seconds: 60 }),
      ),
    );
    expect(tooShort.status).toBe(400);
    const raw = await signedCall(
      cloud.iamEndpoint,
      own(),
      'POST',
      '/v3.0/OS-CREDENTIAL/securitytokens',
      {
        auth: { identity: { methods: ['assume_role'], assume_role: { agency_name: 'x' } } },
      },
    );
    expect(raw.status).toBe(400);
    expect(raw.body).toMatchObject({ error: { code: 400, title: 'Bad Request' } });
  });

  it('lets the SDK find the project of a region by itself through IAM, with temporary keys too', async () => {
    const keys = await agencyKeys('buyer_alpha', 'oneclick_deploy');
    // No project id: given a region, the core asks IAM (GET /v3/projects?name=) for it.
    const cred = new BasicCredentials()
      .withAk(keys.ak)
      .withSk(keys.sk)
      .withSecurityToken(keys.securityToken ?? '')
      .withIamEndpoint(cloud.iamEndpoint);
    const client = quiet(
      vpc.VpcClient.newBuilder()
        .withCredential(cred)
        .withRegion(new Region('cn-east-3', cloud.vpcEndpoint))
        .withOptions(OPTIONS)
        .build(),
    );
    const made = await client.createVpc(
      new vpc.CreateVpcRequest().withBody(
        new vpc.CreateVpcRequestBody().withVpc(
          new vpc.CreateVpcOption().withName('by-region').withCidr('10.9.0.0/16'),
        ),
      ),
    );
    const where = cloud.inventory().vpcs.find((v) => v.id === made.vpc?.id)?.projectId;
    expect(where).toBe(projectOf(buyerA, 'cn-east-3'));
  });

  it("keeps one buyer's VPCs and servers invisible to another buyer and to OneClick's own keys", async () => {
    const a = await agencyKeys('buyer_alpha', 'oneclick_deploy');
    const b = await agencyKeys('buyer_beta', 'oneclick_deploy');
    const pa = projectOf(buyerA);
    const pb = projectOf(buyerB);
    const mk = async (keys: CallKeys, project: string, cidr: string) => {
      const v = await signedCall<{ vpc: { id: string } }>(
        cloud.vpcEndpoint,
        keys,
        'POST',
        `/v1/${project}/vpcs`,
        {
          vpc: { name: `iso-${randomUUID().slice(0, 6)}`, cidr },
        },
      );
      expect(v.status).toBe(200);
      const s = await signedCall<{ subnet: { id: string } }>(
        cloud.vpcEndpoint,
        keys,
        'POST',
        `/v1/${project}/subnets`,
        {
          subnet: {
            name: 'iso',
            cidr: cidr.replace('0.0/16', '1.0/24'),
            gateway_ip: cidr.replace('0.0/16', '1.1'),
            vpc_id: v.body.vpc.id,
          },
        },
      );
      expect(s.status).toBe(200);
      return { vpcId: v.body.vpc.id, subnetId: s.body.subnet.id };
    };
    const netA = await mk(a, pa, '10.20.0.0/16');
    const netB = await mk(b, pb, '10.30.0.0/16');
    const created = await signedCall<{ serverIds: string[] }>(
      cloud.ecsEndpoint,
      a,
      'POST',
      `/v1.1/${pa}/cloudservers`,
      {
        server: {
          name: 'iso-a',
          imageRef: DEFAULT_IMAGE_ID,
          flavorRef: DEFAULT_FLAVOR,
          vpcid: netA.vpcId,
          nics: [{ subnet_id: netA.subnetId }],
          root_volume: { volumetype: 'SSD' },
        },
      },
    );
    expect(created.status).toBe(200);
    const serverA = created.body.serverIds[0] ?? '';

    // Seen with A's credentials in A's project.
    const showA = await signedCall(
      cloud.ecsEndpoint,
      a,
      'GET',
      `/v1/${pa}/cloudservers/${serverA}`,
    );
    expect(showA.status).toBe(200);
    // B, in its own project, neither lists nor shows A's VPC or server.
    const vpcsB = await signedCall<{ vpcs: Ids }>(cloud.vpcEndpoint, b, 'GET', `/v1/${pb}/vpcs`);
    expect(vpcsB.body.vpcs.map((v) => v.id)).toEqual([netB.vpcId]);
    expect(
      (await signedCall(cloud.vpcEndpoint, b, 'GET', `/v1/${pb}/vpcs/${netA.vpcId}`)).status,
    ).toBe(404);
    const serversB = await signedCall<{ servers: Ids }>(
      cloud.ecsEndpoint,
      b,
      'GET',
      `/v1/${pb}/cloudservers/detail`,
    );
    expect(serversB.body.servers).toEqual([]);
    expect(
      (await signedCall(cloud.ecsEndpoint, b, 'GET', `/v1/${pb}/cloudservers/${serverA}`)).status,
    ).toBe(404);
    // B's and OneClick's own keys may not even name A's project.
    for (const keys of [b, own(), { ak: buyerB.ak, sk: buyerB.sk }]) {
      const denied = await signedCall<ApigError>(
        cloud.ecsEndpoint,
        keys,
        'GET',
        `/v1/${pa}/cloudservers/${serverA}`,
      );
      expect(denied.status).toBe(403);
      expect(denied.body.error_code).toBe('APIGW.0302');
      expect((await signedCall(cloud.vpcEndpoint, keys, 'GET', `/v1/${pa}/vpcs`)).status).toBe(403);
    }
    // And the other way round: A does not see B's VPC, OneClick's own project sees neither.
    expect(
      (await signedCall(cloud.vpcEndpoint, a, 'GET', `/v1/${pa}/vpcs/${netB.vpcId}`)).status,
    ).toBe(404);
    expect((await signedCall(cloud.vpcEndpoint, a, 'GET', `/v1/${pb}/vpcs`)).status).toBe(403);
    const ownVpcs = await signedCall<{ vpcs: Ids }>(
      cloud.vpcEndpoint,
      own(),
      'GET',
      `/v1/${cloud.projectId}/vpcs`,
    );
    const ownIds = ownVpcs.body.vpcs.map((v) => v.id);
    expect(ownIds).not.toContain(netA.vpcId);
    expect(ownIds).not.toContain(netB.vpcId);
    // A's resources in another region's project are apart from its cn-north-4 ones.
    const east = projectOf(buyerA, 'cn-east-3');
    const eastVpcs = await signedCall<{ vpcs: Ids }>(
      cloud.vpcEndpoint,
      a,
      'GET',
      `/v1/${east}/vpcs`,
    );
    expect(eastVpcs.body.vpcs.map((v) => v.id)).not.toContain(netA.vpcId);
  });

  it("answers the admin API's errors with codes", async () => {
    const unknown = await adminCall<ApigError>(
      cloud.iamEndpoint,
      'POST',
      `/_sandbox/accounts/${'0'.repeat(32)}/agencies`,
      {
        name: 'x_agency',
        trust_domain_id: cloud.domainId,
      },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('SANDBOX_DOMAIN_NOT_FOUND');
    const twice = await adminCall(
      cloud.iamEndpoint,
      'POST',
      `/_sandbox/accounts/${buyerA.domainId}/agencies`,
      {
        name: 'oneclick_deploy',
        trust_domain_id: cloud.domainId,
      },
    );
    expect(twice.status).toBe(409);
    const bad = await adminCall(
      cloud.iamEndpoint,
      'POST',
      `/_sandbox/accounts/${buyerA.domainId}/agencies`,
      {
        name: 'no trust given',
      },
    );
    expect(bad.status).toBe(400);
    const sameName = await adminCall(cloud.iamEndpoint, 'POST', '/_sandbox/accounts', {
      name: 'buyer_alpha',
    });
    expect(sameName.status).toBe(409);
  });
});

describe('accounts of a persistent sandbox cloud', () => {
  it('keeps buyer accounts, agencies and their temporary credentials across a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-iam-'));
    try {
      let cloud = await startSandboxCloud({ stateDir: dir });
      const buyer = cloud.emulator.createAccount('buyer_kept');
      cloud.emulator.createAgency(buyer.domainId, { name: 'kept', trustDomainId: cloud.domainId });
      const own = { ak: cloud.ak, sk: cloud.sk };
      const res = await iamClient(cloud.iamEndpoint, own).createTemporaryAccessKeyByAgency(
        assumeRequest({ agency: 'kept', domainId: buyer.domainId }),
      );
      const keys = {
        ak: res.credential!.access!,
        sk: res.credential!.secret!,
        securityToken: res.credential!.securitytoken!,
      };
      const project = buyer.projects[0]!.id;
      await cloud.stop();
      cloud = await startSandboxCloud({ stateDir: dir });
      try {
        const list = await signedCall(cloud.vpcEndpoint, keys, 'GET', `/v1/${project}/vpcs`);
        expect(list.status).toBe(200);
        const again = await iamClient(cloud.iamEndpoint, own).createTemporaryAccessKeyByAgency(
          assumeRequest({ agency: 'kept', domainName: 'buyer_kept' }),
        );
        expect(again.credential?.access).toMatch(/^[A-Z0-9]{20}$/);
      } finally {
        await cloud.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
