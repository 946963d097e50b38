/**
 * The floor under bench/scale-deployments.ts's "orchestration overhead": the same shape of work
 * (a deployment's steps, one after another, the long ones as long as the sandbox's realistic
 * delays make them) with nothing in it: every step an activity that only waits. 100 such
 * workflows at once on one worker with OneClick's worker settings (src/temporal/worker.ts), on a
 * Temporal dev server on this machine. What is left of end to end after the activities' own time
 * is what Temporal itself costs here: the part of OneClick's overhead no change to OneClick can
 * remove on this machine.
 *
 *   npx tsx bench/temporal-floor.ts [count=100]
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { findOrBuildTemporalCli } from '../src/temporal/cli-binary.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { createWorker } from '../src/temporal/worker.js';
import type { floorDeployment } from './temporal-floor-common.js';

const COUNT = Number(process.argv[2] ?? 100);

/** A number in [min, max] from a seeded generator (mulberry32), so runs are comparable. */
let seed = 14;
function between(min: number, max: number): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return Math.round(min + (((t ^ (t >>> 14)) >>> 0) / 4294967296) * (max - min));
}

/** A deployment's steps with the realistic profile's times: network, server job, boot, ... */
const steps = (): number[] => [
  between(1_000, 4_000), // requested + network: a few cloud calls
  between(20_000, 40_000), // the server's creation job
  between(10_000, 20_000), // boot, until sshd answers
  1_000, // push of 10 MiB
  300, // license
  300, // installer
  200, // verify
  100, // report
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
const cli = await findOrBuildTemporalCli({ pathEnv: process.env.PATH });
const dev = await startDevServer({ cliPath: cli, uiPort: false });
const taskQueue = `floor-${randomUUID()}`;
const connection = await NativeConnection.connect({ address: dev.address });
const worker = await createWorker({
  connection,
  namespace: dev.namespace,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./temporal-floor-common.ts', import.meta.url)),
  activities: {
    async wait(ms: number): Promise<number> {
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, ms));
      return Date.now() - t0;
    },
  },
});
const running = worker.run();
const clientConnection = await Connection.connect({ address: dev.address });
const client = new Client({ connection: clientConnection, namespace: dev.namespace });
try {
  const load0 = loadavg()[0]!;
  const results = await Promise.all(
    Array.from({ length: COUNT }, async () => {
      const plan = steps();
      const t0 = Date.now();
      const inside = await client.workflow.execute<typeof floorDeployment>('floorDeployment', {
        taskQueue,
        workflowId: `floor-${randomUUID()}`,
        args: [plan],
      });
      return { e2e: Date.now() - t0, inside, steps: plan.length };
    }),
  );
  const overhead = results.map((r) => (r.e2e - r.inside) / 1000);
  const perEdge = results.map((r) => (r.e2e - r.inside) / (r.steps + 1) / 1000);
  console.log(`${COUNT} workflows of ${steps().length} waiting activities at once, one worker`);
  console.log(
    `overhead (end to end - time inside activities) p50 / p95 / max: ${pct(overhead, 50).toFixed(2)} / ${pct(overhead, 95).toFixed(2)} / ${Math.max(...overhead).toFixed(2)} s`,
  );
  console.log(
    `per step edge p50 / p95: ${pct(perEdge, 50).toFixed(3)} / ${pct(perEdge, 95).toFixed(3)} s`,
  );
  console.log(`load average 1 min: start ${load0.toFixed(2)}, end ${loadavg()[0]!.toFixed(2)}`);
  console.log(
    `RESULT ${JSON.stringify({ count: COUNT, overheadP50: pct(overhead, 50), overheadP95: pct(overhead, 95) })}`,
  );
} finally {
  worker.shutdown();
  await running;
  await connection.close();
  await clientConnection.close();
  await dev.stop();
}
