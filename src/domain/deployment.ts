/**
 * Deployment rules with no I/O: the states a deployment moves through, the steps the workflow
 * records, and the shapes the workflow, its activities and the API share. Imported by the
 * workflow too, so nothing here may touch Node built-ins.
 */

/** The steps of deployLicense in order, as DESIGN.md names them. */
export const DEPLOYMENT_STEPS = [
  'requested',
  'network',
  'server',
  'ssh',
  'push',
  'license',
  'install',
  'verify',
  'report',
] as const;

export type DeploymentStep = (typeof DEPLOYMENT_STEPS)[number];
export type DeploymentEnd = 'succeeded' | 'failed' | 'cancelled';
export type DeploymentState = DeploymentStep | DeploymentEnd;

export const isFinished = (state: string): state is DeploymentEnd =>
  state === 'succeeded' || state === 'failed' || state === 'cancelled';

export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

/** One step as the progress query and the API show it. */
export interface StepProgress {
  step: DeploymentStep;
  status: StepStatus;
  attempts: number;
  startedAt: string;
  endedAt: string | null;
  logTail: string | null;
}

/**
 * Which deployment step an activity belongs to. The activity records its own attempts against it
 * (activities/step-recording.ts), so the workflow schedules no bookkeeping activity per step.
 */
export interface StepMark {
  deploymentId: string;
  step: DeploymentStep;
  /** False when a later activity of the same step ends it; by default this one does. */
  ends?: boolean;
  /** The step before, closed when this one starts (for a step whose last activity varies). */
  previous?: { step: DeploymentStep; logTail: string };
}

/**
 * The short text kept with a step that ended well: the same words in the workflow's progress and
 * in the database, where the activity that ends the step writes them. `server <id> …` is also how
 * the host-key reset finds the server a deployment made (src/db/repositories/deployments.ts).
 */
export const stepTail = {
  server: (s: { id: string; status: string; ip: string }) =>
    `server ${s.id} ${s.status} at ${s.ip}`,
  ssh: (r: { hostKey: string }) => `host key ${r.hostKey.slice(0, 60)}`,
  push: (r: object) => JSON.stringify(r).slice(0, 500),
  license: (r: { licenseId: string; remotePath: string }) =>
    `license ${r.licenseId} at ${r.remotePath}`,
  command: (r: { tail: string }) => r.tail,
};

/** What the progress query answers. */
export interface DeploymentProgress {
  deploymentId: string;
  orderRef: string;
  state: DeploymentState;
  steps: StepProgress[];
  /** What the deployment waits for from the buyer (License 1.0 without a readable fingerprint). */
  awaiting?: 'hardwareId';
  /** Until when it waits (ISO time): the wait ends inside the deployment's deadline. */
  awaitingUntil?: string;
  failure?: { code: string; message: string };
  /** The activities Temporal is running or about to retry for the current step (describe()). */
  pending?: PendingActivity[];
}

/** An activity of the running deployment as Temporal's describe() reports it. */
export interface PendingActivity {
  activity: string;
  /** Attempt under way (or next), counted by Temporal's retry policy. */
  attempt: number;
  /** 0: unlimited. */
  maximumAttempts: number;
  state: 'scheduled' | 'started' | 'cancel-requested' | 'paused' | 'unknown';
  /** Why the previous attempt failed, when one did. */
  lastFailure?: string;
}

/**
 * What a delivery activity heartbeats while it works, for the buyer's live view: the push its
 * bytes, size and rate, the installer and verify command the redacted tail of their output. Also
 * what Temporal keeps as the activity's last heartbeat, so no secret may be in it.
 */
export interface LiveHeartbeat {
  step: DeploymentStep;
  /** Bytes on the server so far (a resumed push counts what an earlier attempt left). */
  bytesSent?: number;
  totalBytes?: number;
  /** Over the last few seconds; absent until two measurements exist. */
  bytesPerSecond?: number;
  /** Output bytes the command wrote so far. */
  outputBytes?: number;
  /** The last few KiB of the command's combined output, secrets replaced by `[redacted]`. */
  outputTail?: string;
  /** ISO time the activity took these measurements. */
  at: string;
}

/**
 * The running step's latest heartbeat as the API shows it in `live`: present while the push, the
 * installer or the verify command runs.
 */
export interface LiveActivity {
  step: DeploymentStep;
  bytesSent?: number;
  totalBytes?: number;
  bytesPerSecond?: number;
  outputTail?: string;
  /** ISO time of the heartbeat. */
  at: string;
}

/**
 * What the API shows of a running deployment: the workflow's progress, Temporal's pending
 * activities, and the fields of the running activity's latest heartbeat (all present together).
 */
export type LiveDeploymentProgress = DeploymentProgress & Partial<LiveActivity>;

const STEP_OF_ACTIVITY: Record<string, DeploymentStep> = {
  pushPackage: 'push',
  runInstaller: 'install',
  runVerify: 'verify',
};

const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;

/**
 * The live view of one pending activity's heartbeat details (decoded), or undefined when they
 * are not a delivery step's progress. `at` falls back to when Temporal recorded the heartbeat.
 */
export function liveActivityOf(
  activity: string,
  details: unknown,
  recordedAt?: string,
): LiveActivity | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const d = details as Record<string, unknown>;
  const step =
    typeof d.step === 'string' && (DEPLOYMENT_STEPS as readonly string[]).includes(d.step)
      ? (d.step as DeploymentStep)
      : STEP_OF_ACTIVITY[activity];
  const at = typeof d.at === 'string' && !Number.isNaN(Date.parse(d.at)) ? d.at : recordedAt;
  if (!step || !at) return undefined;
  const bytesSent = count(d.bytesSent);
  const totalBytes = count(d.totalBytes);
  const bytesPerSecond = count(d.bytesPerSecond);
  const outputTail = typeof d.outputTail === 'string' ? d.outputTail : undefined;
  if (bytesSent === undefined && outputTail === undefined) return undefined;
  return {
    step,
    ...(bytesSent !== undefined && { bytesSent }),
    ...(totalBytes !== undefined && { totalBytes }),
    ...(bytesPerSecond !== undefined && { bytesPerSecond: Math.round(bytesPerSecond) }),
    ...(outputTail !== undefined && { outputTail }),
    at,
  };
}

/**
 * What Temporal says of a running deployment: the workflow's own progress (absent when a workflow
 * task was under way, e.g. local activities making the network, which holds queries until it
 * ends), its pending activities, and the latest heartbeat of the one under way.
 */
export interface RunningDeployment {
  progress?: DeploymentProgress;
  pending: PendingActivity[];
  live?: LiveActivity;
}

/**
 * The live view the API shows: the workflow's own progress, or, while the workflow is busy and
 * cannot answer, the recorded one (the activities record their steps themselves, so the two
 * agree but for the moment between); with Temporal's pending activities and the latest
 * heartbeat. Undefined when the workflow's progress belongs to another deployment.
 */
export function liveProgress(
  recorded: DeploymentProgress,
  running: RunningDeployment,
): LiveDeploymentProgress | undefined {
  const own = running.progress;
  if (own && own.deploymentId !== recorded.deploymentId) return undefined;
  return withLiveActivity(withPendingActivities(own ?? recorded, running.pending), running.live);
}

/**
 * The progress with the running activity's latest heartbeat, when there is one and it is of the
 * step under way: Temporal's description and the workflow's progress are read apart, so a push's
 * last heartbeat may still be described when the deployment has moved on to its license.
 */
export function withLiveActivity(
  progress: DeploymentProgress,
  live: LiveActivity | undefined,
): LiveDeploymentProgress {
  return live && live.step === progress.state ? { ...progress, ...live } : progress;
}

/**
 * The workflow's own progress with Temporal's pending activities: the running step's attempts are
 * Temporal's (the workflow does not see retries while they happen).
 */
export function withPendingActivities(
  progress: DeploymentProgress,
  pending: PendingActivity[],
): DeploymentProgress {
  if (pending.length === 0) return progress;
  const attempt = Math.max(...pending.map((p) => p.attempt));
  const steps = progress.steps.map((s) =>
    s.status === 'running' ? { ...s, attempts: Math.max(s.attempts, attempt) } : s,
  );
  return { ...progress, steps, pending };
}

/** The buyer's choice for one resource: bring your own (`existingId`) or let OneClick create it. */
export interface NetworkChoices {
  vpc: { existingId: string } | { cidr: string };
  subnet: { existingId: string } | { cidr: string; gatewayIp: string };
  securityGroup: { existingId: string } | { create: true };
  server:
    | { existingId: string; host?: string; username?: string }
    | { imageRef: string; flavorRef: string; availabilityZone?: string };
  /** An elastic IP for a new server: OneClick reaches it there (absent: its private address). */
  publicIp?: PublicIpChoice;
  /** Reference (`sec_…`) to the buyer's ECS root password; never the password. */
  adminPassRef?: string;
}

/** The EIP a new server gets: bandwidth in Mbit/s and how it is charged. */
export interface PublicIpChoice {
  bandwidthSize: number;
  chargeMode: 'traffic' | 'bandwidth';
}

/**
 * How a workflow's activities retry and heartbeat: the one options object through which tests
 * shorten them; production uses the defaults.
 */
export interface ActivityTuning {
  /** First and longest back-off between attempts (defaults 1 s and 30 s). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How long a long activity may stay silent before it counts as lost (default 30–60 s). */
  heartbeatMs?: number;
}

/** A deployment's limits (tests shorten them; production uses the defaults) and its tuning. */
export interface DeploymentTimeouts extends ActivityTuning {
  /** The whole deployment's deadline, raced inside the workflow (default 2 hours). */
  deadlineMs?: number;
  /** Seconds to wait for sshd on a booting server (default 300). */
  sshWaitSeconds?: number;
  /** Installer and verify time limits, seconds (default 1800 / 300). */
  installSeconds?: number;
  verifySeconds?: number;
  /** How long to wait for the buyer's hardware ID when none can be read (default 24 hours). */
  hardwareIdWaitMs?: number;
}

/**
 * Whose cloud and where: a linked buyer account (absent: OneClick's own configured account) and a
 * region (absent: the configured one).
 */
export interface CloudTarget {
  accountId?: string;
  region?: string;
}

/** deployLicense's input: ids and references only, never a secret. */
export interface DeployLicenseInput {
  deploymentId: string;
  orderRef: string;
  choices: NetworkChoices;
  /** The buyer's linked cloud account and region (absent: OneClick's own account and region). */
  cloud?: CloudTarget;
  timeouts?: DeploymentTimeouts;
}

/** What a finished deployment returns (and reports to supervision). */
export interface DeploymentReport {
  deploymentId: string;
  orderRef: string;
  serverId: string;
  serverIp: string;
  hostKey: string;
  licenseId: string;
  licensePath: string;
  installExitCode: number;
  verifyTail: string;
  /** ISO-8601: until when OneClick keeps SSH access (products that declare continued access). */
  sshAccessUntil?: string;
}

/** Everything the workflow needs about the order, loaded and checked in step 1. */
export interface DeploymentPlan {
  orderRef: string;
  sellerId: string;
  productId: string;
  licenseModel: 'license2' | 'license1';
  ports: number[];
  installCommand: string;
  verifyCommand: string | null;
  /** Run after the installer, once the license is in place (e.g. to restart the service). */
  postLicenseCommand?: string | null;
  /** Days OneClick keeps its SSH key on the server after delivery (absent: removed at once). */
  continuedAccessDays?: number | null;
  installDir: string;
  licensePath: string;
  variables: Record<string, string>;
  package: { storageKey: string; sha256: string; sizeBytes: number; fileName: string };
}

/** Where a pushed package lands on the server (a file name that cannot escape the directory). */
export function remotePackagePath(plan: Pick<DeploymentPlan, 'package'>): string {
  const safe = plan.package.fileName.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return `/var/tmp/oneclick/${plan.package.sha256.slice(0, 16)}-${safe || 'package'}`;
}

/** Why an order cannot be deployed, or undefined when it can. */
export function whyNotDeployable(o: {
  orderStatus: string;
  installCommand: string | null;
  licensePath: string | null;
  hasPackage: boolean;
}): string | undefined {
  if (o.orderStatus !== 'active') return `the order is ${o.orderStatus}`;
  if (!o.hasPackage) return 'the product has no package';
  if (!o.installCommand) return 'the product has no installer';
  if (!o.licensePath || !o.licensePath.startsWith('/')) {
    return 'the product has no absolute license path';
  }
  return undefined;
}
