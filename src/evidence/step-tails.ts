import type { StepProgress } from '../domain/deployment.js';

/**
 * What a delivered deployment recorded about itself in its steps' tails, read back. The tails are
 * written by one set of formatters (`stepTail` in src/domain/deployment.ts, `describeNetwork` in
 * workflows/provision.ts); test/unit/evidence/step-tails.test.ts feeds their output through these
 * readers, so a change of wording there fails here rather than emptying the evidence.
 */
export interface RecordedTails {
  network?: { vpcId: string; subnetId: string; securityGroupId: string };
  server?: { id: string; status: string; ip: string };
  /** The host key fingerprint the `ssh` step saw (and pinned, or matched with the pin). */
  hostKey?: string;
  push?: { sha256: string; remotePath: string | null; skipped: boolean | null };
  license?: { licenseId: string; remotePath: string };
  /** The verify command's output tail, as recorded. */
  verify?: string;
}

const NETWORK = /^vpc (\S+), subnet (\S+), security group (\S+)$/;
const SERVER = /^server (\S+) (\S+) at (\S+)$/;
/** OpenSSH's display form: `SHA256:` and 43 characters of unpadded base64. */
const HOST_KEY = /^host key (SHA256:[A-Za-z0-9+/]{43})(?:\s|$)/;
const LICENSE = /^license (\S+) at (\/\S*)$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The tails of the steps that ended well, read into what they name. */
export function readStepTails(steps: readonly StepProgress[]): RecordedTails {
  const tail = (name: StepProgress['step']): string | undefined => {
    const s = steps.find((x) => x.step === name);
    return s?.status === 'succeeded' ? (s.logTail ?? undefined) : undefined;
  };
  const out: RecordedTails = {};
  const net = NETWORK.exec(tail('network')?.trim() ?? '');
  if (net) out.network = { vpcId: net[1]!, subnetId: net[2]!, securityGroupId: net[3]! };
  const server = SERVER.exec(tail('server')?.trim() ?? '');
  if (server) out.server = { id: server[1]!, status: server[2]!, ip: server[3]! };
  const hostKey = HOST_KEY.exec(tail('ssh')?.trim() ?? '');
  if (hostKey) out.hostKey = hostKey[1]!;
  const push = readPush(tail('push'));
  if (push) out.push = push;
  const license = LICENSE.exec(tail('license')?.trim() ?? '');
  if (license) out.license = { licenseId: license[1]!, remotePath: license[2]! };
  const verify = tail('verify');
  if (verify !== undefined) out.verify = verify;
  return out;
}

/** The push step's tail is the push result as JSON (cut at 500 characters, so maybe not whole). */
function readPush(text: string | undefined): RecordedTails['push'] | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // A cut tail: the digest is still there to be found.
    const sha = /"sha256":"([0-9a-f]{64})"/.exec(text);
    return sha ? { sha256: sha[1]!, remotePath: null, skipped: null } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.sha256 !== 'string' || !SHA256.test(r.sha256)) return undefined;
  return {
    sha256: r.sha256,
    remotePath: typeof r.remotePath === 'string' ? r.remotePath : null,
    skipped: typeof r.skipped === 'boolean' ? r.skipped : null,
  };
}
