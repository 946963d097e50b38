import path from 'node:path';
import { cleanupStaleSandboxHosts } from './hosts.js';
import {
  DEFAULT_FLAVOR,
  DEFAULT_IMAGE_ID,
  DELAY_PROFILES,
  type DelayProfile,
  type EmulatorDelays,
} from './emulator.js';
import type { DelayMs } from './faults.js';
import { startSandboxCloud, type SandboxCloud } from './sandbox-cloud.js';

/**
 * What `oneclick sandbox` (and `oneclick start` without Huawei credentials) runs: the sandbox
 * cloud on a known port, with delays that make a demo look like a cloud rather than a stub
 * (`demo`), or like a real region (`realistic`, for benchmarks at scale).
 */

export { DEMO_DELAYS } from './emulator.js';

const span = (d: DelayMs | undefined): string =>
  d === undefined ? '0 ms' : typeof d === 'number' ? `${d} ms` : `${d.minMs}–${d.maxMs} ms`;

/** One line saying what a profile's delays are. */
function describeDelays(profile: DelayProfile, d: EmulatorDelays): string {
  return (
    `${profile} (API calls ${span(d.requestMs)}, create-server job ${span(d.jobStartMs)} + ` +
    `${span(d.serverBuildMs)}, boot after ACTIVE ${span(d.bootMs)})`
  );
}

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
  /** The delays to start from (default `demo`); `delays` overrides single ones. */
  profile?: DelayProfile;
  delays?: Partial<EmulatorDelays>;
  /** Seed of fault rates and delay draws. */
  seed?: number;
  stateDir?: string;
}): Promise<{ cloud: SandboxCloud; banner: string }> {
  const cleaned = cleanupStaleSandboxHosts();
  const profile = opts.profile ?? 'demo';
  const cloud = await startSandboxCloud({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    delays: { ...DELAY_PROFILES[profile], ...opts.delays },
    seed: opts.seed,
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
    `  Delays:           ${describeDelays(profile, cloud.emulator.delays)}; PUT ${cloud.ecsEndpoint}/_sandbox/delays {"profile":"realistic"}`,
    `  Injected waits:   GET ${cloud.ecsEndpoint}/_sandbox/delays/injected?account=<domain id>`,
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
