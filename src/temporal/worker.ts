import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { moduleFile } from '../runtime/module-file.js';

/** Where the worker bundles workflow code from: `workflows/index.ts`, or `.js` when built. */
export const WORKFLOWS_PATH = moduleFile('../../workflows/index', import.meta.url);

/**
 * Task slots, measured with bench/scale-deployments.ts (100 deployments started at once on one
 * worker, the sandbox with a real region's delays; issue 14). A workflow task stays open while
 * its local activities run (the network step's cloud calls, seconds each) and holds its slot all
 * that time: at the SDK's default of 40, 31 were held so and idle sticky pollers reserved the
 * rest, so the first task of a new deployment waited 11 s (p50) to 29 s (p95) to be picked up.
 * Activities mostly wait too (a server's creation job, 20-40 s; its boot): all 100 default
 * activity slots were in use. With these limits the first task waited 0.06-0.12 s (p50), the
 * overhead per deployment fell from 16 s to 5-12 s (p50) and throughput rose by a sixth; 100
 * deployments used 100 workflow task, 100 activity and 200 local activity slots at once (two
 * network calls side by side each). A waiting slot costs no CPU and little memory, so the limits
 * only bound how much one worker takes on: about twice what 200 deployments at once need.
 */
const SLOTS = {
  maxConcurrentWorkflowTaskExecutions: 200,
  maxConcurrentActivityTaskExecutions: 500,
  maxConcurrentLocalActivityExecutions: 500,
} satisfies Partial<WorkerOptions>;

/** Builds a worker on a task queue with OneClick's workflows, activities and data converter. */
export async function createWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  dataConverter?: DataConverter;
  workflowsPath?: string;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowsPath: opts.workflowsPath ?? WORKFLOWS_PATH,
    activities: opts.activities,
    dataConverter: opts.dataConverter,
    // Drain in-flight activities on shutdown instead of abandoning them mid-step.
    shutdownGraceTime: '30s',
    // Cancellation reaches an activity only through a heartbeat's answer; the default throttle
    // (0.8 x heartbeatTimeout) would let a cancelled push run on for many seconds; and the
    // console's push bar and installer output tail move no faster than heartbeats reach the server.
    // Each heartbeat is a write on the Temporal server, though: at 500 ms, 100 deployments at once
    // (bench/scale-deployments.ts) spent 20-21 CPU-s in the dev server and 20.6-21.6 s of
    // orchestration overhead each (p50); at 2 s, 14.9 CPU-s and 10.6 s. Two seconds keeps a live
    // view live and a cancel prompt.
    maxHeartbeatThrottleInterval: '2s',
    ...SLOTS,
  });
}
