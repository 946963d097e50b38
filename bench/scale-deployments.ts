/**
 * 100 deployments at once (issue 14, "Scale out"): OneClick run as a user runs it at scale, one
 * PostgreSQL, one Temporal dev server, the sandbox cloud with a real region's delays (`oneclick
 * sandbox --delays realistic`: every API call 0.5–2 s, a server's creation job 20–40 s, its sshd
 * 10–20 s after the job), one `oneclick api` and one `oneclick worker` process, then the same with
 * two worker processes. A seller uploads a 10 MiB package through the API, the marketplace reports
 * N orders paid (signed intake calls), and the buyer starts all N deployments through the API at
 * once (License 2.0; a new VPC, subnet, security group and server each), each into a cloud account
 * of its own linked through an IAM agency, as buyers deploy into their own accounts with real
 * credentials. Per deployment:
 *
 * - end to end: from just before its Start Deployment call to its recorded `finishedAt`;
 * - injected cloud waits, from the sandbox's record (`GET /_sandbox/delays/injected`): every wait
 *   it put on an account's path, as served (an API call's latency, from its arrival to its
 *   answer; a creation job, from submission to SUCCESS; a boot, from ACTIVE until the host's sshd
 *   listens). A deployment's waits are those of its own account, and what is subtracted is the
 *   length of their UNION within its window, never their sum: its calls overlap (the network and
 *   the security group are made side by side; the job is polled while it runs, and the last
 *   poll's latency may outlast it), and a sum would count the same second twice and understate
 *   the overhead. This is why each deployment has an account of its own: a call such as ListVpcs
 *   names no resource, so only its account tells whose path it is on;
 * - transfer and installer time: the `push` and `install` steps as the activities recorded them
 *   (`GET /v1/orders/{id}/deployments/current`);
 * - orchestration overhead = end to end − injected waits − transfer − installer: what OneClick
 *   adds (API, Temporal round trips, poll intervals, SSH set-up, database, the license, verify).
 *
 * Printed per phase and side by side: failures, deployments per minute (successes over the span
 * from the first start to the last finish), overhead p50/p95/max, where the overhead sits (per
 * step, and between steps), the worker's peak RSS (VmHWM of each worker process, sampled), CPU
 * seconds per process, the machine's load, Temporal's schedule-to-start of activities; then the
 * throughput ratio of two workers to one, and a final `RESULT {json}` line. Goals (issue 14):
 * 0 failures, worker RSS under 1 GiB, overhead p50 under 1 s and p95 under 3 s.
 *
 * `--store s3` keeps packages in SeaweedFS's S3 (started per phase), as nodes at scale do, so
 * servers download them themselves (pull delivery); the default is each process's directory
 * (pushed over SFTP). `--env KEY=VALUE` (repeatable) adds to the environment of the api, worker and migrate
 * processes (e.g. an object store for packages). Everything the bench starts is stopped at the
 * end, on Ctrl-C and on SIGTERM; its children get SIGTERM if it is killed (setpriv pdeathsig).
 * Linux and root (sandbox hosts), PostgreSQL and the Temporal CLI, as the tests need.
 *
 * First, unless `--no-peer`, the peer: the same deployments on a sandbox of its own with no
 * orchestrator at all (bench/scale-peer.ts: the cloud calls made directly, then OpenSSH's client
 * over one multiplexed connection per server), measured by the same formula; its overhead is what
 * this machine costs a deployment when N run at once, whatever orchestrates them. Printed beside
 * OneClick's, with the ratio.
 *
 *   npx tsx bench/scale-deployments.ts [count=100] [--workers 1,2] [--store directory|s3]
 *     [--no-peer] [--env KEY=VALUE ...]
 */
import { DEPLOYMENT_STEPS } from '../src/domain/deployment.js';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time.js';
import protos from '@temporalio/proto';
import { signedQuery } from '../src/marketplace/signing.js';
import { unionMs, type InjectedWait } from '../src/sandbox/faults.js';
import { cleanupStaleSandboxHosts } from '../src/sandbox/hosts.js';
import { findOrBuildTemporalCli } from '../src/temporal/cli-binary.js';
import { freePort, startDevServer } from '../src/temporal/dev-server.js';
import { startPostgres } from '../test/helpers/postgres-server.js';
import { startSeaweedS3 } from '../test/helpers/seaweedfs.js';
import { runPeerPhase, type PeerResult } from './scale-peer.js';
import { machineCpuSeconds, processCpuSeconds } from './cpu-common.js';
import {
  api,
  bannerValue,
  mapLimit,
  memoryOf,
  histogramMean,
  percentile,
  scrapeMetrics,
  SlotWatch,
  startOneClick,
  stopChild,
  waitForOutput,
  type OneClickChild,
} from './scale-common.js';

// --- arguments --------------------------------------------------------------------------------
const extraEnv: Record<string, string> = {};
let workerCounts = [1, 2];
/** Whether the peer phase (bench/scale-peer.ts: no orchestrator, OpenSSH) runs first. */
let withPeer = true;
/** Where packages are kept: each process's directory (pushed), or SeaweedFS's S3 (pulled). */
let store: 'directory' | 's3' = 'directory';
const positional: string[] = [];
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--env') {
      const kv = args[++i] ?? '';
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Error(`--env takes KEY=VALUE, not ${kv}`);
      extraEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '--store') {
      const v = args[++i];
      if (v !== 'directory' && v !== 's3') throw new Error('--store takes directory or s3');
      store = v;
    } else if (a === '--no-peer') {
      withPeer = false;
    } else if (a === '--workers') {
      workerCounts = (args[++i] ?? '').split(',').map(Number);
      if (workerCounts.some((n) => !Number.isInteger(n) || n < 1)) {
        throw new Error('--workers takes counts such as 1,2');
      }
    } else positional.push(a);
  }
}
const COUNT = Number(positional[0] ?? 100);
if (!Number.isInteger(COUNT) || COUNT < 1 || COUNT > 250) throw new Error('count: 1 to 250');
const PACKAGE_BYTES = 10 * 1024 * 1024;
/** How long the deployments of one phase may take before the phase gives up on them. */
const PHASE_TIMEOUT_MS = 30 * 60_000;
const STEPS: readonly string[] = DEPLOYMENT_STEPS;
/** Where a deployment's overhead is shown to sit: its steps (but push and install) and the rest. */
const UNCOVERED_PARTS = [
  'before first step',
  ...STEPS.filter((s) => s !== 'push' && s !== 'install'),
  'step edges',
  'after last step',
];

// --- clean-up: everything started is stopped, newest first, once, also on a signal -------------
const deferred: { what: string; fn: () => Promise<unknown> }[] = [];
const defer = (what: string, fn: () => Promise<unknown>) => deferred.push({ what, fn });
const live = new Set<OneClickChild>();
// One unwinding at a time (a signal's and a phase's own), so stops keep their order.
let unwinding: Promise<void> = Promise.resolve();
function unwind(depth = 0): Promise<void> {
  unwinding = unwinding.then(async () => {
    while (deferred.length > depth) {
      const { what, fn } = deferred.pop()!;
      await fn().catch((e: unknown) => console.error(`clean-up: ${what}: ${String(e)}`));
    }
  });
  return unwinding;
}
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping everything the bench started…`);
    void unwind().finally(() => process.exit(130));
  });
}
// Last resort (an exception past every finally): no child outlives the bench.
process.on('exit', () => {
  for (const p of live) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});
const track = (p: OneClickChild): OneClickChild => {
  live.add(p);
  void p.exited.then(() => live.delete(p));
  return p;
};

// --- the package and the product ------------------------------------------------------------------
/** A .tar.gz of 10 MiB of random bytes (incompressible, so the package is 10 MiB on the wire). */
function buildPackage(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-scale-package-'));
  try {
    mkdirSync(path.join(dir, 'app'));
    writeFileSync(path.join(dir, 'app', 'payload.bin'), randomBytes(PACKAGE_BYTES));
    const file = path.join(dir, 'app.tar.gz');
    execFileSync('tar', ['-czf', file, '-C', dir, 'app']);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- one phase ------------------------------------------------------------------------------------
interface Step {
  step: string;
  status: string;
  attempts: number;
  startedAt: string;
  endedAt: string | null;
}
interface DeploymentView {
  id: string;
  workflowId: string;
  state: string;
  failure: { code: string; message: string } | null;
  createdAt: string;
  finishedAt: string | null;
  steps: Step[];
}
interface TimelineActivity {
  activity: string;
  local: boolean;
  attempts: number;
  scheduledAt: string | null;
  startedAt: string | null;
}
interface Timeline {
  steps: { activities: TimelineActivity[] }[];
  otherActivities: TimelineActivity[];
}

/** What one deployment measured, in ms. */
interface Measured {
  ok: boolean;
  failure?: string;
  startMs: number;
  endMs: number;
  e2e: number;
  injected: number;
  transfer: number;
  installer: number;
  overhead: number;
  /** Per step: its duration minus the injected waits inside it. */
  uncovered: Record<string, number>;
  retries: number;
  /** Of each activity that started at its first attempt (not local): scheduled → started. */
  scheduleToStart: number[];
  /**
   * Before the first step, from the run's history: the Start Deployment call until the run
   * started, its first workflow task's wait (scheduled → started), and from then to the step.
   */
  firstTask?: { toRunStart: number; taskWait: number; toFirstStep: number };
  /** Each step edge (`a→b`): the time from a's end to b's start outside injected waits. */
  edges: Record<string, number>;
}

interface PhaseResult {
  workers: number;
  deployments: number;
  succeeded: number;
  failed: number;
  failures: Record<string, number>;
  spanS: number;
  perMinute: number;
  e2e: Stats;
  injected: Stats;
  transfer: Stats;
  installer: Stats;
  overhead: Stats;
  /** p50 / p95 of each step's time outside injected waits, and of the time outside steps. */
  uncovered: Record<string, { p50: number; p95: number }>;
  activityRetries: number;
  scheduleToStartMs: { p50: number; p95: number; max: number };
  workerPeakRssMiB: number[];
  /** Per Temporal worker type, over all workers: fewest slots available, most used at once. */
  slots: Record<string, { minAvailable: number; maxUsed: number }>;
  /** Means over the run, all workers (ms): workflow tasks' schedule-to-start and execution. */
  workflowTaskMs: { scheduleToStart: number | null; execution: number | null };
  /** The workers' worst event-loop delay p99 over any 2 s (ms). */
  loopLagP99MaxMs: number;
  /** Before the first step: the call until the run started, its first task's wait, the rest. */
  firstTask: { toRunStart: Stats; taskWait: Stats; toFirstStep: Stats };
  /** p50 of each step edge. */
  edgesP50: Record<string, number>;
  cpuS: Record<string, number>;
  machineBusyPct: number;
  load1: [number, number, number];
}
interface Stats {
  p50: number;
  p95: number;
  max: number;
}
const stats = (xs: number[]): Stats => ({
  p50: percentile(xs, 50),
  p95: percentile(xs, 95),
  max: percentile(xs, 100),
});

/** The start of a run from its history (event times only: the payloads stay encrypted). */
async function firstTaskOf(
  client: Client,
  workflowId: string,
  startMs: number,
  steps: Step[],
): Promise<Measured['firstTask']> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const Type = protos.temporal.api.enums.v1.EventType;
  const at = (type: protos.temporal.api.enums.v1.EventType) => {
    const e = history.events?.find((x) => x.eventType === type);
    return e ? (optionalTsToDate(e.eventTime)?.getTime() ?? NaN) : NaN;
  };
  const runStart = at(Type.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  const scheduled = at(Type.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  const taskStart = at(Type.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  const firstStep = Math.min(...steps.map((st) => Date.parse(st.startedAt)));
  if (![runStart, scheduled, taskStart, firstStep].every(Number.isFinite)) return undefined;
  return {
    toRunStart: runStart - startMs,
    taskWait: taskStart - scheduled,
    toFirstStep: firstStep - taskStart,
  };
}

async function runPhase(workers: number, cliPath: string, pkg: Buffer): Promise<PhaseResult> {
  const depth = deferred.length;
  const say = (line: string) => console.log(`[${workers} worker${workers > 1 ? 's' : ''}] ${line}`);
  try {
    // Infrastructure: one of each, shared by every OneClick process of the phase.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'oneclick-scale-'));
    defer('data directory', () =>
      Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    );
    const pg = await startPostgres();
    defer('PostgreSQL', () => pg.stop());
    const temporal = await startDevServer({ cliPath, uiPort: false });
    defer('Temporal dev server', () => temporal.stop());
    // With the object store, servers download the package themselves (pull delivery).
    const s3 = store === 's3' ? await startSeaweedS3() : undefined;
    if (s3) defer('SeaweedFS', () => s3.stop());
    const storeEnv = s3?.env ?? {};
    const sandbox = track(startOneClick('sandbox', ['sandbox', '--delays', 'realistic'], {}));
    defer('sandbox cloud', async () => {
      // Its stop removes every host; a killed sandbox leaves them to the stale-slot sweep.
      await stopChild(sandbox, 180_000);
      cleanupStaleSandboxHosts();
    });
    await waitForOutput(sandbox, 'Stop with Ctrl-C.');
    const banner = sandbox.output();
    const endpoint = bannerValue(banner, /Endpoint:\s+(\S+)/);
    const oneclickDomain = bannerValue(banner, /Account \(domain\):\s+\S+ (\S+)/);
    const [imageRef, flavorRef] = /Image \/ flavor:\s+(\S+) \/ (\S+)/.exec(banner)!.slice(1);
    say(`sandbox ${endpoint} (${/Delays:\s+(.*?);/.exec(banner)?.[1] ?? '?'})`);

    const httpPort = await freePort();
    const apiUrl = `http://127.0.0.1:${httpPort}`;
    const env: Record<string, string> = {
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      ONECLICK_DATA_DIR: dataDir,
      ONECLICK_MASTER_KEY: `k1:${randomBytes(32).toString('base64')}`,
      MARKETPLACE_ACCESS_KEY: randomBytes(32).toString('hex'),
      ONECLICK_HTTP_PORT: String(httpPort),
      HUAWEICLOUD_AK: bannerValue(banner, /Access key:\s+(\S+)/),
      HUAWEICLOUD_SK: bannerValue(banner, /Secret key:\s+(\S+)/),
      HUAWEICLOUD_PROJECT_ID: bannerValue(banner, /Project id:\s+(\S+)/),
      HUAWEICLOUD_DOMAIN_ID: oneclickDomain,
      HUAWEICLOUD_ECS_ENDPOINT: endpoint,
      HUAWEICLOUD_VPC_ENDPOINT: endpoint,
      HUAWEICLOUD_IAM_ENDPOINT: endpoint,
      HUAWEICLOUD_IMS_ENDPOINT: endpoint,
      LOG_LEVEL: 'warn',
      ...storeEnv,
      ...extraEnv,
    };
    const migrate = track(startOneClick('migrate', ['migrate'], env));
    if ((await migrate.exited) !== 0)
      throw new Error(`oneclick migrate failed:\n${migrate.output()}`);
    const apiProcess = track(startOneClick('api', ['api'], env));
    defer('oneclick api', () => stopChild(apiProcess, 40_000));
    await waitForOutput(apiProcess, 'Stop with Ctrl-C.');
    const operator = bannerValue(
      apiProcess.output(),
      /First operator API key \(shown once, save it\): (\S+)/,
    );
    const workerProcesses: OneClickChild[] = [];
    const metricsUrls: string[] = [];
    for (let i = 0; i < workers; i++) {
      // Each worker's /metrics (and the SDK's slot metrics in it) on a port of its own.
      const metricsPort = await freePort();
      metricsUrls.push(`http://127.0.0.1:${metricsPort}/metrics`);
      const w = track(
        startOneClick(`worker ${i + 1}`, ['worker'], {
          ONECLICK_METRICS_PORT: String(metricsPort),
          ...env,
        }),
      );
      workerProcesses.push(w);
      // Drains its activities (shutdownGraceTime 30 s) before it exits.
      defer(`oneclick worker ${i + 1}`, () => stopChild(w, 60_000));
    }
    await Promise.all(workerProcesses.map((w) => waitForOutput(w, 'Stop with Ctrl-C.')));
    say(
      `api ${apiUrl} (pid ${apiProcess.pid}), workers ${workerProcesses.map((w) => w.pid).join(', ')}`,
    );

    // A seller, the product and its 10 MiB package, all through the API.
    const tag = randomBytes(3).toString('hex');
    const sellerKey = (
      await api<{ apiKey: { key: string } }>(apiUrl, 'POST', '/v1/principals', operator, {
        role: 'seller',
        name: 'Scale Seller',
      })
    ).apiKey.key;
    const product = await api<{ id: string; marketplaceProductId: string }>(
      apiUrl,
      'POST',
      '/v1/products',
      sellerKey,
      {
        marketplaceProductId: `OFFI-SCALE-${tag}`,
        name: 'Scale App',
        licenseModel: 'license2',
        installDir: '/opt/scale',
        licensePath: '/etc/scale/license',
        ports: [8080],
        installCommand:
          'set -e; mkdir -p "$INSTALL_DIR"; tar -xzf "$PACKAGE_FILE" -C "$INSTALL_DIR"',
        verifyCommand: 'test -s "$LICENSE_FILE" && test -s "$INSTALL_DIR/app/payload.bin"',
      },
    );
    await api(
      apiUrl,
      'POST',
      `/v1/packages?fileName=scale-app.tar.gz&productId=${product.id}`,
      sellerKey,
      new Uint8Array(pkg),
    );
    // One buyer with N linked accounts (one per deployment: see the header), and N paid orders.
    const customerId = `scale-buyer-${tag}`;
    const buyerKey = (
      await api<{ apiKey: { key: string } }>(apiUrl, 'POST', '/v1/principals', operator, {
        role: 'buyer',
        name: 'Scale Buyer',
        customerId,
      })
    ).apiKey.key;
    const { agencyName } = await api<{ agencyName: string }>(
      apiUrl,
      'GET',
      '/v1/cloud-accounts/agency-name',
      buyerKey,
    );
    const marketplaceKey = env.MARKETPLACE_ACCESS_KEY!;
    const setupStarted = Date.now();
    const orders = await mapLimit(
      Array.from({ length: COUNT }, (_, i) => i),
      10,
      async (i) => {
        const account = await api<{ domain: { id: string; name: string } }>(
          endpoint,
          'POST',
          '/_sandbox/accounts',
          undefined,
          { name: `scale-${tag}-${i}` },
        );
        await api(endpoint, 'POST', `/_sandbox/accounts/${account.domain.id}/agencies`, undefined, {
          name: agencyName,
          trust_domain_id: oneclickDomain,
        });
        const linked = await api<{ id: string }>(apiUrl, 'POST', '/v1/cloud-accounts', buyerKey, {
          name: `account ${i}`,
          kind: 'agency',
          domainName: account.domain.name,
          agencyName,
        });
        const raw = JSON.stringify({
          orderId: `CS-SCALE-${tag}-${i}`,
          orderLineId: `CS-SCALE-${tag}-${i}-1`,
          customerId,
          productId: product.marketplaceProductId,
        });
        const paid = await fetch(
          `${apiUrl}/marketplace/v1/orders/paid?${signedQuery(marketplaceKey, raw).toString()}`,
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw },
        );
        if (paid.status >= 300)
          throw new Error(`paid order ${i}: ${paid.status} ${await paid.text()}`);
        const order = ((await paid.json()) as { order: { id: string } }).order;
        return { i, orderId: order.id, accountId: linked.id, domainId: account.domain.id };
      },
    );
    say(
      `seeded: product ${product.id}, ${pkg.length} B package, ${COUNT} accounts and paid orders in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`,
    );
    await api(endpoint, 'DELETE', '/_sandbox/delays/injected');

    // Sampling: the workers' memory, every process's CPU, the machine.
    const pids: Record<string, number> = {
      api: apiProcess.pid,
      sandbox: sandbox.pid,
      temporal: temporal.pid,
      ...Object.fromEntries(workerProcesses.map((w, i) => [`worker${i + 1}`, w.pid])),
    };
    const cpuAt = (): Record<string, number> =>
      Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, processCpuSeconds(pid)]));
    const peak = workerProcesses.map(() => 0);
    const sample = () =>
      workerProcesses.forEach((w, i) => {
        peak[i] = Math.max(peak[i]!, memoryOf(w.pid)?.hwm ?? 0);
      });
    const sampler = setInterval(sample, 500);
    // The workers' own metrics: Temporal's task slots, every 2 s, and histograms at both ends.
    const slots = workerProcesses.map(() => new SlotWatch());
    const metricsBefore = await Promise.all(metricsUrls.map((u) => scrapeMetrics(u)));
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        const samples = await Promise.all(metricsUrls.map((u) => scrapeMetrics(u)));
        samples.forEach((m, i) => slots[i]!.note(m));
        await new Promise((r) => setTimeout(r, 2_000));
      }
    })();
    const cpu0 = cpuAt();
    const machine0 = machineCpuSeconds();
    const load0 = loadavg()[0]!;
    const wall0 = Date.now();

    // All N Start Deployment calls at once.
    say(`starting ${COUNT} deployments at once`);
    const started = await Promise.all(
      orders.map(async (o) => {
        const startMs = Date.now();
        const d = await api<{ id: string }>(
          apiUrl,
          'POST',
          `/v1/orders/${o.orderId}/deployments`,
          buyerKey,
          { server: { imageRef, flavorRef }, cloud: { accountId: o.accountId } },
        );
        return { ...o, startMs, deploymentId: d.id };
      }),
    );
    say(`all started in ${((Date.now() - wall0) / 1000).toFixed(1)} s; waiting for them to finish`);
    let loadPeak = load0;
    for (;;) {
      loadPeak = Math.max(loadPeak, loadavg()[0]!);
      let running = 0;
      let cursor: string | undefined;
      do {
        const page = await api<{ items: unknown[]; next: string | null }>(
          apiUrl,
          'GET',
          `/v1/deployments/recorded?status=running&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
          operator,
        );
        running += page.items.length;
        cursor = page.next ?? undefined;
      } while (cursor);
      if (running === 0) break;
      if (Date.now() - wall0 > PHASE_TIMEOUT_MS) {
        say(`${running} deployment(s) still running after ${PHASE_TIMEOUT_MS / 60_000} min`);
        break;
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
    clearInterval(sampler);
    sample();
    scraping = false;
    await scraper;
    const metricsAfter = await Promise.all(metricsUrls.map((u) => scrapeMetrics(u)));
    if (process.env.SCALE_DUMP_METRICS) {
      writeFileSync(
        process.env.SCALE_DUMP_METRICS,
        [...(metricsAfter[0] ?? new Map<string, number>())].map(([k, v]) => `${k} ${v}`).join('\n'),
      );
    }
    const cpu1 = cpuAt();
    const machine1 = machineCpuSeconds();
    const wall1 = Date.now();
    const load1 = loadavg()[0]!;

    // What each deployment recorded, what the sandbox injected on its account's path.
    const { waits } = await api<{ waits: InjectedWait[] }>(
      endpoint,
      'GET',
      '/_sandbox/delays/injected',
    );
    const byAccount = new Map<string, (readonly [number, number])[]>();
    for (const w of waits) {
      const list = byAccount.get(w.account) ?? [];
      list.push([w.startMs, w.endMs]);
      byAccount.set(w.account, list);
    }
    const temporalConnection = await Connection.connect({ address: temporal.address });
    defer('Temporal client', () => temporalConnection.close());
    const temporalClient = new Client({
      connection: temporalConnection,
      namespace: temporal.namespace,
    });
    const measured = await mapLimit(started, 8, async (s): Promise<Measured> => {
      const d = await api<DeploymentView>(
        apiUrl,
        'GET',
        `/v1/orders/${s.orderId}/deployments/current`,
        buyerKey,
      );
      const timeline = await api<Timeline>(
        apiUrl,
        'GET',
        `/v1/deployments/${d.id}/timeline`,
        operator,
      ).catch(() => undefined);
      const endMs = d.finishedAt ? Date.parse(d.finishedAt) : wall1;
      const firstTask = await firstTaskOf(temporalClient, d.workflowId, s.startMs, d.steps).catch(
        () => undefined,
      );
      const intervals = byAccount.get(s.domainId) ?? [];
      const stepMs = (name: string) => {
        const st = d.steps.find((x) => x.step === name);
        return st?.endedAt ? Date.parse(st.endedAt) - Date.parse(st.startedAt) : 0;
      };
      // Time of [a, b] outside the injected waits.
      const outside = (a: number, b: number) => Math.max(0, b - a - unionMs(intervals, a, b));
      const uncovered: Record<string, number> = {};
      const ended = d.steps.filter((st) => st.endedAt !== null);
      for (const st of ended) {
        if (st.step === 'push' || st.step === 'install') continue;
        uncovered[st.step] = outside(Date.parse(st.startedAt), Date.parse(st.endedAt!));
      }
      const e2e = endMs - s.startMs;
      const injected = unionMs(intervals, s.startMs, endMs);
      const transfer = stepMs('push');
      const installer = stepMs('install');
      const overhead = e2e - injected - transfer - installer;
      // Outside every step: before the first (the API call, the workflow's start), after the
      // last (the run's end), and at the edges between steps (the rest).
      const firstStep = Math.min(...d.steps.map((st) => Date.parse(st.startedAt)));
      const lastStep = Math.max(...ended.map((st) => Date.parse(st.endedAt!)));
      if (Number.isFinite(firstStep))
        uncovered['before first step'] = outside(s.startMs, firstStep);
      if (Number.isFinite(lastStep)) uncovered['after last step'] = outside(lastStep, endMs);
      uncovered['step edges'] = overhead - Object.values(uncovered).reduce((a, b) => a + b, 0);
      // Each edge: from a step's end to the next one's start, outside injected waits.
      const edges: Record<string, number> = {};
      const ordered = [...ended].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
      for (let k = 1; k < ordered.length; k++) {
        const [a, b] = [ordered[k - 1]!, ordered[k]!];
        const from = Date.parse(a.endedAt!);
        const to = Date.parse(b.startedAt);
        edges[`${a.step}→${b.step}`] = to > from ? outside(from, to) : 0;
      }
      const activities = [
        ...(timeline?.steps.flatMap((x) => x.activities) ?? []),
        ...(timeline?.otherActivities ?? []),
      ];
      return {
        ok: d.state === 'succeeded',
        failure: d.failure ? `${d.failure.code}: ${d.failure.message.slice(0, 160)}` : undefined,
        startMs: s.startMs,
        endMs,
        e2e,
        injected,
        transfer,
        installer,
        overhead,
        uncovered,
        retries: activities.reduce((n, a) => n + Math.max(0, a.attempts - 1), 0),
        firstTask,
        edges,
        scheduleToStart: activities
          .filter((a) => !a.local && a.attempts === 1 && a.scheduledAt && a.startedAt)
          .map((a) => Date.parse(a.startedAt!) - Date.parse(a.scheduledAt!)),
      };
    });

    const ok = measured.filter((m) => m.ok);
    const failures: Record<string, number> = {};
    for (const m of measured.filter((x) => !x.ok)) {
      const key = m.failure ?? 'still running';
      failures[key] = (failures[key] ?? 0) + 1;
    }
    const first = Math.min(...measured.map((m) => m.startMs));
    const last = Math.max(...ok.map((m) => m.endMs), first + 1);
    const spanS = (last - first) / 1000;
    const uncoveredStats: PhaseResult['uncovered'] = {};
    for (const step of UNCOVERED_PARTS) {
      const xs = ok.map((m) => m.uncovered[step]).filter((x): x is number => x !== undefined);
      if (xs.length) uncoveredStats[step] = { p50: percentile(xs, 50), p95: percentile(xs, 95) };
    }
    const s2s = measured.flatMap((m) => m.scheduleToStart);
    const wall = (wall1 - wall0) / 1000;
    // A histogram's mean over the run, all workers together, in ms.
    const meanMs = (name: string): number | null => {
      const all = (ms: Map<string, number>[]) =>
        new Map(ms.flatMap((m, i) => [...m].map(([k, v]) => [`${k}#${i}`, v] as const)));
      const mean = histogramMean(all(metricsBefore), all(metricsAfter), name);
      return mean === undefined ? null : Math.round(mean * 1000);
    };
    return {
      workers,
      deployments: COUNT,
      succeeded: ok.length,
      failed: COUNT - ok.length,
      failures,
      spanS,
      perMinute: ok.length / (spanS / 60),
      e2e: stats(ok.map((m) => m.e2e)),
      injected: stats(ok.map((m) => m.injected)),
      transfer: stats(ok.map((m) => m.transfer)),
      installer: stats(ok.map((m) => m.installer)),
      overhead: stats(ok.map((m) => m.overhead)),
      uncovered: uncoveredStats,
      activityRetries: measured.reduce((n, m) => n + m.retries, 0),
      scheduleToStartMs: {
        p50: percentile(s2s, 50),
        p95: percentile(s2s, 95),
        max: percentile(s2s, 100),
      },
      workerPeakRssMiB: peak.map((b) => Math.round(b / 1024 ** 2)),
      slots: Object.fromEntries(
        [...new Set(slots.flatMap((w) => [...w.minAvailable.keys()]))].map((type) => [
          type,
          {
            minAvailable: Math.min(...slots.map((w) => w.minAvailable.get(type) ?? Infinity)),
            maxUsed: Math.max(...slots.map((w) => w.maxUsed.get(type) ?? 0)),
          },
        ]),
      ),
      workflowTaskMs: {
        scheduleToStart: meanMs('temporal_workflow_task_schedule_to_start_latency_seconds'),
        execution: meanMs('temporal_workflow_task_execution_latency_seconds'),
      },
      edgesP50: Object.fromEntries(
        [...new Set(ok.flatMap((m) => Object.keys(m.edges)))].map((e) => [
          e,
          percentile(
            ok.flatMap((m) => (m.edges[e] === undefined ? [] : [m.edges[e]])),
            50,
          ),
        ]),
      ),
      firstTask: {
        toRunStart: stats(ok.flatMap((m) => (m.firstTask ? [m.firstTask.toRunStart] : []))),
        taskWait: stats(ok.flatMap((m) => (m.firstTask ? [m.firstTask.taskWait] : []))),
        toFirstStep: stats(ok.flatMap((m) => (m.firstTask ? [m.firstTask.toFirstStep] : []))),
      },
      loopLagP99MaxMs: Math.round(Math.max(...slots.map((w) => w.maxLoopLagP99)) * 1000),
      cpuS: Object.fromEntries(
        Object.keys(cpu1).map((k) => [k, Math.round((cpu1[k]! - (cpu0[k] ?? 0)) * 10) / 10]),
      ),
      machineBusyPct: Math.round(((machine1 - machine0) / wall / cpus().length) * 100),
      load1: [load0, loadPeak, load1].map((x) => Math.round(x * 100) / 100) as [
        number,
        number,
        number,
      ],
    };
  } finally {
    await unwind(depth);
  }
}

// --- printing ---------------------------------------------------------------------------------
const s1 = (ms: number) => (ms / 1000).toFixed(1);
const s2 = (ms: number) => (ms / 1000).toFixed(2);
const triple = (x: Stats, f = s2) => `${f(x.p50)} / ${f(x.p95)} / ${f(x.max)}`;

function printTable(results: PhaseResult[]): void {
  const head = ['', ...results.map((r) => `${r.workers} worker${r.workers > 1 ? 's' : ''}`)];
  const rows: string[][] = [
    ['deployments (succeeded / failed)', ...results.map((r) => `${r.succeeded} / ${r.failed}`)],
    ['span, first start to last finish (s)', ...results.map((r) => r.spanS.toFixed(1))],
    ['deployments per minute', ...results.map((r) => r.perMinute.toFixed(1))],
    ['end to end p50 / p95 / max (s)', ...results.map((r) => triple(r.e2e, s1))],
    ['injected cloud waits p50 / p95 / max (s)', ...results.map((r) => triple(r.injected, s1))],
    ['transfer (push) p50 / p95 / max (s)', ...results.map((r) => triple(r.transfer))],
    ['installer p50 / p95 / max (s)', ...results.map((r) => triple(r.installer))],
    ['OVERHEAD p50 / p95 / max (s)', ...results.map((r) => triple(r.overhead))],
    ...UNCOVERED_PARTS.flatMap((step) =>
      results.some((r) => r.uncovered[step])
        ? [
            [
              `  of it ${STEPS.includes(step) ? `in ${step}` : step} p50 / p95 (s)`,
              ...results.map((r) =>
                r.uncovered[step]
                  ? `${s2(r.uncovered[step].p50)} / ${s2(r.uncovered[step].p95)}`
                  : '-',
              ),
            ],
          ]
        : [],
    ),
    [
      '  before: call → run started p50 / p95 (s)',
      ...results.map(
        (r) => `${s2(r.firstTask.toRunStart.p50)} / ${s2(r.firstTask.toRunStart.p95)}`,
      ),
    ],
    [
      '  before: 1st workflow task wait p50 / p95 (s)',
      ...results.map((r) => `${s2(r.firstTask.taskWait.p50)} / ${s2(r.firstTask.taskWait.p95)}`),
    ],
    [
      '  before: 1st task start → 1st step p50 / p95 (s)',
      ...results.map(
        (r) => `${s2(r.firstTask.toFirstStep.p50)} / ${s2(r.firstTask.toFirstStep.p95)}`,
      ),
    ],
    ['activity retries (all deployments)', ...results.map((r) => String(r.activityRetries))],
    [
      'activity schedule-to-start p50 / p95 / max (ms)',
      ...results.map(
        (r) =>
          `${r.scheduleToStartMs.p50} / ${r.scheduleToStartMs.p95} / ${r.scheduleToStartMs.max}`,
      ),
    ],
    [
      'workflow task schedule-to-start / execution, mean (ms)',
      ...results.map(
        (r) => `${r.workflowTaskMs.scheduleToStart ?? '-'} / ${r.workflowTaskMs.execution ?? '-'}`,
      ),
    ],
    ...['WorkflowWorker', 'ActivityWorker', 'LocalActivityWorker'].map((type) => [
      `${type} slots: most used / fewest free`,
      ...results.map((r) =>
        r.slots[type] ? `${r.slots[type].maxUsed} / ${r.slots[type].minAvailable}` : '-',
      ),
    ]),
    [
      'worker event-loop delay p99, worst 2 s (ms)',
      ...results.map((r) => String(r.loopLagP99MaxMs)),
    ],
    ['worker peak RSS, VmHWM (MiB)', ...results.map((r) => r.workerPeakRssMiB.join(' + '))],
    [
      'CPU-s: workers / api / Temporal / sandbox',
      ...results.map((r) => {
        const workers = Object.entries(r.cpuS)
          .filter(([k]) => k.startsWith('worker'))
          .map(([, v]) => v)
          .join('+');
        return `${workers} / ${r.cpuS.api} / ${r.cpuS.temporal} / ${r.cpuS.sandbox}`;
      }),
    ],
    ['machine CPU busy (% of all cores)', ...results.map((r) => `${r.machineBusyPct}%`)],
    ['load average 1 min: start / peak / end', ...results.map((r) => r.load1.join(' / '))],
  ];
  const widths = head.map((_, c) => Math.max(...[head, ...rows].map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  console.log(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(line(r));
  for (const r of results) {
    const edges = Object.entries(r.edgesP50).map(([e, ms]) => `${e} ${s2(ms)}`);
    console.log(`  step edges p50 (s), ${r.workers} worker(s): ${edges.join(', ')}`);
  }
  for (const r of results) {
    for (const [why, n] of Object.entries(r.failures))
      console.log(`  failed (${r.workers}w) ×${n}: ${why}`);
  }
}

function printPeer(peer: PeerResult, results: PhaseResult[]): void {
  const o = peer.overhead;
  console.log(
    `\npeer, the same ${peer.count} deployments with no orchestrator (SDK calls + OpenSSH, ` +
      `bench/scale-peer.ts): ${peer.succeeded} succeeded in ${peer.spanS.toFixed(1)} s`,
  );
  console.log(`  OVERHEAD p50 / p95 / max (s): ${s2(o.p50)} / ${s2(o.p95)} / ${s2(o.max)}`);
  for (const [part, x] of Object.entries(peer.parts)) {
    console.log(`    of it ${part} p50 / p95 (s): ${s2(x.p50)} / ${s2(x.p95)}`);
  }
  for (const [why, n] of Object.entries(peer.failures))
    console.log(`  failed (peer) ×${n}: ${why}`);
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
  for (const r of results) {
    console.log(
      `  OneClick (${r.workers} worker(s)) / peer overhead: p50 ${ratio(r.overhead.p50, o.p50)}, ` +
        `p95 ${ratio(r.overhead.p95, o.p95)}`,
    );
  }
}

/** Waits (up to 2 minutes) until the machine is under 15% busy over 3 s. */
async function settle(): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const before = machineCpuSeconds();
    await new Promise((r) => setTimeout(r, 3_000));
    if ((machineCpuSeconds() - before) / 3 / cpus().length < 0.15) return;
  }
}

// --- main -------------------------------------------------------------------------------------
const cliPath = await findOrBuildTemporalCli({ pathEnv: process.env.PATH });
const pkg = buildPackage();
console.log(
  `scale-deployments: ${COUNT} deployments at once, workers ${workerCounts.join(' then ')}, ` +
    `packages in ${store === 's3' ? "SeaweedFS's S3 (pulled)" : 'a directory (pushed)'}, ` +
    `${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}` +
    (Object.keys(extraEnv).length ? `, extra env ${Object.keys(extraEnv).join(', ')}` : ''),
);
const results: PhaseResult[] = [];
let peer: PeerResult | undefined;
try {
  // The peer first: its figures bound what any orchestrator can reach on this machine.
  if (withPeer) {
    await settle();
    const depth = deferred.length;
    try {
      peer = await runPeerPhase(COUNT, pkg, (l) => console.log(`[peer] ${l}`), defer);
    } finally {
      await unwind(depth);
    }
  }
  for (const workers of workerCounts) {
    // Each phase starts on a quiet machine: the one before it is still tearing down hosts.
    await settle();
    results.push(await runPhase(workers, cliPath, pkg));
  }
} finally {
  await unwind();
}
printTable(results);
if (peer) printPeer(peer, results);
const one = results.find((r) => r.workers === 1);
const two = results.find((r) => r.workers === 2);
const ratio = one && two ? two.perMinute / one.perMinute : undefined;
if (ratio !== undefined) console.log(`\nthroughput, 2 workers / 1 worker: ${ratio.toFixed(2)}x`);
for (const r of results) {
  const goals = [
    [r.failed === 0, '0 failures'],
    [Math.max(...r.workerPeakRssMiB) < 1024, 'worker RSS < 1 GiB'],
    [r.overhead.p50 < 1000, 'overhead p50 < 1 s'],
    [r.overhead.p95 < 3000, 'overhead p95 < 3 s'],
  ] as const;
  console.log(
    `goals, ${r.workers} worker(s): ${goals.map(([met, what]) => `${what} ${met ? 'met' : 'NOT met'}`).join('; ')}`,
  );
}
console.log(
  `RESULT ${JSON.stringify({ count: COUNT, store, extraEnv: Object.keys(extraEnv), results, ratio, peer })}`,
);
