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

/** Starts the sandbox cloud after removing hosts a killed earlier run left behind. */
export async function runSandbox(opts: {
  host?: string;
  port?: number;
  delays?: Partial<EmulatorDelays>;
}): Promise<{ cloud: SandboxCloud; banner: string }> {
  const cleaned = cleanupStaleSandboxHosts();
  const cloud = await startSandboxCloud({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    delays: { ...DEMO_DELAYS, ...opts.delays },
  });
  const banner = [
    'Sandbox Huawei Cloud (ECS/VPC emulator; servers are real sshd hosts in 198.18.0.0/15)',
    `  ECS/VPC endpoint: ${cloud.ecsEndpoint}`,
    `  Project id:       ${cloud.projectId}`,
    `  Access key:       ${cloud.ak}`,
    `  Secret key:       ${cloud.sk}`,
    `  Image / flavor:   ${DEFAULT_IMAGE_ID} / ${DEFAULT_FLAVOR}`,
    `  Inventory:        ${cloud.ecsEndpoint}/_sandbox/inventory`,
    `  Faults:           PUT ${cloud.ecsEndpoint}/_sandbox/faults {"throttle":0.3,"jobFailure":0.1,"retryAfterSeconds":1,"slowBootMs":5000}`,
    cleaned > 0 ? `  Removed ${cleaned} host(s) left by an earlier run.` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return { cloud, banner };
}
