import { Worker, type NativeConnection } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { moduleFile } from '../runtime/module-file.js';

/** Where the worker bundles workflow code from: `workflows/index.ts`, or `.js` when built. */
export const WORKFLOWS_PATH = moduleFile('../../workflows/index', import.meta.url);

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
    maxHeartbeatThrottleInterval: '500ms',
  });
}
