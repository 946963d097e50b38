import path from 'node:path';
import { cleanupStaleSandboxHosts } from './hosts.js';
import type { EmulatorDelays } from './emulator.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from './emulator.js';
import { startSandboxCloud, type SandboxCloud } from './sandbox-cloud.js';

/**
 * What `oneclick sandbox` (and `oneclick start` without Huawei credentials) runs: the sandbox
 * cloud on a known port, with delays that make a demo look like a cloud rather than a stub.
 */

/** Delays for demos: jobs and boots take a moment, as on the real cloud (tests use zero). */
export const DEMO_DELAYS: EmulatorDelays = {
  jobStartMs: 300,
  serverBuildMs: 2_000,
  serverDeleteMs: 500,
  networkActiveMs: 300,
};

/** Where `oneclick start` keeps its sandbox cloud, under the data directory. */
export function sandboxStateDir(dataDir: string): string {
  return path.join(dataDir, 'sandbox');
}

/**
 * Starts the sandbox cloud after removing hosts a killed earlier run left behind. With
 * `stateDir` it is persistent: the cloud of the last run, with its servers, comes back.
 */
export async function runSandbox(opts: {
  host?: string;
  port?: number;
  delays?: Partial<EmulatorDelays>;
  stateDir?: string;
}): Promise<{ cloud: SandboxCloud; banner: string }> {
  const cleaned = cleanupStaleSandboxHosts();
  const cloud = await startSandboxCloud({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    delays: { ...DEMO_DELAYS, ...opts.delays },
    stateDir: opts.stateDir,
  });
  const banner = [
    'Sandbox Huawei Cloud (ECS/VPC/EIP/IMS/IAM emulator; servers are real sshd hosts)',
    `  Endpoint:         ${cloud.ecsEndpoint} (ECS, VPC, EIP, IMS and IAM alike)`,
    `  Account (domain): ${cloud.domainName} ${cloud.domainId}`,
    `  Project id:       ${cloud.projectId}`,
    `  Access key:       ${cloud.ak}`,
    `  Secret key:       ${cloud.sk}`,
    `  Image / flavor:   ${DEFAULT_IMAGE_ID} / ${DEFAULT_FLAVOR}`,
    `  Inventory:        ${cloud.ecsEndpoint}/_sandbox/inventory`,
    `  Buyer accounts:   POST ${cloud.ecsEndpoint}/_sandbox/accounts {} then …/_sandbox/accounts/<domain id>/agencies {"name":"oneclick","trust_domain_id":"${cloud.domainId}"}`,
    `  Faults:           PUT ${cloud.ecsEndpoint}/_sandbox/faults {"throttle":0.3,"jobFailure":0.1,"retryAfterSeconds":1,"slowBootMs":5000}`,
    cleaned > 0 ? `  Removed ${cleaned} host(s) left by an earlier run.` : '',
    opts.stateDir
      ? `  Kept in:          ${opts.stateDir} (servers outlive OneClick; \`oneclick sandbox stop\` removes them)`
      : '',
    cloud.resumedServers > 0 ? `  Resumed ${cloud.resumedServers} server(s) of the last run.` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return { cloud, banner };
}
