/**
 * A provisioning worker in its own process, so a test can SIGKILL it mid-provisioning. Reads its
 * settings from PROVISION_WORKER (JSON) and prints "ready" once it polls.
 */
import { readFileSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createProvisioningActivities } from '../../activities/provisioning.js';
import { createHuaweiCloud, type HuaweiCloudOptions } from '../../src/cloud/huawei-cloud.js';

interface Settings {
  address: string;
  namespace: string;
  taskQueue: string;
  bundlePath: string;
  cloud: HuaweiCloudOptions;
}

Runtime.install({ logger: new DefaultLogger('ERROR') });
const settings = JSON.parse(process.env.PROVISION_WORKER ?? '{}') as Settings;
const connection = await NativeConnection.connect({ address: settings.address });
const worker = await Worker.create({
  connection,
  namespace: settings.namespace,
  taskQueue: settings.taskQueue,
  workflowBundle: { code: readFileSync(settings.bundlePath, 'utf8') },
  activities: createProvisioningActivities({
    cloud: createHuaweiCloud(settings.cloud),
    pollMs: settings.cloud.pollMs,
  }),
  // When this process is killed, its sticky workflow tasks move to the next worker quickly.
  stickyQueueScheduleToStartTimeout: '1s',
});
process.stdout.write('ready\n');
await worker.run();
