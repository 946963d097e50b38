import { Context } from '@temporalio/activity';
import type {
  CloudAdapter,
  CloudConnector,
  CloudTarget,
  CreateServerInput,
  PublicIp,
  RuleSpec,
  Server,
  WaitOptions,
} from '../src/cloud/types.js';
import { AppError } from '../src/errors.js';
import type { StepMark } from '../src/domain/deployment.js';
import { mappingFailures } from './failures.js';

/**
 * Provisioning activities: thin adapters from the provisioning workflow to the cloud adapter.
 * Every create is idempotent, so a retry after a crash finds what the first attempt made instead
 * of making it again: networks and security groups by their deployment-unique name, servers by
 * their X-Client-Token. Waits heartbeat on every poll and stop when the activity is cancelled.
 * Each call is one attempt: the workflow's retry policy retries what the cloud calls transient
 * (after its Retry-After). A `mark` names the deployment step a call belongs to.
 */

export interface ProvisioningDeps {
  /** One adapter (OneClick's own account), or a connector giving each call its target's. */
  cloud: CloudAdapter | CloudConnector;
  /**
   * How OneClick reaches a server: `public` (default) through its EIP when it has one, else its
   * private address; `private` always through the private address (OneClick runs in the VPC).
   */
  sshVia?: 'public' | 'private';
  /** Resolves a secret reference (e.g. the buyer's ECS password) so the secret stays out of history. */
  resolveSecret?: (ref: string) => Promise<string | undefined>;
  /** Poll interval of the waits; the cloud adapter's default when unset. */
  pollMs?: number;
}

/** A server as the workflow needs it. */
export interface ServerInfo {
  id: string;
  name: string;
  status: string;
  /** The address OneClick connects to (the EIP or the private address, by `sshVia`). */
  ip: string;
  mac?: string;
  privateIp?: string;
  publicIp?: string;
  /** Its first NIC's port, where an EIP binds. */
  portId?: string;
}

/** Every provisioning call may name whose cloud and which region (absent: OneClick's own). */
interface Targeted {
  cloud?: CloudTarget;
}

/** Tag filter identifying a deployment's servers. */
export interface TagRef {
  key: string;
  value: string;
}

/** At most how often a cloud wait heartbeats (less often than a quarter of its timeout). */
const WAIT_HEARTBEAT_MS = 5_000;

function heartbeatingWait(pollMs: number | undefined): WaitOptions {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    ctx = undefined;
  }
  // A local activity cannot heartbeat (its workflow task keeps it alive); it still gets cancelled.
  const beating = ctx && !ctx.info.isLocal ? ctx : undefined;
  // A poll's state is no live view: one heartbeat every few seconds keeps the activity alive and
  // lets a cancellation in, where one per poll (up to the worker's throttle, twice a second) made
  // the Temporal server write a hundred heartbeats a second for a hundred servers booting at once.
  const timeoutMs = beating?.info.heartbeatTimeoutMs;
  const everyMs = timeoutMs ? Math.min(WAIT_HEARTBEAT_MS, timeoutMs / 4) : WAIT_HEARTBEAT_MS;
  let sentAt = 0;
  return {
    pollMs,
    onPoll: beating
      ? (state) => {
          if (Date.now() - sentAt < everyMs) return;
          sentAt = Date.now();
          beating.heartbeat(state);
        }
      : undefined,
    signal: ctx?.cancellationSignal,
  };
}

/**
 * The ids a delete removes: the one it was given and those found by their exact name (matched
 * here, whatever the cloud's filter does). Neither given is a bug that must not delete anything.
 */
function targets(input: { id?: string; name?: string }, named: { id: string }[]): string[] {
  if (!input.id && !input.name) {
    throw new AppError('DELETE_NEEDS_ID_OR_NAME', 'a delete needs an id or an exact name');
  }
  return [...new Set([...(input.id ? [input.id] : []), ...named.map((r) => r.id)])];
}

function serverInfo(s: Server, sshVia: 'public' | 'private'): ServerInfo {
  if (!s.ip) {
    throw new AppError('SERVER_HAS_NO_ADDRESS', `server ${s.id} is ${s.status} but has no address`);
  }
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    ip: sshVia === 'public' && s.publicIp ? s.publicIp : s.ip,
    mac: s.addresses[0]?.mac,
    privateIp: s.ip,
    publicIp: s.publicIp,
    portId: s.portId,
  };
}

const isConnector = (c: CloudAdapter | CloudConnector): c is CloudConnector => 'forTarget' in c;

/** Builds the provisioning activities over a cloud adapter or connector. */
export function createProvisioningActivities(deps: ProvisioningDeps) {
  const sshVia = deps.sshVia ?? 'public';
  const wait = () => heartbeatingWait(deps.pollMs);
  const fixed = deps.cloud;
  /** The adapter for a call's target (a buyer's account: temporary credentials, cached). */
  const on = async (input: Targeted): Promise<CloudAdapter> => {
    if (isConnector(fixed)) return fixed.forTarget(input.cloud);
    if (input.cloud?.accountId) {
      throw new AppError('CLOUD_ACCOUNT_NOT_FOUND', 'this worker deploys into one account only');
    }
    return fixed;
  };

  const buyerMissing = (kind: string, id: string) =>
    new AppError('BUYER_RESOURCE_NOT_FOUND', `the buyer's ${kind} ${id} does not exist`);

  return mappingFailures({
    /** Finds the VPC named `name` or creates it; waits until it is OK. */
    async ensureVpc(
      input: Targeted & {
        mark?: StepMark;
        name: string;
        cidr: string;
      },
    ): Promise<{ id: string; created: boolean }> {
      const cloud = await on(input);
      const [found] = await cloud.findVpcsByName(input.name);
      const vpc = found ?? (await cloud.createVpc({ name: input.name, cidr: input.cidr }));
      // Poll only what is not ready yet: the answer may already say OK.
      if (vpc.status !== 'OK') await cloud.waitVpcReady(vpc.id, wait());
      return { id: vpc.id, created: !found };
    },

    /** Checks that the buyer's VPC exists. */
    async checkVpc(
      input: Targeted & { mark?: StepMark; id: string },
    ): Promise<{ id: string; cidr: string }> {
      const cloud = await on(input);
      const vpc = await cloud.showVpc(input.id);
      if (!vpc) throw buyerMissing('VPC', input.id);
      return { id: vpc.id, cidr: vpc.cidr };
    },

    /** Finds the subnet named `name` in the VPC or creates it; waits until it is ACTIVE. */
    async ensureSubnet(
      input: Targeted & {
        mark?: StepMark;
        vpcId: string;
        name: string;
        cidr: string;
        gatewayIp: string;
      },
    ): Promise<{ id: string; created: boolean }> {
      const cloud = await on(input);
      const found = (await cloud.listSubnets(input.vpcId)).find((s) => s.name === input.name);
      const subnet = found ?? (await cloud.createSubnet(input));
      if (subnet.status !== 'ACTIVE') await cloud.waitSubnetReady(subnet.id, wait());
      return { id: subnet.id, created: !found };
    },

    /** Checks that the buyer's subnet exists, is ACTIVE and belongs to the VPC. */
    async checkSubnet(
      input: Targeted & {
        mark?: StepMark;
        id: string;
        vpcId: string;
      },
    ): Promise<{ id: string }> {
      const cloud = await on(input);
      const subnet = await cloud.showSubnet(input.id);
      if (!subnet) throw buyerMissing('subnet', input.id);
      if (subnet.vpcId !== input.vpcId) {
        throw new AppError(
          'SUBNET_NOT_IN_VPC',
          `subnet ${input.id} belongs to VPC ${subnet.vpcId}, not ${input.vpcId}`,
        );
      }
      await cloud.waitSubnetReady(subnet.id, wait());
      return { id: subnet.id };
    },

    /** Finds the security group named `name` or creates it. */
    async ensureSecurityGroup(
      input: Targeted & {
        mark?: StepMark;
        name: string;
      },
    ): Promise<{ id: string; created: boolean }> {
      const cloud = await on(input);
      const [found] = await cloud.listSecurityGroups({ name: input.name });
      const sg = found ?? (await cloud.createSecurityGroup({ name: input.name }));
      return { id: sg.id, created: !found };
    },

    /** Checks that the buyer's security group exists. */
    async checkSecurityGroup(
      input: Targeted & { mark?: StepMark; id: string },
    ): Promise<{ id: string }> {
      const cloud = await on(input);
      const sg = await cloud.showSecurityGroup(input.id);
      if (!sg) throw buyerMissing('security group', input.id);
      return { id: sg.id };
    },

    /** Adds the product's port rules; rules that already exist are skipped. */
    async addSecurityGroupRules(
      input: Targeted & {
        mark?: StepMark;
        securityGroupId: string;
        rules: RuleSpec[];
      },
    ): Promise<{ created: string[]; skipped: number }> {
      const cloud = await on(input);
      return cloud.ensureSecurityGroupRules(input.securityGroupId, input.rules);
    },

    /** Submits the server creation; the same clientToken always yields the same server. */
    async createServer(
      input: Targeted &
        Omit<CreateServerInput, 'adminPass' | 'rootVolume'> & {
          /** The buyer's ECS password by reference: resolved here, never in history. */
          adminPassRef?: string;
          mark?: StepMark;
        },
    ): Promise<{ jobId: string; serverId: string }> {
      const cloud = await on(input);
      let adminPass: string | undefined;
      if (input.adminPassRef !== undefined) {
        adminPass = await deps.resolveSecret?.(input.adminPassRef);
        if (adminPass === undefined) {
          throw new AppError('SECRET_NOT_FOUND', 'the ECS password reference resolves to nothing');
        }
      }
      const { adminPassRef: _ref, mark: _mark, cloud: _target, ...rest } = input;
      const { jobId, serverIds } = await cloud.createServer({ ...rest, adminPass });
      const serverId = serverIds[0];
      if (!serverId) throw new AppError('CLOUD_BAD_ANSWER', 'CreateServers returned no server id');
      return { jobId, serverId };
    },

    /** Polls the creation job to SUCCESS, then the server to ACTIVE; returns its address. */
    async waitServerCreated(
      input: Targeted & {
        mark?: StepMark;
        jobId: string;
        serverId: string;
      },
    ): Promise<ServerInfo> {
      const cloud = await on(input);
      await cloud.waitJob(input.jobId, wait());
      return serverInfo(await cloud.waitServerActive(input.serverId, wait()), sshVia);
    },

    /**
     * Checks that the buyer's server is ACTIVE and returns its address. A `host` the buyer named
     * must be one of the server's own addresses: OneClick connects to their server, nowhere else.
     */
    async checkServer(
      input: Targeted & { mark?: StepMark; id: string; host?: string },
    ): Promise<ServerInfo> {
      const cloud = await on(input);
      const s = await cloud.showServer(input.id);
      if (!s) throw buyerMissing('server', input.id);
      if (s.status !== 'ACTIVE') {
        throw new AppError(
          'BUYER_SERVER_NOT_ACTIVE',
          `the buyer's server ${input.id} is ${s.status}${s.fault?.message ? `: ${s.fault.message}` : ''}`,
        );
      }
      if (input.host !== undefined && !s.addresses.some((a) => a.addr === input.host)) {
        throw new AppError(
          'SERVER_HOST_NOT_ITS_ADDRESS',
          `${input.host} is not an address of the buyer's server ${input.id}`,
        );
      }
      return serverInfo(s, sshVia);
    },

    /**
     * Finds the EIP with this deployment-unique alias or creates it; waits until it is usable.
     * Created before it is bound, so a lost answer leaves an EIP its alias finds again.
     */
    async ensurePublicIp(
      input: Targeted & {
        mark?: StepMark;
        alias: string;
        bandwidthSize: number;
        chargeMode: 'traffic' | 'bandwidth';
      },
    ): Promise<{ id: string; address: string }> {
      const cloud = await on(input);
      const [found] = await cloud.findPublicIpsByAlias(input.alias);
      const eip =
        found ??
        (await cloud.createPublicIp({
          alias: input.alias,
          bandwidthSize: input.bandwidthSize,
          chargeMode: input.chargeMode,
        }));
      const ready: PublicIp =
        eip.status === 'DOWN' || eip.status === 'ACTIVE'
          ? eip
          : await cloud.waitPublicIpReady(eip.id, wait());
      return { id: ready.id, address: ready.address };
    },

    /** Binds the EIP to the server's port; returns the server as OneClick now reaches it. */
    async bindPublicIp(
      input: Targeted & { mark?: StepMark; publicIpId: string; serverId: string },
    ): Promise<ServerInfo> {
      const cloud = await on(input);
      const server = await cloud.showServer(input.serverId);
      if (!server?.portId) {
        throw new AppError(
          'SERVER_HAS_NO_PORT',
          `server ${input.serverId} has no network port to bind an EIP to`,
        );
      }
      const eip = await cloud.bindPublicIp(input.publicIpId, server.portId);
      // The server's own view lists the EIP once ECS has synchronised it; OneClick needs no wait.
      return serverInfo({ ...server, publicIp: server.publicIp ?? eip.address }, sshVia);
    },

    /** Releases the deployment's EIPs, by id and by alias (a retried create may have made two). */
    async deletePublicIp(input: Targeted & { id?: string; alias?: string }): Promise<void> {
      const cloud = await on(input);
      const named = input.alias ? await cloud.findPublicIpsByAlias(input.alias) : [];
      for (const id of targets({ id: input.id, name: input.alias }, named)) {
        await cloud.deletePublicIp(id, wait());
      }
    },

    /** Deletes a server by id, or every server carrying the tag, and waits until they are gone. */
    async deleteServer(
      input: Targeted & { serverId?: string; tag?: TagRef },
    ): Promise<{ deleted: string[] }> {
      const cloud = await on(input);
      if (!input.serverId && !input.tag) {
        throw new AppError('DELETE_NEEDS_ID_OR_NAME', 'a server delete needs an id or a tag');
      }
      const ids = new Set<string>();
      if (input.serverId) ids.add(input.serverId);
      if (input.tag) {
        for (const s of await cloud.findServersByTag(input.tag.key, input.tag.value)) ids.add(s.id);
      }
      const jobId = await cloud.deleteServers([...ids]);
      if (jobId) await cloud.waitJob(jobId, wait());
      for (const id of ids) await cloud.waitServerDeleted(id, wait());
      return { deleted: [...ids] };
    },

    /** Deletes the rules OneClick added (marked by their description) to a group it does not own. */
    async deleteSecurityGroupRules(
      input: Targeted & {
        securityGroupId: string;
        description: string;
      },
    ): Promise<void> {
      const cloud = await on(input);
      const rules = await cloud
        .listSecurityGroupRules(input.securityGroupId)
        .catch((e: unknown) => {
          if (e instanceof AppError && e.code === 'CLOUD_NOT_FOUND') return [];
          throw e;
        });
      for (const r of rules) {
        if (r.description === input.description) await cloud.deleteSecurityGroupRule(r.id);
      }
    },

    /**
     * Deletes a security group by id and every group named exactly `name` (a retried create may
     * have made two). At least one of them is required: nothing here deletes by listing all.
     */
    async deleteSecurityGroup(input: Targeted & { id?: string; name?: string }): Promise<void> {
      const cloud = await on(input);
      const named = input.name
        ? (await cloud.listSecurityGroups({ name: input.name })).filter(
            (g) => g.name === input.name,
          )
        : [];
      for (const id of targets(input, named)) await cloud.deleteSecurityGroup(id, wait());
    },

    /** Deletes a subnet by id and every subnet of the VPC named exactly `name`. */
    async deleteSubnet(
      input: Targeted & { vpcId: string; id?: string; name?: string },
    ): Promise<void> {
      const cloud = await on(input);
      const named = input.name
        ? (await cloud.listSubnets(input.vpcId)).filter((s) => s.name === input.name)
        : [];
      for (const id of targets(input, named)) await cloud.deleteSubnet(input.vpcId, id, wait());
    },

    /** Deletes a VPC by id and every VPC named exactly `name`. */
    async deleteVpc(input: Targeted & { id?: string; name?: string }): Promise<void> {
      const cloud = await on(input);
      const named = input.name
        ? (await cloud.findVpcsByName(input.name)).filter((v) => v.name === input.name)
        : [];
      for (const id of targets(input, named)) await cloud.deleteVpc(id, wait());
    },
  });
}

/** The activity object's type, for workflows to proxy. */
export type ProvisioningActivities = ReturnType<typeof createProvisioningActivities>;
