import { randomUUID } from 'node:crypto';
import * as ecs from '@huaweicloud/huaweicloud-sdk-ecs';
import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSdkClients, type SdkClients } from '../../../src/cloud/sdk-clients.js';
import { parseCidr, parseIpv4, isHostAddress } from '../../../src/sandbox/cidr.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import {
  newSandboxAccount,
  startSandboxCloud,
  type SandboxCloud,
} from '../../../src/sandbox/sandbox-cloud.js';

/**
 * The gaps Huawei's official Python SDK found in the emulator, and the catalogue endpoints the
 * deployment form lists, each driven through the official Node SDK (built as OneClick builds it).
 */

/* The SDK answers plain JSON objects (reference §0 #1); these are the parts the tests read. */
interface Rule {
  id: string;
  security_group_id: string;
  direction: string;
  protocol: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  multiport?: string;
  remote_ip_prefix: string | null;
}
interface Group {
  id: string;
  name: string;
  vpc_id?: string | null;
  security_group_rules: Rule[];
}
interface Job {
  job_type: string;
  status: string;
  begin_time: string;
  end_time: string | null;
  entities: { sub_jobs: { job_type: string; begin_time: string; end_time: string | null }[] };
}
interface Address {
  addr: string;
  'OS-EXT-IPS:type': string;
  'OS-EXT-IPS-MAC:mac_addr': string;
  'OS-EXT-IPS:port_id': string;
}
type Server = Record<string, unknown> & {
  id: string;
  status: string;
  addresses: Record<string, Address[]>;
  security_groups: { id: string; name: string }[];
  flavor: { id: string };
  image: { id: string };
};
interface Subnet {
  id: string;
  scope: string;
  available_ip_address_count: number;
}
interface Image {
  id: string;
  name: string;
  __imagetype: string;
  visibility: string;
  status: string;
}

const as = <T>(x: unknown) => x as T;

/** The rejection's HTTP status and SDK-parsed error code. */
async function failure(p: Promise<unknown>): Promise<{ status?: number; code?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { httpStatusCode?: number; errorCode?: string };
    return { status: err.httpStatusCode, code: err.errorCode };
  }
  throw new Error('expected the call to fail');
}

function clients(cloud: SandboxCloud, keys: { ak: string; sk: string; projectId: string }) {
  return buildSdkClients({
    ecsEndpoint: cloud.ecsEndpoint,
    vpcEndpoint: cloud.vpcEndpoint,
    ...keys,
    timeoutMs: 20_000,
  });
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 3000; i++) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition never held');
}

async function network(sdk: SdkClients, third: number) {
  const made = await sdk.vpc.createVpc(
    new vpc.CreateVpcRequest().withBody(
      new vpc.CreateVpcRequestBody().withVpc(
        new vpc.CreateVpcOption().withName(`gaps-${third}`).withCidr('192.168.0.0/16'),
      ),
    ),
  );
  const vpcId = as<{ vpc: { id: string } }>(made).vpc.id;
  const sub = await sdk.vpc.createSubnet(
    new vpc.CreateSubnetRequest().withBody(
      new vpc.CreateSubnetRequestBody().withSubnet(
        new vpc.CreateSubnetOption()
          .withName(`gaps-${third}`)
          .withCidr(`192.168.${third}.0/24`)
          .withGatewayIp(`192.168.${third}.1`)
          .withVpcId(vpcId),
      ),
    ),
  );
  const subnetId = as<{ subnet: { id: string } }>(sub).subnet.id;
  await until(
    () => sdk.vpc.showSubnet(new vpc.ShowSubnetRequest().withSubnetId(subnetId)),
    (r) => as<{ subnet: { status: string } }>(r).subnet.status === 'ACTIVE',
  );
  return { vpcId, subnetId };
}

function serverBody(o: {
  name: string;
  vpcId: string;
  subnetId: string;
  imageRef?: string;
  az?: string;
  dryRun?: boolean;
  securityGroupId?: string;
}) {
  const server = new ecs.PrePaidServer()
    .withName(o.name)
    .withImageRef(o.imageRef ?? DEFAULT_IMAGE_ID)
    .withFlavorRef(DEFAULT_FLAVOR)
    .withVpcid(o.vpcId)
    .withNics([new ecs.PrePaidServerNic().withSubnetId(o.subnetId)])
    .withRootVolume(new ecs.PrePaidServerRootVolume().withVolumetype('SSD').withSize(40));
  if (o.az) server.withAvailabilityZone(o.az);
  if (o.securityGroupId) {
    server.withSecurityGroups([new ecs.PrePaidServerSecurityGroup().withId(o.securityGroupId)]);
  }
  return new ecs.CreateServersRequest()
    .withXClientToken(randomUUID())
    .withBody(new ecs.CreateServersRequestBody().withServer(server).withDryRun(o.dryRun ?? false));
}

async function waitJob(sdk: SdkClients, jobId: string): Promise<Job> {
  return until(
    async () => as<Job>(await sdk.ecs.showJob(new ecs.ShowJobRequest().withJobId(jobId))),
    (j) => j.status === 'SUCCESS' || j.status === 'FAIL',
  );
}

const showServer = async (sdk: SdkClients, id: string) =>
  as<{ server: Server }>(await sdk.ecs.showServer(new ecs.ShowServerRequest().withServerId(id)))
    .server;

const showSubnet = async (sdk: SdkClients, id: string) =>
  as<{ subnet: Subnet }>(await sdk.vpc.showSubnet(new vpc.ShowSubnetRequest().withSubnetId(id)))
    .subnet;

describe('the sandbox cloud through the official Node SDK', () => {
  let cloud: SandboxCloud;
  let sdk: SdkClients;

  beforeAll(async () => {
    cloud = await startSandboxCloud();
    sdk = clients(cloud, cloud);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  describe('the v1 security-group API', () => {
    it('makes groups and rules that v3 sees, and sees what v3 makes', async () => {
      const { vpcId } = await network(sdk, 10);
      const made = as<{ security_group: Group }>(
        await sdk.vpc.createSecurityGroup(
          new vpc.CreateSecurityGroupRequest().withBody(
            new vpc.CreateSecurityGroupRequestBody().withSecurityGroup(
              new vpc.CreateSecurityGroupOption().withName('v1-web').withVpcId(vpcId),
            ),
          ),
        ),
      ).security_group;
      expect(made).toMatchObject({ name: 'v1-web', vpc_id: vpcId });
      // The default rules, printed the v1 way (no ports, null for absent values).
      expect(made.security_group_rules).toHaveLength(4);
      expect(made.security_group_rules[0]).toMatchObject({
        port_range_min: null,
        port_range_max: null,
        protocol: null,
      });

      const v1Rule = as<{ security_group_rule: Rule }>(
        await sdk.vpc.createSecurityGroupRule(
          new vpc.CreateSecurityGroupRuleRequest().withBody(
            new vpc.CreateSecurityGroupRuleRequestBody().withSecurityGroupRule(
              new vpc.CreateSecurityGroupRuleOption()
                .withSecurityGroupId(made.id)
                .withDirection('ingress')
                .withEthertype('IPv4')
                .withProtocol('tcp')
                .withPortRangeMin(22)
                .withPortRangeMax(22)
                .withRemoteIpPrefix('0.0.0.0/0'),
            ),
          ),
        ),
      ).security_group_rule;
      expect(v1Rule).toMatchObject({ port_range_min: 22, port_range_max: 22, protocol: 'tcp' });

      // v3 sees the group and the rule (as multiport).
      const seen = as<{ security_group: Group }>(
        await sdk.vpc3.showSecurityGroup(
          new vpc.v3.ShowSecurityGroupRequest().withSecurityGroupId(made.id),
        ),
      ).security_group;
      expect(seen.name).toBe('v1-web');
      expect(seen.security_group_rules.find((r) => r.id === v1Rule.id)?.multiport).toBe('22');

      // A v3 rule with a port range shows in v1 as port_range_min/max.
      const v3Rule = as<{ security_group_rule: Rule }>(
        await sdk.vpc3.createSecurityGroupRule(
          new vpc.v3.CreateSecurityGroupRuleRequest().withBody(
            new vpc.v3.CreateSecurityGroupRuleRequestBody().withSecurityGroupRule(
              new vpc.v3.CreateSecurityGroupRuleOption()
                .withSecurityGroupId(made.id)
                .withDirection('ingress')
                .withProtocol('tcp')
                .withMultiport('8000-8080')
                .withRemoteIpPrefix('10.0.0.0/8'),
            ),
          ),
        ),
      ).security_group_rule;
      const shown = as<{ security_group_rule: Rule }>(
        await sdk.vpc.showSecurityGroupRule(
          new vpc.ShowSecurityGroupRuleRequest().withSecurityGroupRuleId(v3Rule.id),
        ),
      ).security_group_rule;
      expect(shown).toMatchObject({ port_range_min: 8000, port_range_max: 8080 });
      const rules = as<{ security_group_rules: Rule[] }>(
        await sdk.vpc.listSecurityGroupRules(
          new vpc.ListSecurityGroupRulesRequest().withSecurityGroupId(made.id),
        ),
      ).security_group_rules;
      expect(rules.map((r) => r.id)).toEqual(expect.arrayContaining([v1Rule.id, v3Rule.id]));
      expect(rules).toHaveLength(6);

      // A group made through v3 is seen by v1.
      const v3Group = as<{ security_group: Group }>(
        await sdk.vpc3.createSecurityGroup(
          new vpc.v3.CreateSecurityGroupRequest().withBody(
            new vpc.v3.CreateSecurityGroupRequestBody().withSecurityGroup(
              new vpc.v3.CreateSecurityGroupOption().withName('v3-made'),
            ),
          ),
        ),
      ).security_group;
      const viaV1 = as<{ security_group: Group }>(
        await sdk.vpc.showSecurityGroup(
          new vpc.ShowSecurityGroupRequest().withSecurityGroupId(v3Group.id),
        ),
      ).security_group;
      expect(viaV1).toMatchObject({ id: v3Group.id, name: 'v3-made', vpc_id: null });

      // v1 lists with vpc_id and pages by marker.
      const inVpc = as<{ security_groups: Group[] }>(
        await sdk.vpc.listSecurityGroups(new vpc.ListSecurityGroupsRequest().withVpcId(vpcId)),
      ).security_groups;
      expect(inVpc.map((g) => g.id)).toEqual([made.id]);
      const first = as<{ security_groups: Group[] }>(
        await sdk.vpc.listSecurityGroups(new vpc.ListSecurityGroupsRequest().withLimit(1)),
      ).security_groups;
      const next = as<{ security_groups: Group[] }>(
        await sdk.vpc.listSecurityGroups(
          new vpc.ListSecurityGroupsRequest().withLimit(1).withMarker(first[0]!.id),
        ),
      ).security_groups;
      expect(first).toHaveLength(1);
      expect(next).toHaveLength(1);
      expect(next[0]!.id).not.toBe(first[0]!.id);

      // Deletes: a v1 rule delete is seen by v3; a deleted group is 404 with the v1 body, whose
      // code the SDK cannot parse (a v3 body would give it VPC.0601).
      await sdk.vpc.deleteSecurityGroupRule(
        new vpc.DeleteSecurityGroupRuleRequest().withSecurityGroupRuleId(v1Rule.id),
      );
      const after = as<{ security_group: Group }>(
        await sdk.vpc3.showSecurityGroup(
          new vpc.v3.ShowSecurityGroupRequest().withSecurityGroupId(made.id),
        ),
      ).security_group;
      expect(after.security_group_rules.map((r) => r.id)).not.toContain(v1Rule.id);
      await sdk.vpc.deleteSecurityGroup(
        new vpc.DeleteSecurityGroupRequest().withSecurityGroupId(made.id),
      );
      expect(
        await failure(
          sdk.vpc.showSecurityGroup(
            new vpc.ShowSecurityGroupRequest().withSecurityGroupId(made.id),
          ),
        ),
      ).toEqual({ status: 404, code: undefined });
      expect(
        await failure(
          sdk.vpc3.showSecurityGroup(
            new vpc.v3.ShowSecurityGroupRequest().withSecurityGroupId(made.id),
          ),
        ),
      ).toEqual({ status: 404, code: 'VPC.0601' });
    });

    it('refuses a rule whose port range is upside down, with a 400', async () => {
      const g = as<{ security_group: Group }>(
        await sdk.vpc.createSecurityGroup(
          new vpc.CreateSecurityGroupRequest().withBody(
            new vpc.CreateSecurityGroupRequestBody().withSecurityGroup(
              new vpc.CreateSecurityGroupOption().withName('v1-bad'),
            ),
          ),
        ),
      ).security_group;
      const bad = sdk.vpc.createSecurityGroupRule(
        new vpc.CreateSecurityGroupRuleRequest().withBody(
          new vpc.CreateSecurityGroupRuleRequestBody().withSecurityGroupRule(
            new vpc.CreateSecurityGroupRuleOption()
              .withSecurityGroupId(g.id)
              .withDirection('ingress')
              .withProtocol('tcp')
              .withPortRangeMin(90)
              .withPortRangeMax(80),
          ),
        ),
      );
      expect((await failure(bad)).status).toBe(400);
    });
  });

  describe('servers', () => {
    it('shows a server as ECS does: subnet address, default group, volumes, host attributes, ECS job types and times', async () => {
      const { vpcId, subnetId } = await network(sdk, 20);
      const before = await showSubnet(sdk, subnetId);
      expect(before).toMatchObject({ scope: 'center', available_ip_address_count: 251 });

      const created = as<{ job_id: string; serverIds: string[] }>(
        await sdk.ecs.createServers(
          serverBody({ name: 'gaps-vm', vpcId, subnetId, az: `${cloud.region}b` }),
        ),
      );
      const job = await waitJob(sdk, created.job_id);
      expect(job.status).toBe('SUCCESS');
      const millis = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
      expect(job.begin_time).toMatch(millis);
      expect(job.end_time).toMatch(millis);
      expect(job.entities.sub_jobs[0]?.end_time).toMatch(millis);

      const id = created.serverIds[0]!;
      const server = await showServer(sdk, id);
      const host = cloud.emulator.hostOf(id)!;
      expect(host).toBeDefined();

      // Its address lies in the subnet; the host's link address is not shown.
      const [fixed] = server.addresses[vpcId] ?? [];
      expect(fixed).toBeDefined();
      const cidr = parseCidr('192.168.20.0/24')!;
      expect(isHostAddress(cidr, parseIpv4(fixed!.addr)!)).toBe(true);
      expect(fixed!.addr).not.toBe('192.168.20.1');
      expect(JSON.stringify(server)).not.toContain(host.ip);
      expect(fixed!['OS-EXT-IPS-MAC:mac_addr']).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
      expect(fixed!['OS-EXT-IPS-MAC:mac_addr']).toBe(host.mac);
      const portId = fixed!['OS-EXT-IPS:port_id'];
      expect(portId).toMatch(/^[0-9a-f-]{36}$/);

      // No security group asked for: the project's default group, made on first need.
      expect(server.security_groups.map((g) => g.name)).toEqual(['default']);
      const defaults = as<{ security_groups: Group[] }>(
        await sdk.vpc3.listSecurityGroups(
          new vpc.v3.ListSecurityGroupsRequest().withName(['default']),
        ),
      ).security_groups;
      expect(defaults.map((g) => g.id)).toEqual([server.security_groups[0]?.id]);
      expect(
        defaults[0]!.security_group_rules
          .filter((r) => r.direction === 'ingress' && r.remote_ip_prefix === '0.0.0.0/0')
          .map((r) => `${r.protocol}:${r.multiport}`),
      ).toEqual(expect.arrayContaining(['tcp:22', 'icmp:']));

      const launched = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;
      expect(server['OS-SRV-USG:launched_at']).toMatch(launched);
      expect(server['OS-EXT-SRV-ATTR:instance_name']).toMatch(/^instance-[0-9a-f]{8}$/);
      expect(server['OS-EXT-SRV-ATTR:host']).toBe(`pod01.${cloud.region}b`);
      expect(server['OS-EXT-SRV-ATTR:hypervisor_hostname']).toMatch(/^nova\d{3}@\d+$/);
      expect(server).toMatchObject({
        status: 'ACTIVE',
        'OS-EXT-AZ:availability_zone': `${cloud.region}b`,
        'OS-SRV-USG:terminated_at': '',
        config_drive: '',
        host_status: 'UP',
        flavor: { id: DEFAULT_FLAVOR },
        image: { id: DEFAULT_IMAGE_ID },
      });
      const volumes = server['os-extended-volumes:volumes_attached'] as Record<string, string>[];
      expect(volumes[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(volumes).toEqual([
        {
          id: volumes[0]?.id,
          delete_on_termination: 'true',
          bootIndex: '0',
          device: '/dev/vda',
        },
      ]);

      // The same port id and volume in the list, and on every read.
      const listed = as<{ servers: Server[] }>(
        await sdk.ecs.listServersDetails(new ecs.ListServersDetailsRequest().withName('gaps-vm')),
      ).servers;
      expect(listed[0]?.addresses[vpcId]?.[0]?.['OS-EXT-IPS:port_id']).toBe(portId);
      expect(listed[0]?.['os-extended-volumes:volumes_attached']).toEqual(volumes);
      expect((await showSubnet(sdk, subnetId)).available_ip_address_count).toBe(250);

      // ECS types a delete deleteVMs, its sub-jobs deleteVM.
      const del = as<{ job_id: string }>(
        await sdk.ecs.deleteServers(
          new ecs.DeleteServersRequest().withBody(
            new ecs.DeleteServersRequestBody().withServers([new ecs.ServerId().withId(id)]),
          ),
        ),
      );
      const delJob = await waitJob(sdk, del.job_id);
      expect([delJob.job_type, delJob.entities.sub_jobs.map((s) => s.job_type)]).toEqual([
        'deleteVMs',
        ['deleteVM'],
      ]);
      expect(delJob.begin_time).toMatch(millis);
      expect(cloud.emulator.hostOf(id)).toBeUndefined();
      expect((await showSubnet(sdk, subnetId)).available_ip_address_count).toBe(251);
    });

    it('refuses an availability zone the region does not have, with the ECS error', async () => {
      const { vpcId, subnetId } = await network(sdk, 21);
      expect(
        await failure(
          sdk.ecs.createServers(
            serverBody({ name: 'nowhere', vpcId, subnetId, az: `${cloud.region}z`, dryRun: true }),
          ),
        ),
      ).toEqual({ status: 400, code: 'Ecs.0005' });
    });
  });

  describe('the catalogue the deployment form lists', () => {
    it('lists the region zones and the flavors on sale in each', async () => {
      const zones = as<{ availabilityZoneInfo: Record<string, unknown>[] }>(
        await sdk.ecs.novaListAvailabilityZones(new ecs.NovaListAvailabilityZonesRequest()),
      ).availabilityZoneInfo;
      expect(zones).toEqual(
        ['a', 'b', 'c'].map((l) => ({
          zoneName: `${cloud.region}${l}`,
          zoneState: { available: true },
          hosts: null,
        })),
      );

      type Flavor = {
        id: string;
        vcpus: string;
        ram: number;
        os_extra_specs: Record<string, string>;
      };
      const all = as<{ flavors: Flavor[] }>(
        await sdk.ecs.listFlavors(new ecs.ListFlavorsRequest()),
      ).flavors;
      expect(all.map((f) => f.id)).toContain(DEFAULT_FLAVOR);
      const small = all.find((f) => f.id === DEFAULT_FLAVOR)!;
      expect(small).toMatchObject({ vcpus: '1', ram: 1024 });
      expect(small.os_extra_specs['cond:operation:status']).toBe('normal');
      expect(small.os_extra_specs['cond:operation:az']).toBe(
        `${cloud.region}a(normal),${cloud.region}b(normal),${cloud.region}c(normal)`,
      );
      // One flavor is sold out in zone b, and a zone filter leaves it out.
      const inB = as<{ flavors: Flavor[] }>(
        await sdk.ecs.listFlavors(
          new ecs.ListFlavorsRequest().withAvailabilityZone(`${cloud.region}b`),
        ),
      ).flavors;
      expect(inB.length).toBe(all.length - 1);
      expect(inB.map((f) => f.id)).not.toContain('c7.xlarge.2');
    });

    it('lists gold images to everyone and private images to their own project, paged by marker', async () => {
      const gold = as<{ images: Image[] }>(
        await sdk.ims.listImages({ __imagetype: 'gold', status: 'active' }),
      ).images;
      expect(gold.map((i) => i.id)).toContain(DEFAULT_IMAGE_ID);
      expect(gold.every((i) => i.__imagetype === 'gold' && i.visibility === 'public')).toBe(true);
      expect(
        as<{ images: Image[] }>(await sdk.ims.listImages({ __imagetype: 'private' })).images,
      ).toEqual([]);

      const made: Image[] = [];
      for (const name of ['app-base', 'app-next']) {
        const res = await fetch(
          `${cloud.ecsEndpoint}/_sandbox/projects/${cloud.projectId}/private-images`,
          { method: 'POST', body: JSON.stringify({ name }) },
        );
        expect(res.status).toBe(201);
        made.push(((await res.json()) as { image: Image }).image);
      }
      const first = as<{ images: Image[] }>(
        await sdk.ims.listImages({ __imagetype: 'private', status: 'active', limit: 1 }),
      ).images;
      const second = as<{ images: Image[] }>(
        await sdk.ims.listImages({ __imagetype: 'private', limit: 1, marker: first[0]?.id }),
      ).images;
      const third = as<{ images: Image[] }>(
        await sdk.ims.listImages({ __imagetype: 'private', limit: 1, marker: second[0]?.id }),
      ).images;
      expect([...first, ...second, ...third].map((i) => i.name)).toEqual(['app-base', 'app-next']);
      expect(first[0]).toMatchObject({
        visibility: 'private',
        status: 'active',
        __imagetype: 'private',
      });

      // Another account's project sees the gold images but not these.
      const other = newSandboxAccount();
      cloud.emulator.addAccount(other);
      const theirs = clients(cloud, { ...other, projectId: other.projectIds[0]! });
      const seen = as<{ images: Image[] }>(await theirs.ims.listImages({})).images;
      expect(seen.map((i) => i.id)).toContain(DEFAULT_IMAGE_ID);
      expect(seen.map((i) => i.id)).not.toContain(made[0]!.id);

      // The project's own private image is one CreateServers accepts; another's is not.
      const { vpcId, subnetId } = await network(sdk, 30);
      const ok = await sdk.ecs.createServers(
        serverBody({ name: 'from-private', vpcId, subnetId, imageRef: made[0]!.id, dryRun: true }),
      );
      expect(ok.httpStatusCode).toBe(202);
      const theirNet = await network(theirs, 31);
      expect(
        await failure(
          theirs.ecs.createServers(
            serverBody({ name: 'not-mine', ...theirNet, imageRef: made[0]!.id, dryRun: true }),
          ),
        ),
      ).toEqual({ status: 400, code: 'Ecs.0005' });
    });

    it('refuses a wrong signature on the IMS path too', async () => {
      const forged = clients(cloud, { ...cloud, sk: `${cloud.sk}x` });
      expect(await failure(forged.ims.listImages({ __imagetype: 'gold' }))).toEqual({
        status: 401,
        code: 'APIGW.0301',
      });
    });

    it('pages VPCs and subnets by marker, v3 groups by page_info, servers by page number', async () => {
      const fresh = newSandboxAccount();
      cloud.emulator.addAccount(fresh);
      const own = clients(cloud, { ...fresh, projectId: fresh.projectIds[0]! });
      const nets = [await network(own, 40), await network(own, 41), await network(own, 42)];

      const vpcs1 = as<{ vpcs: { id: string }[] }>(
        await own.vpc.listVpcs(new vpc.ListVpcsRequest().withLimit(2)),
      ).vpcs;
      const vpcs2 = as<{ vpcs: { id: string }[] }>(
        await own.vpc.listVpcs(new vpc.ListVpcsRequest().withLimit(2).withMarker(vpcs1[1]!.id)),
      ).vpcs;
      expect([...vpcs1, ...vpcs2].map((v) => v.id)).toEqual(nets.map((n) => n.vpcId));
      expect(
        (await failure(own.vpc.listVpcs(new vpc.ListVpcsRequest().withMarker(randomUUID()))))
          .status,
      ).toBe(400);

      const subnets = as<{ subnets: { id: string }[] }>(
        await own.vpc.listSubnets(new vpc.ListSubnetsRequest().withVpcId(nets[1]!.vpcId)),
      ).subnets;
      expect(subnets.map((s) => s.id)).toEqual([nets[1]!.subnetId]);
      const sub1 = as<{ subnets: { id: string }[] }>(
        await own.vpc.listSubnets(new vpc.ListSubnetsRequest().withLimit(2)),
      ).subnets;
      const sub2 = as<{ subnets: { id: string }[] }>(
        await own.vpc.listSubnets(
          new vpc.ListSubnetsRequest().withLimit(2).withMarker(sub1[1]!.id),
        ),
      ).subnets;
      expect([...sub1, ...sub2].map((s) => s.id)).toEqual(nets.map((n) => n.subnetId));

      for (const name of ['sg-a', 'sg-b', 'sg-c']) {
        await own.vpc3.createSecurityGroup(
          new vpc.v3.CreateSecurityGroupRequest().withBody(
            new vpc.v3.CreateSecurityGroupRequestBody().withSecurityGroup(
              new vpc.v3.CreateSecurityGroupOption().withName(name),
            ),
          ),
        );
      }
      type SgPage = { security_groups: Group[]; page_info: { next_marker?: string } };
      const names: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const req = new vpc.v3.ListSecurityGroupsRequest().withLimit(2);
        if (marker) req.withMarker(marker);
        const page = as<SgPage>(await own.vpc3.listSecurityGroups(req));
        names.push(...page.security_groups.map((g) => g.name));
        marker = page.page_info.next_marker;
        pages++;
      } while (marker && pages < 10);
      expect([names, pages]).toEqual([['sg-a', 'sg-b', 'sg-c'], 2]);

      // Servers that end in ERROR have no host, so three of them page cheaply.
      cloud.faults.errorNextServers(3);
      for (const [i, n] of nets.entries()) {
        const made = as<{ job_id: string }>(
          await own.ecs.createServers(serverBody({ name: `paged-${i}`, ...n })),
        );
        await waitJob(own, made.job_id);
      }
      const page = async (offset: number) =>
        as<{ count: number; servers: Server[] }>(
          await own.ecs.listServersDetails(
            new ecs.ListServersDetailsRequest().withLimit(2).withOffset(offset),
          ),
        );
      const [p1, p2, p3] = [await page(1), await page(2), await page(3)];
      expect([p1.count, p1.servers.length, p2.servers.length, p3.servers.length]).toEqual([
        3, 2, 1, 0,
      ]);
      expect(new Set([...p1.servers, ...p2.servers].map((s) => s.id)).size).toBe(3);
      expect((await page(0)).servers.map((s) => s.id)).toEqual(p1.servers.map((s) => s.id));
    });
  });
});
