/**
 * Provisioning latency: 50 provisionings at once, each a new VPC, subnet, security group (with
 * the product's ports) and server, timed from start until the server is ACTIVE and its sshd
 * answers. Runs through Temporal (real dev server, provisionWorkflow) and, as the peer in the
 * same run, the same cloud calls made directly without Temporal. The sandbox cloud runs in a
 * child process (as `oneclick sandbox` does), delays zero; polls every 20 ms. Target: median
 * under 1.5 s. Prints min/median/max.
 *
 * With warm-hosts > 0 the sandbox keeps that many network namespaces wired ahead of demand (its
 * spare capacity) and refills between phases; 0 measures the cold path.
 *
 *   npx tsx bench/provision.ts [concurrent=50] [poll-ms=20] [warm-hosts=0]
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createProvisioningActivities } from '../activities/provisioning.js';
import { createHuaweiCloud } from '../src/cloud/huawei-cloud.js';
import type { CloudAdapter } from '../src/cloud/types.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../src/sandbox/emulator.js';
import { waitForPort } from '../src/sandbox/hosts.js';
import { startSandboxCloud } from '../src/sandbox/sandbox-cloud.js';
import { findOrBuildTemporalCli } from '../src/temporal/cli-binary.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { createWorker } from '../src/temporal/worker.js';
import { machineCpuSeconds, processCpuSeconds } from './cpu-common.js';
import {
  deprovisionWorkflow,
  provisionWorkflow,
  type ProvisionInput,
  type ProvisionResult,
} from '../workflows/provision.js';

const N = Number(process.argv[2] ?? 50);
const POLL_MS = Number(process.argv[3] ?? 20);
const WARM = Number(process.argv[4] ?? 0);
const PORTS = [
  { direction: 'ingress' as const, protocol: 'tcp' as const, ports: '22' },
  { direction: 'ingress' as const, protocol: 'tcp' as const, ports: '8443' },
];

Runtime.install({ logger: new DefaultLogger('ERROR') });

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? 0, median: s[Math.floor(s.length / 2)] ?? 0, max: s[s.length - 1] ?? 0 };
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Where the CPU of a phase went: this process (worker and client), the dev server, the
 * emulator, and everything else (sandbox hosts' sshd and ip, the kernel). */
function cpuMeter(pids: { temporal: number; emulator: number }) {
  const read = () => ({
    machine: machineCpuSeconds(),
    self: process.cpuUsage(),
    temporal: processCpuSeconds(pids.temporal),
    emulator: processCpuSeconds(pids.emulator),
  });
  const start = read();
  return () => {
    const end = read();
    const self = process.cpuUsage(start.self);
    const mine = (self.user + self.system) / 1e6;
    const temporal = end.temporal - start.temporal;
    const emulator = end.emulator - start.emulator;
    const machine = end.machine - start.machine;
    return `machine ${machine.toFixed(1)} CPU-s: worker+client ${mine.toFixed(1)}, Temporal server ${temporal.toFixed(1)}, emulator ${emulator.toFixed(1)}, hosts and kernel ${(machine - mine - temporal - emulator).toFixed(1)}`;
  };
}
const settle = () => new Promise((r) => setTimeout(r, 2_000));

const input = (i: number): ProvisionInput => ({
  deploymentId: `bench-${i}-${randomUUID().slice(0, 8)}`,
  orderId: `bench-order-${i}`,
  vpc: { cidr: '10.0.0.0/16' },
  subnet: { cidr: '10.0.1.0/24', gatewayIp: '10.0.1.1' },
  securityGroup: { create: true },
  ports: PORTS,
  server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
  timeouts: { retryInitialMs: 50, retryMaxMs: 1_000 },
});

/** The peer: the same calls, in the same order, straight from this process. */
async function direct(cloud: CloudAdapter, i: number): Promise<string[]> {
  const name = `direct-${i}-${randomUUID().slice(0, 8)}`;
  const wait = { pollMs: POLL_MS };
  const vpc = await cloud.createVpc({ name, cidr: '10.0.0.0/16' });
  if (vpc.status !== 'OK') await cloud.waitVpcReady(vpc.id, wait);
  const subnet = await cloud.createSubnet({
    name,
    cidr: '10.0.1.0/24',
    gatewayIp: '10.0.1.1',
    vpcId: vpc.id,
  });
  if (subnet.status !== 'ACTIVE') await cloud.waitSubnetReady(subnet.id, wait);
  const sg = await cloud.createSecurityGroup({ name });
  await cloud.ensureSecurityGroupRules(sg.id, PORTS);
  const { jobId, serverIds } = await cloud.createServer({
    name,
    imageRef: DEFAULT_IMAGE_ID,
    flavorRef: DEFAULT_FLAVOR,
    vpcId: vpc.id,
    subnetId: subnet.id,
    securityGroupIds: [sg.id],
    clientToken: randomUUID(),
  });
  await cloud.waitJob(jobId, wait);
  const server = await cloud.waitServerActive(serverIds[0] ?? '', wait);
  await waitForPort(server.ip ?? '', 22, 30_000);
  return [vpc.id, subnet.id, sg.id, server.id];
}

interface Served {
  ecsEndpoint: string;
  vpcEndpoint: string;
  ak: string;
  sk: string;
  projectId: string;
}

if (process.argv[2] === '--serve') {
  // Child: the sandbox cloud on the other core, as `oneclick sandbox` would run it.
  const sandbox = await startSandboxCloud({ warmHosts: Number(process.argv[3] ?? 0) });
  await sandbox.warmedUp();
  const { ecsEndpoint, vpcEndpoint, ak, sk, projectId } = sandbox;
  process.send?.({ ecsEndpoint, vpcEndpoint, ak, sk, projectId } satisfies Served);
  process.on('message', (m) => {
    if (m === 'warmup') void sandbox.warmedUp().then(() => process.send?.('warm'));
    if (m === 'inventory') {
      const inv = sandbox.inventory();
      process.send?.(
        inv.vpcs.length + inv.subnets.length + inv.securityGroups.length + inv.servers.length,
      );
    }
  });
  process.on('disconnect', () => void sandbox.stop().then(() => process.exit(0)));
  await new Promise(() => undefined);
}

const child = fork(import.meta.filename, ['--serve', String(WARM)], {
  execArgv: ['--import', 'tsx'],
});
const warmup = async () => {
  child.send('warmup');
  await new Promise((resolve) => child.once('message', resolve));
};
const served = await new Promise<Served>((resolve) =>
  child.once('message', (m) => resolve(m as Served)),
);
const cliPath = await findOrBuildTemporalCli({ pathEnv: process.env.PATH });
const temporal = await startDevServer({ cliPath, uiPort: false });
const options = { ...served, pollMs: POLL_MS };
const cloud = createHuaweiCloud(options);
const taskQueue = `bench-provision-${randomUUID()}`;
// Built as the product builds its worker (createWorker), over the provisioning workflows only.
const worker = await createWorker({
  connection: await NativeConnection.connect({ address: temporal.address }),
  namespace: temporal.namespace,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('../workflows/provision.ts', import.meta.url)),
  activities: createProvisioningActivities({ cloud, pollMs: POLL_MS }),
});
const running = worker.run();
const client = new Client({
  connection: await Connection.connect({ address: temporal.address }),
  namespace: temporal.namespace,
});

async function viaTemporal(i: number): Promise<{ ms: number; result: ProvisionResult }> {
  const t0 = performance.now();
  const args = input(i);
  const result = await client.workflow.execute(provisionWorkflow, {
    taskQueue,
    workflowId: `provision-${args.deploymentId}`,
    args: [args],
  });
  await waitForPort(result.server.ip, 22, 30_000);
  return { ms: performance.now() - t0, result };
}

async function undoAll(results: ProvisionResult[]): Promise<void> {
  await Promise.all(
    results.map((r) =>
      client.workflow.execute(deprovisionWorkflow, {
        taskQueue,
        workflowId: `deprovision-${randomUUID()}`,
        args: [{ created: r.created }],
      }),
    ),
  );
}

try {
  // Warm up: bundle loaded, connections open, first host made.
  await undoAll([(await viaTemporal(-1)).result]);

  const pids = { temporal: temporal.pid, emulator: child.pid! };
  await warmup();
  await settle();
  const temporalMeter = cpuMeter(pids);
  const temporalRuns = await Promise.all(Array.from({ length: N }, (_, i) => viaTemporal(i)));
  const temporalCpu = temporalMeter();
  await undoAll(temporalRuns.map((r) => r.result));

  await warmup();
  // Deleted namespaces are torn down by the kernel after the fact: let that finish first.
  await settle();
  const directMeter = cpuMeter(pids);
  const directMs: number[] = [];
  const made = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const t0 = performance.now();
      const ids = await direct(cloud, i);
      directMs.push(performance.now() - t0);
      return ids;
    }),
  );
  const directCpu = directMeter();
  const jobId = await cloud.deleteServers(made.map((m) => m[3] ?? ''));
  if (jobId) await cloud.waitJob(jobId, { pollMs: POLL_MS });
  for (const [vpcId = '', subnetId = '', sgId = ''] of made) {
    await cloud.deleteSecurityGroup(sgId);
    await cloud.deleteSubnet(vpcId, subnetId);
    await cloud.deleteVpc(vpcId);
  }

  const t = stats(temporalRuns.map((r) => r.ms));
  const d = stats(directMs);
  console.log(
    `provisioning ${N} at once, start -> server ACTIVE and sshd answering (polls ${POLL_MS} ms, ${WARM} warm hosts)`,
  );
  console.log(
    `  through Temporal      min ${fmt(t.min)}  median ${fmt(t.median)}  max ${fmt(t.max)}`,
  );
  console.log(
    `  peer: direct SDK      min ${fmt(d.min)}  median ${fmt(d.median)}  max ${fmt(d.max)}`,
  );
  console.log(`  Temporal / direct median: ${(t.median / d.median).toFixed(2)}x`);
  console.log(`  CPU through Temporal: ${temporalCpu}`);
  console.log(`  CPU direct SDK:       ${directCpu}`);
  console.log(`  target median < 1.5 s: ${t.median < 1500 ? 'met' : 'NOT met'}`);
  child.send('inventory');
  const left = await new Promise((resolve) => child.once('message', resolve));
  console.log(`  resources left in the sandbox afterwards: ${String(left)}`);
} finally {
  worker.shutdown();
  await running;
  child.disconnect();
  await temporal.stop();
}
