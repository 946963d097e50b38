import * as ecs from '@huaweicloud/huaweicloud-sdk-ecs';
import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc';
import { AppError } from '../errors.js';
import { createCatalogue } from './cloud-catalogue.js';
import {
  createCloudContext,
  type CloudContext,
  type CloudContextOptions,
} from './cloud-context.js';
import {
  list,
  obj,
  text,
  toJob,
  toRule,
  toSecurityGroup,
  toServer,
  toSubnet,
  toVpc,
} from './mapping.js';
import { createPublicIps } from './public-ips.js';
import type {
  CloudAdapter,
  CloudCatalogue,
  CloudPublicIps,
  CreateServerInput,
  Job,
  RuleSpec,
  SecurityGroup,
  SecurityGroupRule,
  Server,
  Subnet,
  Vpc,
  WaitOptions,
} from './types.js';

/**
 * Huawei Cloud ECS/VPC through the official SDK: every call has a timeout and makes one attempt;
 * a failure comes back as an AppError classified as retryable or not, with the cloud's
 * Retry-After as `retryAfterMs`, for the activity's Temporal retry policy to act on.
 * Responses are plain JSON (reference §0 #1), read with bracket access on snake_case fields.
 */

/** Endpoints, keys, project and timing (see cloud-context.ts). */
export type HuaweiCloudOptions = CloudContextOptions;

/** cloud-init user data that authorizes one key for root, base64 as ECS wants it. */
export function userDataForKey(publicKey: string): string {
  const doc = `#cloud-config\ndisable_root: false\nssh_authorized_keys:\n  - ${publicKey.trim()}\n`;
  return Buffer.from(doc, 'utf8').toString('base64');
}

/** Same rule for idempotency: the fields a rule is identified by. */
export function ruleKey(r: RuleSpec): string {
  return [
    r.direction,
    r.ethertype ?? 'IPv4',
    r.protocol,
    r.ports ?? '',
    r.remoteIpPrefix ?? (r.direction === 'ingress' ? '0.0.0.0/0' : ''),
  ].join('|');
}

/** Networks, security groups, servers and jobs; the lists and EIPs are their own modules. */
class HuaweiCloud implements Omit<CloudAdapter, keyof CloudCatalogue | keyof CloudPublicIps> {
  constructor(private readonly ctx: CloudContext) {}

  private get sdk() {
    return this.ctx.sdk;
  }

  private call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return this.ctx.call(op, fn);
  }

  private maybe<T>(op: string, fn: () => Promise<T>): Promise<T | undefined> {
    return this.ctx.maybe(op, fn);
  }

  private waitFor<T>(
    what: string,
    opts: WaitOptions | undefined,
    probe: () => Promise<{ done: T } | { state: string }>,
  ): Promise<T> {
    return this.ctx.waitFor(what, opts, probe);
  }

  async createVpc(input: { name: string; cidr: string; description?: string }): Promise<Vpc> {
    const option = new vpc.CreateVpcOption().withName(input.name).withCidr(input.cidr);
    if (input.description) option.withDescription(input.description);
    const req = new vpc.CreateVpcRequest().withBody(new vpc.CreateVpcRequestBody().withVpc(option));
    const res = await this.call('CreateVpc', () => this.sdk.vpc.createVpc(req));
    return toVpc(obj(obj(res)['vpc']));
  }

  async showVpc(id: string): Promise<Vpc | undefined> {
    const res = await this.maybe('ShowVpc', () =>
      this.sdk.vpc.showVpc(new vpc.ShowVpcRequest().withVpcId(id)),
    );
    return res === undefined ? undefined : toVpc(obj(obj(res)['vpc']));
  }

  async findVpcsByName(name: string): Promise<Vpc[]> {
    const out: Vpc[] = [];
    let marker: string | undefined;
    for (;;) {
      const req = new vpc.ListVpcsRequest().withLimit(200);
      if (marker) req.withMarker(marker);
      const res = await this.call('ListVpcs', () => this.sdk.vpc.listVpcs(req));
      const page = list(obj(res)['vpcs']).map(toVpc);
      out.push(...page.filter((v) => v.name === name));
      if (page.length < 200) return out;
      marker = page[page.length - 1]?.id;
    }
  }

  waitVpcReady(id: string, opts?: WaitOptions): Promise<Vpc> {
    return this.waitFor<Vpc>(`VPC ${id}`, opts, async () => {
      const v = await this.showVpc(id);
      if (!v) throw new AppError('CLOUD_NOT_FOUND', `VPC ${id} does not exist`);
      if (v.status === 'OK') return { done: v };
      if (v.status === 'ERROR') throw new AppError('CLOUD_RESOURCE_ERROR', `VPC ${id} is in ERROR`);
      return { state: v.status };
    });
  }

  /** Re-issues a delete while the resource is in use (409), until it is gone (404 or 204). */
  private deleteUntilGone(
    what: string,
    opts: WaitOptions | undefined,
    del: () => Promise<unknown>,
  ) {
    return this.waitFor(what, { timeoutMs: 20 * 60_000, ...opts }, async () => {
      try {
        await del();
        return { done: undefined };
      } catch (e) {
        if (e instanceof AppError && e.code === 'CLOUD_NOT_FOUND') return { done: undefined };
        if (e instanceof AppError && e.code === 'CLOUD_CONFLICT') return { state: 'IN_USE' };
        throw e;
      }
    });
  }

  async deleteVpc(id: string, opts?: WaitOptions): Promise<void> {
    await this.deleteUntilGone(`delete VPC ${id}`, opts, () =>
      this.call('DeleteVpc', () =>
        this.sdk.vpc.deleteVpc(new vpc.DeleteVpcRequest().withVpcId(id)),
      ),
    );
  }

  async createSubnet(input: {
    name: string;
    cidr: string;
    gatewayIp: string;
    vpcId: string;
    primaryDns?: string;
    secondaryDns?: string;
  }): Promise<Subnet> {
    const option = new vpc.CreateSubnetOption()
      .withName(input.name)
      .withCidr(input.cidr)
      .withGatewayIp(input.gatewayIp)
      .withVpcId(input.vpcId)
      .withDhcpEnable(true);
    if (input.primaryDns) option.withPrimaryDns(input.primaryDns);
    if (input.secondaryDns) option.withSecondaryDns(input.secondaryDns);
    const req = new vpc.CreateSubnetRequest().withBody(
      new vpc.CreateSubnetRequestBody().withSubnet(option),
    );
    const res = await this.call('CreateSubnet', () => this.sdk.vpc.createSubnet(req));
    return toSubnet(obj(obj(res)['subnet']));
  }

  async showSubnet(id: string): Promise<Subnet | undefined> {
    const res = await this.maybe('ShowSubnet', () =>
      this.sdk.vpc.showSubnet(new vpc.ShowSubnetRequest().withSubnetId(id)),
    );
    return res === undefined ? undefined : toSubnet(obj(obj(res)['subnet']));
  }

  async listSubnets(vpcId: string): Promise<Subnet[]> {
    const out: Subnet[] = [];
    let marker: string | undefined;
    for (;;) {
      const req = new vpc.ListSubnetsRequest().withVpcId(vpcId).withLimit(200);
      if (marker) req.withMarker(marker);
      const res = await this.call('ListSubnets', () => this.sdk.vpc.listSubnets(req));
      const page = list(obj(res)['subnets']).map(toSubnet);
      out.push(...page);
      if (page.length < 200) return out;
      marker = page[page.length - 1]?.id;
    }
  }

  waitSubnetReady(id: string, opts?: WaitOptions): Promise<Subnet> {
    return this.waitFor<Subnet>(`subnet ${id}`, opts, async () => {
      const s = await this.showSubnet(id);
      if (!s) throw new AppError('CLOUD_NOT_FOUND', `subnet ${id} does not exist`);
      if (s.status === 'ACTIVE') return { done: s };
      if (s.status === 'ERROR' || s.status === 'DOWN') {
        throw new AppError('CLOUD_RESOURCE_ERROR', `subnet ${id} is ${s.status}`);
      }
      return { state: s.status };
    });
  }

  async deleteSubnet(vpcId: string, subnetId: string, opts?: WaitOptions): Promise<void> {
    await this.deleteUntilGone(`delete subnet ${subnetId}`, opts, () =>
      this.call('DeleteSubnet', () =>
        this.sdk.vpc.deleteSubnet(
          new vpc.DeleteSubnetRequest().withVpcId(vpcId).withSubnetId(subnetId),
        ),
      ),
    );
  }

  async createSecurityGroup(input: { name: string; description?: string }): Promise<SecurityGroup> {
    const option = new vpc.v3.CreateSecurityGroupOption().withName(input.name);
    if (input.description) option.withDescription(input.description);
    const req = new vpc.v3.CreateSecurityGroupRequest().withBody(
      new vpc.v3.CreateSecurityGroupRequestBody().withSecurityGroup(option),
    );
    const res = await this.call('CreateSecurityGroup', () =>
      this.sdk.vpc3.createSecurityGroup(req),
    );
    const sg = obj(obj(res)['security_group']);
    return { id: text(sg.id), name: text(sg.name) };
  }

  async showSecurityGroup(id: string): Promise<SecurityGroup | undefined> {
    const res = await this.maybe('ShowSecurityGroup', () =>
      this.sdk.vpc3.showSecurityGroup(
        new vpc.v3.ShowSecurityGroupRequest().withSecurityGroupId(id),
      ),
    );
    if (res === undefined) return undefined;
    const sg = obj(obj(res)['security_group']);
    return { id: text(sg.id), name: text(sg.name) };
  }

  async listSecurityGroups(filter: { name?: string } = {}): Promise<SecurityGroup[]> {
    const req = new vpc.v3.ListSecurityGroupsRequest();
    if (filter.name) req.withName([filter.name]);
    const res = await this.call('ListSecurityGroups', () => this.sdk.vpc3.listSecurityGroups(req));
    return list(obj(res)['security_groups']).map(toSecurityGroup);
  }

  async listSecurityGroupRules(securityGroupId: string): Promise<SecurityGroupRule[]> {
    const req = new vpc.v3.ListSecurityGroupRulesRequest().withSecurityGroupId([securityGroupId]);
    const res = await this.call('ListSecurityGroupRules', () =>
      this.sdk.vpc3.listSecurityGroupRules(req),
    );
    return list(obj(res)['security_group_rules']).map(toRule);
  }

  async ensureSecurityGroupRules(
    securityGroupId: string,
    rules: RuleSpec[],
  ): Promise<{ created: string[]; skipped: number }> {
    const existing = new Set((await this.listSecurityGroupRules(securityGroupId)).map(ruleKey));
    const created: string[] = [];
    let skipped = 0;
    for (const rule of rules) {
      const key = ruleKey(rule);
      if (existing.has(key)) {
        skipped++;
        continue;
      }
      const option = new vpc.v3.CreateSecurityGroupRuleOption()
        .withSecurityGroupId(securityGroupId)
        .withDirection(rule.direction)
        .withEthertype(rule.ethertype ?? 'IPv4')
        .withProtocol(rule.protocol)
        .withAction('allow');
      if (rule.ports) option.withMultiport(rule.ports);
      const prefix =
        rule.remoteIpPrefix ?? (rule.direction === 'ingress' ? '0.0.0.0/0' : undefined);
      if (prefix) option.withRemoteIpPrefix(prefix);
      if (rule.description) option.withDescription(rule.description);
      const req = new vpc.v3.CreateSecurityGroupRuleRequest().withBody(
        new vpc.v3.CreateSecurityGroupRuleRequestBody().withSecurityGroupRule(option),
      );
      try {
        const res = await this.call('CreateSecurityGroupRule', () =>
          this.sdk.vpc3.createSecurityGroupRule(req),
        );
        created.push(text(obj(obj(res)['security_group_rule']).id));
      } catch (e) {
        // Created by a racing attempt (or our own lost answer): it exists, which is what we want.
        if (e instanceof AppError && e.code === 'CLOUD_CONFLICT') skipped++;
        else throw e;
      }
      existing.add(key);
    }
    return { created, skipped };
  }

  async deleteSecurityGroupRule(id: string): Promise<void> {
    await this.maybe('DeleteSecurityGroupRule', () =>
      this.sdk.vpc3.deleteSecurityGroupRule(
        new vpc.v3.DeleteSecurityGroupRuleRequest().withSecurityGroupRuleId(id),
      ),
    );
  }

  async deleteSecurityGroup(id: string, opts?: WaitOptions): Promise<void> {
    await this.deleteUntilGone(`delete security group ${id}`, opts, () =>
      this.call('DeleteSecurityGroup', () =>
        this.sdk.vpc3.deleteSecurityGroup(
          new vpc.v3.DeleteSecurityGroupRequest().withSecurityGroupId(id),
        ),
      ),
    );
  }

  async createServer(input: CreateServerInput): Promise<{ jobId: string; serverIds: string[] }> {
    const server = new ecs.PrePaidServer()
      .withName(input.name)
      .withImageRef(input.imageRef)
      .withFlavorRef(input.flavorRef)
      .withVpcid(input.vpcId)
      .withNics([new ecs.PrePaidServerNic().withSubnetId(input.subnetId)])
      .withRootVolume(
        new ecs.PrePaidServerRootVolume()
          .withVolumetype(input.rootVolume?.type ?? 'SSD')
          .withSize(input.rootVolume?.sizeGb ?? 40),
      )
      .withSecurityGroups(
        input.securityGroupIds.map((id) => new ecs.PrePaidServerSecurityGroup().withId(id)),
      )
      .withCount(1)
      .withServerTags(
        Object.entries(input.tags ?? {}).map(([key, value]) =>
          new ecs.PrePaidServerTag().withKey(key).withValue(value),
        ),
      )
      .withExtendparam(new ecs.PrePaidServerExtendParam().withChargingMode('postPaid'));
    if (input.availabilityZone) server.withAvailabilityZone(input.availabilityZone);
    if (input.adminPass !== undefined) server.withAdminPass(input.adminPass);
    if (input.sshPublicKey) server.withUserData(userDataForKey(input.sshPublicKey));
    const req = new ecs.CreateServersRequest()
      .withXClientToken(input.clientToken)
      .withBody(new ecs.CreateServersRequestBody().withServer(server));
    // Retrying is safe only because every attempt carries the same X-Client-Token and body.
    const res = obj(await this.call('CreateServers', () => this.sdk.ecs.createServers(req)));
    const ids = Array.isArray(res['serverIds']) ? res['serverIds'].map(text) : [];
    return { jobId: text(res['job_id']), serverIds: ids };
  }

  async showJob(id: string): Promise<Job> {
    const res = await this.call('ShowJob', () =>
      this.sdk.ecs.showJob(new ecs.ShowJobRequest().withJobId(id)),
    );
    return toJob(obj(res));
  }

  waitJob(id: string, opts?: WaitOptions): Promise<Job> {
    return this.waitFor<Job>(`job ${id}`, opts, async () => {
      const job = await this.showJob(id);
      if (job.status === 'SUCCESS') return { done: job };
      if (job.status === 'FAIL') {
        throw new AppError(
          'CLOUD_JOB_FAILED',
          `job ${id} failed${job.errorCode ? ` with ${job.errorCode}` : ''}: ${job.failReason ?? 'no reason given'}`,
          { context: { jobId: id, remoteCode: job.errorCode, serverIds: job.serverIds } },
        );
      }
      return { state: job.status };
    });
  }

  async showServer(id: string): Promise<Server | undefined> {
    const res = await this.maybe('ShowServer', () =>
      this.sdk.ecs.showServer(new ecs.ShowServerRequest().withServerId(id)),
    );
    return res === undefined ? undefined : toServer(obj(obj(res)['server']));
  }

  waitServerActive(id: string, opts?: WaitOptions): Promise<Server> {
    return this.waitFor<Server>(`server ${id}`, opts, async () => {
      const s = await this.showServer(id);
      // ECS may answer 404 while a server is still being created.
      if (!s) return { state: 'NOT_FOUND' };
      if (s.status === 'ACTIVE') return { done: s };
      if (s.status === 'ERROR') {
        throw new AppError(
          'CLOUD_SERVER_ERROR',
          `server ${id} is in ERROR: ${s.fault?.message ?? 'no fault given'}`,
          { context: { serverId: id, faultCode: s.fault?.code } },
        );
      }
      return { state: s.status };
    });
  }

  async findServersByTag(key: string, value: string): Promise<Server[]> {
    const out: Server[] = [];
    for (let page = 1; ; page++) {
      const req = new ecs.ListServersDetailsRequest()
        .withTags(`${key}=${value}`)
        .withLimit(100)
        .withOffset(page);
      const res = obj(
        await this.call('ListServersDetails', () => this.sdk.ecs.listServersDetails(req)),
      );
      const servers = list(res['servers']).map(toServer);
      out.push(...servers);
      if (servers.length < 100) return out;
    }
  }

  async deleteServers(ids: string[]): Promise<string | undefined> {
    if (ids.length === 0) return undefined;
    const body = new ecs.DeleteServersRequestBody()
      .withServers(ids.map((id) => new ecs.ServerId().withId(id)))
      .withDeletePublicip(true)
      .withDeleteVolume(true);
    try {
      const res = await this.call('DeleteServers', () =>
        this.sdk.ecs.deleteServers(new ecs.DeleteServersRequest().withBody(body)),
      );
      return text(obj(res)['job_id']) || undefined;
    } catch (e) {
      if (e instanceof AppError && e.code === 'CLOUD_NOT_FOUND') return undefined;
      throw e;
    }
  }

  waitServerDeleted(id: string, opts?: WaitOptions): Promise<void> {
    return this.waitFor(`deletion of server ${id}`, opts, async () => {
      const s = await this.showServer(id);
      if (!s || s.status === 'DELETED' || s.status === 'SOFT_DELETED') return { done: undefined };
      return { state: s.status };
    });
  }
}

/** Builds the Huawei Cloud adapter. */
export function createHuaweiCloud(options: HuaweiCloudOptions): CloudAdapter {
  const ctx = createCloudContext(options);
  // The form's lists (cloud-catalogue.ts) and the EIP calls (public-ips.ts) share its context.
  return Object.assign(new HuaweiCloud(ctx), createCatalogue(ctx), createPublicIps(ctx));
}
