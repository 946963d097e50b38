/**
 * A persistent sandbox cloud in its own process, so a test can SIGKILL it the way a crash takes
 * OneClick down. Reads its state directory from SANDBOX_STATE_DIR, starts the cloud, builds one
 * server and prints one JSON line: the endpoint, the server's id and address.
 */
import { randomUUID } from 'node:crypto';
import { createHuaweiCloud } from '../../src/cloud/huawei-cloud.js';
import { startSandboxCloud } from '../../src/sandbox/sandbox-cloud.js';
import { createBuyerResources } from './provision-harness.js';

const cloud = await startSandboxCloud({ stateDir: process.env.SANDBOX_STATE_DIR });
const adapter = createHuaweiCloud({ ...cloud, pollMs: 20 });
const made = await createBuyerResources(adapter, {
  name: `crash-${randomUUID().slice(0, 6)}`,
  net: 31,
  adminPass: process.env.SANDBOX_ADMIN_PASS,
});
const host = cloud.emulator.hostOf(made.serverId);
process.stdout.write(
  `${JSON.stringify({ endpoint: cloud.ecsEndpoint, serverId: made.serverId, ip: host?.ip })}\n`,
);
// Runs until killed.
setInterval(() => undefined, 60_000);
