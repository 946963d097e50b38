import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createLicenseActivities, type LicenseActivityDeps } from '../../../activities/license.js';

/** A worker for one workflow file on its own task queue of the shared dev server, and a client. */
export interface LicenseWorker {
  client: Client;
  taskQueue: string;
  stop(): Promise<void>;
}

/** Starts a worker running the license activities and the workflows of `workflowsPath`. */
export async function startLicenseWorker(
  workflowsPath: string,
  deps: LicenseActivityDeps,
): Promise<LicenseWorker> {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `license-${randomUUID()}`;
  const native = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: native,
    namespace,
    taskQueue,
    workflowsPath,
    activities: createLicenseActivities(deps),
  });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address }), namespace });
  return {
    client,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await native.close();
      await client.connection.close();
    },
  };
}
