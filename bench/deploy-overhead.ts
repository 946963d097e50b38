/**
 * Deployment overhead (issue 9, "Fewer round trips"): full deployLicense runs of a License 2.0
 * product (new VPC, subnet, security group and server, a small tar package, the installer, the
 * license code, verify) with the sandbox cloud's delays at zero, so what is left is OneClick's
 * own cost. First one at a time, then all of a batch at once. Per deployment it prints wall time,
 * workflow tasks, history events, activities and local activities, SSH handshakes (calls to
 * ssh2's `Client.prototype.connect`, counted in this process whatever the worker code does), and
 * the CPU-seconds of this process (the worker, its workflow threads, PGlite and the client) and
 * of the Temporal dev server, read from /proc. The sandbox cloud runs in a child process, as
 * `oneclick sandbox` does, so its CPU is counted apart.
 *
 * The peer is the previous version of OneClick: `--peer DIR` first runs this same file inside
 * another checkout (e.g. a git worktree of the code before a change, its node_modules linked to
 * this one's), as a hidden copy `bench/.deploy-overhead-peer.ts` removed afterwards, then this
 * tree, and prints the ratios this / peer. `--compare FILE` compares with the output of an
 * earlier run instead: every run ends with a `RESULT {json}` line for that. Machine load is
 * printed because the CPU-seconds are steadier than the wall times on a shared machine.
 *
 *   npx tsx bench/deploy-overhead.ts [sequential=5] [concurrent=10] [--peer DIR] [--compare FILE]
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Client as SshClient } from 'ssh2';
import { createActivities } from '../activities/index.js';
import { createHuaweiCloud } from '../src/cloud/huawei-cloud.js';
import { newId } from '../src/db/ids.js';
import { migrate } from '../src/db/migrate.js';
import { insertOrGetActiveDeployment } from '../src/db/repositories/deployments.js';
import { createPrincipal } from '../src/db/repositories/principals.js';
import { openPglite } from '../src/db/sql.js';
import type { DeployLicenseInput } from '../src/domain/deployment.js';
import { createLicenseServices } from '../src/license/services.js';
import { createLogger } from '../src/logger.js';
import { createDirectoryPackageStore } from '../src/packages/directory-store.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../src/sandbox/emulator.js';
import { startSandboxCloud } from '../src/sandbox/sandbox-cloud.js';
import { createSqlSecretStore } from '../src/secrets/secret-store.js';
import { createSqlHostKeyPins } from '../src/ssh/host-key.js';
import type { SshSessionPool } from '../src/ssh/session-pool.js';
import { findOrBuildTemporalCli } from '../src/temporal/cli-binary.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import {
  DeploymentStatusKey,
  DeploymentStepKey,
  OrderIdKey,
  ProductIdKey,
  SellerIdKey,
} from '../src/temporal/search-attributes.js';
import { createWorker } from '../src/temporal/worker.js';
import { seedOrder, seedProduct, testKeyring } from '../test/helpers/deploy.js';
import { testWraps } from '../test/helpers/license/seed.js';
import type { deployLicense } from '../workflows/deploy-license.js';
import { machineCpuSeconds, processCpuSeconds } from './cpu-common.js';

const PEER_COPY = '.deploy-overhead-peer.ts';
const ROOT = path.resolve(import.meta.dirname, '..');
const POLL_MS = 25;

/** What one phase measured, per deployment unless named otherwise. */
interface PhaseResult {
  name: 'sequential' | 'concurrent';
  deployments: number;
  failed: number;
  wallMedianS: number;
  wallMaxS: number;
  phaseWallS: number;
  workflowTasks: number;
  historyEvents: number;
  activities: number;
  localActivities: number;
  sshHandshakes: number;
  workerCpuS: number;
  temporalCpuS: number;
  emulatorCpuS: number;
  /** Whole phase: every process on the machine, and the load average at its start and end. */
  machineCpuS: number;
  load1: [number, number];
  /** CPU-s per second of this process and of the Temporal server while idle, before the phase. */
  idlePerS: { worker: number; temporal: number };
}
interface RunResult {
  tree: string;
  commit: string;
  phases: PhaseResult[];
  /** Activity types of one sequential deployment, with counts. */
  activityTypes: Record<string, number>;
  sshPool: string;
}

interface Served {
  ecsEndpoint: string;
  vpcEndpoint: string;
  ak: string;
  sk: string;
  projectId: string;
}

// --- child: the sandbox cloud, on its own process ---------------------------------------------
if (process.argv[2] === '--serve') {
  const sandbox = await startSandboxCloud({
    delays: { jobStartMs: 0, serverBuildMs: 0, serverDeleteMs: 0, networkActiveMs: 0 },
  });
  const { ecsEndpoint, vpcEndpoint, ak, sk, projectId } = sandbox;
  process.send?.({ ecsEndpoint, vpcEndpoint, ak, sk, projectId } satisfies Served);
  process.on('disconnect', () => void sandbox.stop().then(() => process.exit(0)));
  await new Promise(() => undefined);
}

// --- arguments --------------------------------------------------------------------------------
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined) throw new Error(`${name} needs a value`);
  args.splice(i, 2);
  return value;
};
const peerDir = option('--peer');
const compareFile = option('--compare');
const SEQUENTIAL = Number(args[0] ?? 5);
const CONCURRENT = Number(args[1] ?? 10);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const SETTLE_MS = 3_000;
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

/** The checkout's commit, and whether it has uncommitted changes (the tree being measured). */
function commitOf(dir: string): string {
  const git = (a: string[]) =>
    spawnSync('git', ['-C', dir, ...a], { encoding: 'utf8' }).stdout.trim();
  const head = git(['rev-parse', 'HEAD']).slice(0, 12) || 'unknown';
  return git(['status', '--porcelain', '--untracked-files=no'])
    ? `${head} + uncommitted changes`
    : head;
}

// --- peer: the same bench in another checkout, run first, its RESULT line kept -----------------
async function runPeer(dir: string): Promise<RunResult> {
  // A hidden copy beside the peer's own benches (same relative imports), removed afterwards, so
  // the peer's files are never touched and both trees run the very same measurement.
  const copy = path.join(path.resolve(dir), 'bench', PEER_COPY);
  copyFileSync(import.meta.filename, copy);
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', copy, String(SEQUENTIAL), String(CONCURRENT)],
      { cwd: path.resolve(dir), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((r) => child.on('close', r));
    let result: RunResult | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as RunResult;
      else console.log(`[peer] ${line}`);
    }
    const code = await exited;
    if (!result) throw new Error(`the peer bench in ${dir} gave no RESULT (exit ${code})`);
    return result;
  } finally {
    rmSync(copy, { force: true });
  }
}

function printComparison(now: RunResult, before: RunResult): void {
  console.log(`\nthis tree / peer (${now.commit} / ${before.commit}), per deployment:`);
  for (const p of now.phases) {
    const b = before.phases.find((x) => x.name === p.name);
    if (!b) continue;
    const r = (a: number, c: number) => (c > 0 ? `${f2(a / c)}x` : 'n/a');
    const cpu = p.workerCpuS + p.temporalCpuS;
    const cpuBefore = b.workerCpuS + b.temporalCpuS;
    console.log(
      `  ${p.name.padEnd(10)} CPU-s worker+Temporal ${f2(cpu)} / ${f2(cpuBefore)} = ${r(cpu, cpuBefore)}` +
        ` (worker ${r(p.workerCpuS, b.workerCpuS)}, Temporal ${r(p.temporalCpuS, b.temporalCpuS)});` +
        ` history events ${f1(p.historyEvents)} / ${f1(b.historyEvents)} = ${r(p.historyEvents, b.historyEvents)};` +
        ` workflow tasks ${r(p.workflowTasks, b.workflowTasks)}; SSH handshakes ${r(p.sshHandshakes, b.sshHandshakes)};` +
        ` wall median ${r(p.wallMedianS, b.wallMedianS)}`,
    );
    const met = cpu <= cpuBefore / 3 && p.historyEvents <= b.historyEvents / 3;
    console.log(
      `  ${''.padEnd(10)} goal (at most a third of the peer's CPU-s and history events): ${met ? 'met' : 'NOT met'}`,
    );
  }
}

const before: RunResult | undefined = peerDir
  ? await runPeer(peerDir)
  : compareFile
    ? (JSON.parse(
        readFileSync(compareFile, 'utf8')
          .split('\n')
          .find((l) => l.startsWith('RESULT '))
          ?.slice(7) ?? readFileSync(compareFile, 'utf8'),
      ) as RunResult)
    : undefined;

// --- this tree -----------------------------------------------------------------------------
Runtime.install({ logger: new DefaultLogger('ERROR') });

// Every SSH connection any code in this process opens goes through here.
let handshakes = 0;
const sshConnect = Object.getOwnPropertyDescriptor(SshClient.prototype, 'connect')!
  .value as SshClient['connect'];
SshClient.prototype.connect = function (this: SshClient, config) {
  handshakes++;
  return sshConnect.call(this, config);
};

const sandbox = fork(import.meta.filename, ['--serve'], { execArgv: ['--import', 'tsx'] });
const served = await new Promise<Served>((resolve) =>
  sandbox.once('message', (m) => resolve(m as Served)),
);
const cliPath = await findOrBuildTemporalCli({ pathEnv: process.env.PATH });
const server = await startDevServer({ cliPath, uiPort: false });
const db = await openPglite(undefined);
await migrate(db);
const storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-bench-store-'));
const store = createDirectoryPackageStore(storeDir);
const keyring = testKeyring();
const license = createLicenseServices({ sql: db, wraps: testWraps(), issuer: 'http://bench' });
// The worker-wide SSH pool exists only in trees that have it (the activities' option is optional).
const sshSessions: SshSessionPool | undefined = existsSync(
  path.join(ROOT, 'src/ssh/session-pool.ts'),
)
  ? (await import('../src/ssh/session-pool.js')).createSshSessionPool()
  : undefined;
const taskQueue = `bench-deploy-${randomUUID()}`;
const native = await NativeConnection.connect({ address: server.address });
const worker = await createWorker({
  connection: native,
  namespace: server.namespace,
  taskQueue,
  activities: createActivities({
    db,
    logger: createLogger('error', process.stderr),
    cloud: createHuaweiCloud({ ...served, pollMs: POLL_MS, timeoutMs: 10_000 }),
    secrets: createSqlSecretStore(db, keyring),
    packages: store,
    hostKeys: createSqlHostKeyPins(db),
    license,
    ...(sshSessions && { sshSessions }),
  }),
});
const running = worker.run();
const client = new Client({
  connection: await Connection.connect({ address: server.address }),
  namespace: server.namespace,
});
const seller = await createPrincipal(db, { role: 'seller', name: 'bench-seller' });
const buyer = await createPrincipal(db, {
  role: 'buyer',
  name: 'bench-buyer',
  marketplaceCustomerId: 'cust-bench-buyer',
});
const sellerId = seller.sellerId!;
const buyerId = buyer.buyerId!;
const product = await seedProduct(db, store, sellerId);

interface Seeded {
  workflowId: string;
  input: DeployLicenseInput;
}

/** An order and its recorded deployment, as the start route leaves them before the workflow. */
async function seed(): Promise<Seeded> {
  const orderRef = await seedOrder(db, { buyerId, sellerId, productId: product.id });
  const deploymentId = newId('dep');
  const input: DeployLicenseInput = {
    deploymentId,
    orderRef,
    choices: {
      vpc: { cidr: '10.0.0.0/16' },
      subnet: { cidr: '10.0.1.0/24', gatewayIp: '10.0.1.1' },
      securityGroup: { create: true },
      server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
    },
  };
  const workflowId = `deploy-${orderRef}`;
  await insertOrGetActiveDeployment(db, { id: deploymentId, orderRef, workflowId, request: input });
  return { workflowId, input };
}

/** Starts the workflow as the start route does, and waits for its result. */
async function deploy(s: Seeded): Promise<{ ms: number; ok: boolean }> {
  const t0 = performance.now();
  try {
    const handle = await client.workflow.start<typeof deployLicense>('deployLicense', {
      taskQueue,
      workflowId: s.workflowId,
      args: [s.input],
      typedSearchAttributes: [
        { key: OrderIdKey, value: s.input.orderRef },
        { key: SellerIdKey, value: sellerId },
        { key: ProductIdKey, value: product.id },
        { key: DeploymentStepKey, value: 'requested' },
        { key: DeploymentStatusKey, value: 'running' },
      ],
    });
    await handle.result();
    return { ms: performance.now() - t0, ok: true };
  } catch (err) {
    console.error(`deployment ${s.workflowId} failed: ${String(err)}`);
    return { ms: performance.now() - t0, ok: false };
  }
}

// CommonJS: its namespace is only reachable through the default export under plain Node.
const { EventType } = protos.temporal.api.enums.v1;
/** Counts from a finished deployment's history (read after the phase, off the meter). */
async function historyCounts(workflowId: string) {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const of = (t: protos.temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === t);
  const types: Record<string, number> = {};
  for (const e of of(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
    types[name] = (types[name] ?? 0) + 1;
  }
  const local = of(EventType.EVENT_TYPE_MARKER_RECORDED).filter(
    (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
  );
  return {
    events: events.length,
    workflowTasks: of(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
    activities: of(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).length,
    localActivities: local.length,
    types,
  };
}

async function phase(name: PhaseResult['name'], n: number): Promise<PhaseResult> {
  const seeded: Seeded[] = [];
  for (let i = 0; i < n; i++) seeded.push(await seed());
  // The idle cost (timers, pollers) over a quiet spell, so a long phase is not mistaken for work.
  const idle0 = { self: process.cpuUsage(), temporal: processCpuSeconds(server.pid) };
  await settle();
  const idleSelf = process.cpuUsage(idle0.self);
  const idlePerS = {
    worker: (idleSelf.user + idleSelf.system) / 1e6 / (SETTLE_MS / 1000),
    temporal: (processCpuSeconds(server.pid) - idle0.temporal) / (SETTLE_MS / 1000),
  };
  const start = {
    load1: loadavg()[0] ?? 0,
    machine: machineCpuSeconds(),
    self: process.cpuUsage(),
    temporal: processCpuSeconds(server.pid),
    emulator: processCpuSeconds(sandbox.pid!),
    ssh: handshakes,
    t: performance.now(),
  };
  const runs: { ms: number; ok: boolean }[] = [];
  if (name === 'sequential') for (const s of seeded) runs.push(await deploy(s));
  else runs.push(...(await Promise.all(seeded.map(deploy))));
  const phaseWallS = (performance.now() - start.t) / 1000;
  const self = process.cpuUsage(start.self);
  const cpu = {
    worker: (self.user + self.system) / 1e6,
    temporal: processCpuSeconds(server.pid) - start.temporal,
    emulator: processCpuSeconds(sandbox.pid!) - start.emulator,
    machine: machineCpuSeconds() - start.machine,
  };
  const ssh = handshakes - start.ssh;
  const load1: [number, number] = [start.load1, loadavg()[0] ?? 0];
  const counts = await Promise.all(seeded.map((s) => historyCounts(s.workflowId)));
  if (name === 'sequential') activityTypes = counts[0]?.types ?? {};
  const per = (x: number) => x / n;
  return {
    name,
    deployments: n,
    failed: runs.filter((r) => !r.ok).length,
    wallMedianS: median(runs.map((r) => r.ms)) / 1000,
    wallMaxS: Math.max(...runs.map((r) => r.ms)) / 1000,
    phaseWallS,
    workflowTasks: mean(counts.map((c) => c.workflowTasks)),
    historyEvents: mean(counts.map((c) => c.events)),
    activities: mean(counts.map((c) => c.activities)),
    localActivities: mean(counts.map((c) => c.localActivities)),
    sshHandshakes: per(ssh),
    workerCpuS: per(cpu.worker),
    temporalCpuS: per(cpu.temporal),
    emulatorCpuS: per(cpu.emulator),
    idlePerS,
    machineCpuS: cpu.machine,
    load1,
  };
}

function printPhase(p: PhaseResult): void {
  const how = p.name === 'sequential' ? 'one at a time' : 'all at once';
  console.log(
    `${p.name}: ${p.deployments} deployments ${how}, sandbox delays 0` +
      (p.failed ? ` (${p.failed} FAILED)` : ''),
  );
  console.log(
    `  wall per deployment    median ${f2(p.wallMedianS)} s, max ${f2(p.wallMaxS)} s (phase ${f2(p.phaseWallS)} s)`,
  );
  console.log(
    `  per deployment         ${f1(p.workflowTasks)} workflow tasks, ${f1(p.historyEvents)} history events, ` +
      `${f1(p.activities)} activities + ${f1(p.localActivities)} local activities, ${f1(p.sshHandshakes)} SSH handshakes`,
  );
  console.log(
    `  CPU-s per deployment   worker process ${f2(p.workerCpuS)} (worker + PGlite + client), ` +
      `Temporal server ${f2(p.temporalCpuS)}, sandbox emulator ${f2(p.emulatorCpuS)}; ` +
      `idle: worker ${f2(p.idlePerS.worker)}, Temporal ${f2(p.idlePerS.temporal)} CPU-s/s`,
  );
  const ours = (p.workerCpuS + p.temporalCpuS + p.emulatorCpuS) * p.deployments;
  console.log(
    `  machine                ${f1(p.machineCpuS)} CPU-s in ${f1(p.phaseWallS)} s, of which ${f1(p.machineCpuS - ours)} ` +
      `others' processes, sandbox hosts and kernel; load ${f1(p.load1[0])} -> ${f1(p.load1[1])}`,
  );
}

let activityTypes: Record<string, number> = {};
let result: RunResult | undefined;
try {
  // Warm-up, not counted: bundle loaded, connections open, first host made, JIT warm.
  await deploy(await seed());
  const phases = [await phase('sequential', SEQUENTIAL), await phase('concurrent', CONCURRENT)];
  const pool = sshSessions?.stats();
  result = {
    tree: ROOT,
    commit: commitOf(ROOT),
    phases,
    activityTypes,
    sshPool: pool
      ? `worker-wide pool: ${pool.handshakes} handshakes, ${pool.reuses} reuses`
      : 'no worker-wide SSH pool in this tree',
  };
  console.log(`deployLicense overhead in ${ROOT} (${result.commit})`);
  for (const p of phases) printPhase(p);
  console.log(
    `  activities of one deployment: ${Object.entries(activityTypes)
      .map(([k, v]) => (v > 1 ? `${k} x${v}` : k))
      .join(', ')}`,
  );
  console.log(`  ${result.sshPool}`);
  for (const p of phases) {
    console.log(
      `SUMMARY ${p.name} x${p.deployments}: wall median ${f2(p.wallMedianS)} s, ` +
        `${f1(p.workflowTasks)} WFT, ${f1(p.historyEvents)} events, ${f1(p.activities)}+${f1(p.localActivities)} act, ` +
        `${f1(p.sshHandshakes)} ssh, CPU-s worker ${f2(p.workerCpuS)} Temporal ${f2(p.temporalCpuS)} per deployment, ` +
        `load ${f1(p.load1[0])}->${f1(p.load1[1])}`,
    );
  }
  console.log(`RESULT ${JSON.stringify(result)}`);
} finally {
  sshSessions?.close();
  worker.shutdown();
  await running;
  await native.close();
  await client.connection.close();
  sandbox.disconnect();
  await server.stop();
  await db.close();
  rmSync(storeDir, { recursive: true, force: true });
}
if (before && result) printComparison(result, before);
else if (result) {
  console.log(
    'no peer: compare with the previous version by `--peer <its checkout>` (runs both), or save ' +
      'this output and pass it to a later run as `--compare <file>`',
  );
}
