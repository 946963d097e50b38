import {
  DEPLOYMENT_TAG,
  ORDER_TAG,
  resourceNames,
  type CreatedResource,
} from '../src/domain/deployment-resources.js';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  uuid4,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { ProvisioningActivities, ServerInfo } from '../activities/provisioning.js';
import type { CloudTarget, RuleSpec } from '../src/cloud/types.js';
import type { ActivityTuning, PublicIpChoice, StepMark } from '../src/domain/deployment.js';
import { retryPolicy } from './retry-policy.js';

/**
 * The provisioning step of a deployment: network, security group and server, new or the buyer's.
 * Each resource is recorded *before* the activity that creates it runs, by a selector that finds
 * it even if the answer was lost (its deployment-unique name, or the deployment's server tag), so
 * compensation deletes exactly what this deployment made and never what the buyer brought.
 * deployLicense awaits `provision` and, when a later step fails, `compensateProvisioning`.
 */

/** Use the buyer's resource, or create one. */
export type VpcChoice = { existingId: string } | { cidr: string };
export type SubnetChoice = { existingId: string } | { cidr: string; gatewayIp: string };
export type SecurityGroupChoice = { existingId: string } | { create: true };
export type ServerChoice =
  | {
      existingId: string;
      /** The address the buyer asked OneClick to use; must be one of the server's own. */
      host?: string;
    }
  | {
      imageRef: string;
      flavorRef: string;
      availabilityZone?: string;
      /** Per-deployment key, installed for root through user data. */
      sshPublicKey?: string;
      /** Reference to the buyer's ECS password; the password itself never enters history. */
      adminPassRef?: string;
      name?: string;
    };

export interface ProvisionInput {
  /** Unique per deployment attempt; names, tags and tokens derive from it. */
  deploymentId: string;
  orderId: string;
  /** Whose cloud account and which region (absent: OneClick's own, its configured region). */
  cloud?: CloudTarget;
  vpc: VpcChoice;
  subnet: SubnetChoice;
  securityGroup: SecurityGroupChoice;
  /** How many servers to try when the cloud fails to build one (default 3). */
  serverCreateAttempts?: number;
  /** The product's ports, opened on the security group (existing rules are skipped). */
  ports: RuleSpec[];
  server: ServerChoice;
  /** An EIP for a new server, bound to its port; OneClick then reaches the server through it. */
  publicIp?: PublicIpChoice;
  /** Tunables for tests; production uses the defaults. */
  timeouts?: ActivityTuning & {
    /** Start-to-close of one short call (default 5 minutes). */
    callMs?: number;
  };
}

export interface ProvisionResult {
  vpcId: string;
  subnetId: string;
  securityGroupId: string;
  server: ServerInfo;
  /** What to delete when the deployment is undone, in creation order. */
  created: CreatedResource[];
}

export {
  DEPLOYMENT_TAG,
  ORDER_TAG,
  type CreatedResource,
} from '../src/domain/deployment-resources.js';

function activities(input: Pick<ProvisionInput, 'timeouts'>) {
  const t = input.timeouts ?? {};
  // Short calls run as local activities: no task-queue round trip per call, which is most of a
  // provisioning's latency when fifty run at once. Each is idempotent (names, X-Client-Token),
  // so a worker dying mid-call and the workflow task re-running it on another is harmless. The
  // network's VPC and subnet are short too (ready within seconds); only the server's boot, which
  // takes minutes on a real cloud, stays a heartbeating activity.
  // Twenty attempts: an attempt of a call that makes several requests (listing a group's rules,
  // then adding the missing ones) succeeds only when none of them is throttled; at 30% throttling
  // with three requests, ten attempts all failed in 1.6% of runs (found under stress-ng), twenty
  // in 0.03%. Every attempt keeps what the ones before it made (rules, names, client tokens).
  const quick: LocalActivityOptions = {
    startToCloseTimeout: t.callMs ?? 5 * 60_000,
    retry: retryPolicy(t, 20),
  };
  const waiting: ActivityOptions = {
    startToCloseTimeout: '40 minutes',
    heartbeatTimeout: t.heartbeatMs ?? 60_000,
    retry: retryPolicy(t, 20),
  };
  // Undoing must not give up easily: a give-up is a leaked, billed resource.
  const undo: ActivityOptions = {
    startToCloseTimeout: '40 minutes',
    heartbeatTimeout: t.heartbeatMs ?? 60_000,
    retry: retryPolicy(t, 50),
  };
  return {
    quick: proxyLocalActivities<ProvisioningActivities>(quick),
    waiting: proxyActivities<ProvisioningActivities>(waiting),
    undo: proxyActivities<ProvisioningActivities>(undo),
  };
}

/** The network a deployment's server goes into. */
export interface ProvisionedNetwork {
  vpcId: string;
  subnetId: string;
  securityGroupId: string;
}

/** Which deployment steps the calls belong to (deployLicense records its steps by them). */
export interface ProvisionMarks {
  network?: StepMark;
  server?: StepMark;
}

const baseName = (input: ProvisionInput) => resourceNames(input.deploymentId).vpc;
const notEnding = (mark: StepMark | undefined) => mark && { ...mark, ends: false };

/**
 * The VPC, subnet and security group with the product's ports, new or the buyer's. Each resource
 * is added to `created` before the call that makes it; the caller undoes them on failure.
 */
export async function provisionNetwork(
  input: ProvisionInput,
  created: CreatedResource[],
  marks: ProvisionMarks = {},
): Promise<ProvisionedNetwork> {
  const { quick, waiting } = activities(input);
  // Histories from before the network moved to local activities replay with activities.
  const network = patched('provision-network-local-activities') ? quick : waiting;
  const mark = notEnding(marks.network);
  const base = baseName(input);
  const ruleDescription = resourceNames(input.deploymentId).ruleDescription;
  // The security group does not depend on the network, so the two branches run side by side.
  const makeNetwork = async (): Promise<{ vpcId: string; subnetId: string }> => {
    let vpcId: string;
    if ('existingId' in input.vpc) {
      vpcId = (await quick.checkVpc({ cloud: input.cloud, id: input.vpc.existingId, mark })).id;
    } else {
      const record: CreatedResource = { kind: 'vpc', name: base };
      created.push(record);
      vpcId = (
        await network.ensureVpc({ cloud: input.cloud, name: base, cidr: input.vpc.cidr, mark })
      ).id;
      record.id = vpcId;
    }
    if ('existingId' in input.subnet) {
      return {
        vpcId,
        subnetId: (
          await waiting.checkSubnet({
            cloud: input.cloud,
            id: input.subnet.existingId,
            vpcId,
            mark,
          })
        ).id,
      };
    }
    const name = `${base}-subnet`;
    const record: CreatedResource = { kind: 'subnet', name, vpcId };
    created.push(record);
    record.id = (
      await network.ensureSubnet({ cloud: input.cloud, vpcId, name, ...input.subnet, mark })
    ).id;
    return { vpcId, subnetId: record.id };
  };
  const firewall = async (): Promise<string> => {
    let securityGroupId: string;
    const buyerGroup = 'existingId' in input.securityGroup;
    if ('existingId' in input.securityGroup) {
      securityGroupId = (
        await quick.checkSecurityGroup({
          cloud: input.cloud,
          id: input.securityGroup.existingId,
          mark,
        })
      ).id;
    } else {
      const name = `${base}-sg`;
      const record: CreatedResource = { kind: 'securityGroup', name };
      created.push(record);
      securityGroupId = (await quick.ensureSecurityGroup({ cloud: input.cloud, name, mark })).id;
      record.id = securityGroupId;
    }
    if (input.ports.length > 0) {
      // On the buyer's group only our rules are ours to remove; on our group they go with it.
      if (buyerGroup)
        created.push({ kind: 'rules', securityGroupId, description: ruleDescription });
      await quick.addSecurityGroupRules({
        cloud: input.cloud,
        securityGroupId,
        rules: input.ports.map((r) => ({ ...r, description: ruleDescription })),
        mark,
      });
    }
    return securityGroupId;
  };
  // allSettled, not all: a failing branch must not leave the other one running unrecorded.
  const [net, sg] = await Promise.allSettled([makeNetwork(), firewall()]);
  if (net.status === 'rejected') throw net.reason;
  if (sg.status === 'rejected') throw sg.reason;
  return { ...net.value, securityGroupId: sg.value };
}

/** A one-line account of the network, kept with the network step. */
export const describeNetwork = (n: ProvisionedNetwork): string =>
  `vpc ${n.vpcId}, subnet ${n.subnetId}, security group ${n.securityGroupId}`;

/**
 * The server: the buyer's, checked, or a new one in the network, recorded (by its deployment tag)
 * before it is created and waited for until ACTIVE with an address.
 */
export async function provisionServer(
  input: ProvisionInput,
  net: ProvisionedNetwork,
  created: CreatedResource[],
  marks: ProvisionMarks = {},
): Promise<ServerInfo> {
  const { quick, waiting } = activities(input);
  // Entering the server step closes the network step, whose last call is not known in advance.
  const first = marks.server && {
    ...marks.server,
    previous: marks.network && { step: marks.network.step, logTail: describeNetwork(net) },
  };
  if ('existingId' in input.server) {
    return quick.checkServer({
      cloud: input.cloud,
      id: input.server.existingId,
      host: input.server.host,
      mark: first,
    });
  }
  const { undo } = activities(input);
  const tag = resourceNames(input.deploymentId).serverTag;
  for (let attempt = 1; ; attempt++) {
    const record: CreatedResource = { kind: 'server', tag };
    created.push(record);
    // Drawn once and kept in history: every retry of createServer sends the same token.
    const clientToken = uuid4();
    const { jobId, serverId } = await quick.createServer({
      cloud: input.cloud,
      clientToken,
      name: input.server.name ?? baseName(input),
      imageRef: input.server.imageRef,
      flavorRef: input.server.flavorRef,
      availabilityZone: input.server.availabilityZone,
      vpcId: net.vpcId,
      subnetId: net.subnetId,
      securityGroupIds: [net.securityGroupId],
      sshPublicKey: input.server.sshPublicKey,
      adminPassRef: input.server.adminPassRef,
      tags: { [ORDER_TAG]: input.orderId, [DEPLOYMENT_TAG]: input.deploymentId },
      mark: notEnding(first),
    });
    record.id = serverId;
    let server: ServerInfo;
    try {
      server = await waiting.waitServerCreated({
        cloud: input.cloud,
        jobId,
        serverId,
        mark: input.publicIp ? notEnding(marks.server) : marks.server,
      });
    } catch (err) {
      // A creation job that failed (Ecs.0015: no capacity, a host fault) or a server that ended
      // in ERROR is the cloud's bad luck, not the request's: delete that server and ask for a new
      // one, a few times. Runs from before this existed fail at once (and replay so).
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      const badLuck =
        cause instanceof ApplicationFailure &&
        (cause.type === 'CLOUD_JOB_FAILED' || cause.type === 'CLOUD_SERVER_ERROR');
      if (!badLuck || !patched('provision-new-server-after-failed-job')) throw err;
      if (attempt >= (input.serverCreateAttempts ?? 3)) throw err;
      log.warn('server creation failed; deleting it and creating another', { serverId, attempt });
      await undo.deleteServer({ cloud: input.cloud, serverId });
      continue;
    }
    return input.publicIp ? attachPublicIp(input, input.publicIp, server, created, marks) : server;
  }
}

/**
 * The new server's EIP: recorded (by its deployment-unique alias) before it is created, then
 * bound to the server's port. Undone before the server (newest first), it is released, never
 * left billing in the buyer's account.
 */
async function attachPublicIp(
  input: ProvisionInput,
  choice: PublicIpChoice,
  server: ServerInfo,
  created: CreatedResource[],
  marks: ProvisionMarks,
): Promise<ServerInfo> {
  const { quick } = activities(input);
  const alias = resourceNames(input.deploymentId).publicIp;
  const record: CreatedResource = { kind: 'publicIp', alias };
  created.push(record);
  const eip = await quick.ensurePublicIp({
    cloud: input.cloud,
    alias,
    bandwidthSize: choice.bandwidthSize,
    chargeMode: choice.chargeMode,
    mark: notEnding(marks.server),
  });
  record.id = eip.id;
  return quick.bindPublicIp({
    cloud: input.cloud,
    publicIpId: eip.id,
    serverId: server.id,
    mark: marks.server,
  });
}

/** Provisions the network and server; on failure or cancellation undoes what it made, then throws. */
export async function provision(input: ProvisionInput): Promise<ProvisionResult> {
  const created: CreatedResource[] = [];
  try {
    const net = await provisionNetwork(input, created);
    const server = await provisionServer(input, net, created);
    return { ...net, server, created };
  } catch (err) {
    log.warn('provisioning failed; undoing what it created', { created: created.length });
    // The provisioning's own failure stays the cause; what could not be undone is logged.
    await compensateProvisioning(created, input).catch((e: unknown) => {
      log.error('provisioning compensation incomplete', { error: String(e) });
    });
    throw err;
  }
}

/**
 * Deletes what a provisioning created, newest first, in a scope that cancellation cannot cut
 * short. Tries every resource even if one fails, then reports the ones it could not delete.
 */
export async function compensateProvisioning(
  created: readonly CreatedResource[],
  options: Pick<ProvisionInput, 'timeouts' | 'cloud'> = {},
): Promise<void> {
  const { undo } = activities(options);
  const cloud = options.cloud;
  const failed: string[] = [];
  await CancellationScope.nonCancellable(async () => {
    for (const r of [...created].reverse()) {
      try {
        switch (r.kind) {
          case 'server':
            await undo.deleteServer({ cloud, serverId: r.id, tag: r.tag });
            break;
          case 'publicIp':
            await undo.deletePublicIp({ cloud, id: r.id, alias: r.alias });
            break;
          case 'rules':
            await undo.deleteSecurityGroupRules({ cloud, ...r });
            break;
          case 'securityGroup':
            // By id and by its unique name: a retried create may have made a second one.
            await undo.deleteSecurityGroup({ cloud, id: r.id, name: r.name });
            break;
          case 'subnet':
            await undo.deleteSubnet({ cloud, vpcId: r.vpcId, id: r.id, name: r.name });
            break;
          case 'vpc':
            await undo.deleteVpc({ cloud, id: r.id, name: r.name });
            break;
        }
      } catch (e) {
        log.error('could not delete a provisioned resource', { kind: r.kind, error: String(e) });
        failed.push(r.kind);
      }
    }
  });
  if (failed.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `compensation left resources behind: ${failed.join(', ')}`,
      'COMPENSATION_INCOMPLETE',
    );
  }
}

/** Standalone provisioning, for tests and the benchmark; deployLicense calls `provision`. */
export async function provisionWorkflow(input: ProvisionInput): Promise<ProvisionResult> {
  return provision(input);
}

/** Undoes a finished provisioning (tests, decommissioning). */
export async function deprovisionWorkflow(input: {
  created: CreatedResource[];
  cloud?: CloudTarget;
  timeouts?: ProvisionInput['timeouts'];
}): Promise<void> {
  await compensateProvisioning(input.created, input);
}
