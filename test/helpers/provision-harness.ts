import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { createProvisioningActivities } from '../../activities/provisioning.js';
import { createHuaweiCloud } from '../../src/cloud/huawei-cloud.js';
import type { SandboxCloud } from '../../src/sandbox/sandbox-cloud.js';
import type { CloudAdapter } from '../../src/cloud/types.js';
import type { ProvisionInput } from '../../workflows/provision.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../src/sandbox/emulator.js';

/** Test harness for the provisioning workflow: real dev server, real SDK, sandbox cloud. */

export const WORKFLOWS = fileURLToPath(new URL('../../workflows/provision.ts', import.meta.url));

// Failing workflows are what these tests are about; the worker need not log each one.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // already installed in this process
}

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundles the provisioning workflows once per test file. */
export function provisionBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quietLogger });
  return bundle;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/** Cloud options pointing at a sandbox, with test-sized polls and retries. */
export function sandboxCloudOptions(cloud: SandboxCloud) {
  return {
    ecsEndpoint: cloud.ecsEndpoint,
    vpcEndpoint: cloud.vpcEndpoint,
    ak: cloud.ak,
    sk: cloud.sk,
    projectId: cloud.projectId,
    pollMs: 25,
    timeoutMs: 10_000,
  };
}

/** Activities over the sandbox cloud; secrets resolve from the given map. */
export function sandboxActivities(cloud: SandboxCloud, secrets: Record<string, string> = {}) {
  return createProvisioningActivities({
    cloud: createHuaweiCloud(sandboxCloudOptions(cloud)),
    resolveSecret: (ref) => Promise.resolve(secrets[ref]),
    pollMs: 25,
  });
}

export interface Harness {
  client: Client;
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

/** Starts a worker on a fresh task queue and a client. */
export async function startHarness(opts: {
  address: string;
  namespace: string;
  taskQueue: string;
  activities: object;
}): Promise<Harness> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await provisionBundle(),
    activities: opts.activities,
  });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection: clientConnection, namespace: opts.namespace });
  return {
    client,
    worker,
    taskQueue: opts.taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await clientConnection.close();
    },
  };
}

/** A provisioning input that creates everything new. */
export function newEverything(
  deploymentId: string,
  o: Partial<ProvisionInput> = {},
): ProvisionInput {
  return {
    deploymentId,
    orderId: `order-${deploymentId}`,
    vpc: { cidr: '10.0.0.0/16' },
    subnet: { cidr: '10.0.1.0/24', gatewayIp: '10.0.1.1' },
    securityGroup: { create: true },
    ports: [
      { direction: 'ingress', protocol: 'tcp', ports: '22' },
      { direction: 'ingress', protocol: 'tcp', ports: '8443' },
    ],
    server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
    // Heartbeats are a hang guard here: on a busy machine (CI, stress) 5 s was missed under load,
    // and ten heartbeat timeouts in a row failed a run (found running the suite under stress-ng).
    timeouts: { heartbeatMs: 20_000, retryInitialMs: 50, retryMaxMs: 500 },
    ...o,
  };
}

/** The ApplicationFailure type at the bottom of a failed workflow, e.g. CLOUD_JOB_FAILED. */
export function failureType(err: unknown): string | undefined {
  let e: unknown = err;
  while (e) {
    if (e instanceof ApplicationFailure) return e.type ?? undefined;
    if (e instanceof WorkflowFailedError || e instanceof ActivityFailure) e = e.cause;
    else return undefined;
  }
  return undefined;
}

/** Everything of one deployment still in the sandbox inventory. */
export function leftovers(cloud: SandboxCloud, deploymentId: string) {
  const inv = cloud.inventory();
  const prefix = `oc-${deploymentId}`;
  return {
    vpcs: inv.vpcs.filter((v) => v.name.startsWith(prefix)).map((v) => v.id),
    subnets: inv.subnets.filter((s) => s.name.startsWith(prefix)).map((s) => s.id),
    securityGroups: inv.securityGroups.filter((g) => g.name.startsWith(prefix)).map((g) => g.id),
    servers: inv.servers
      .filter((s) =>
        s.tags.some((t) => t.key === 'oneclick:deployment' && t.value === deploymentId),
      )
      .map((s) => s.id),
  };
}

export const NOTHING = { vpcs: [], subnets: [], securityGroups: [], servers: [] };

/**
 * The buyer's own VPC (172.<net>.0.0/16), subnet (172.<net>.5.0/24), security group and server,
 * made straight through the adapter as a buyer would have them; the job is waited for, the
 * server's boot is not.
 */
export async function createBuyerResources(
  adapter: CloudAdapter,
  o: { name: string; net: number; adminPass?: string },
): Promise<{ vpcId: string; subnetId: string; securityGroupId: string; serverId: string }> {
  const vpc = await adapter.createVpc({ name: `${o.name}-vpc`, cidr: `172.${o.net}.0.0/16` });
  await adapter.waitVpcReady(vpc.id);
  const subnet = await adapter.createSubnet({
    name: `${o.name}-subnet`,
    cidr: `172.${o.net}.5.0/24`,
    gatewayIp: `172.${o.net}.5.1`,
    vpcId: vpc.id,
  });
  await adapter.waitSubnetReady(subnet.id);
  const sg = await adapter.createSecurityGroup({ name: `${o.name}-sg` });
  const created = await adapter.createServer({
    name: `${o.name}-vm`,
    imageRef: DEFAULT_IMAGE_ID,
    flavorRef: DEFAULT_FLAVOR,
    vpcId: vpc.id,
    subnetId: subnet.id,
    securityGroupIds: [sg.id],
    clientToken: randomUUID(),
    ...(o.adminPass && { adminPass: o.adminPass }),
  });
  await adapter.waitJob(created.jobId);
  return {
    vpcId: vpc.id,
    subnetId: subnet.id,
    securityGroupId: sg.id,
    serverId: created.serverIds[0]!,
  };
}
