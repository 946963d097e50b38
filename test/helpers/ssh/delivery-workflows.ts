import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type {
  DeliveryActivities,
  RemoteCommandInput,
  SshEndpoint,
} from '../../../activities/delivery.js';

// Test-only workflows that drive the delivery activities the way deployLicense will: retries
// with a flat interval, heartbeats, and waiting for a cancelled push to really stop.
const NON_RETRYABLE = [
  'HOST_KEY_MISMATCH',
  'COMMAND_FAILED',
  'SSH_AUTH_FAILED',
  'INVALID_REMOTE_PATH',
];

const quick = proxyActivities<DeliveryActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '20s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 1,
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

const push = proxyActivities<DeliveryActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '20s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 1,
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/** Input of the delivery test workflow. */
export interface DeliverInput {
  endpoint: SshEndpoint;
  storageKey: string;
  sha256: string;
  sizeBytes: number;
  remotePath: string;
  installer: string;
  verify: string;
  licenseRef: string;
  licenseFile: string;
  installDir: string;
  variables?: Record<string, string>;
}

/** wait for SSH → push → install → write license → verify → fingerprint. */
export async function deliverWorkflow(input: DeliverInput) {
  const { hostKey } = await quick.waitForSsh({ endpoint: input.endpoint, waitSeconds: 60 });
  const pushed = await push.pushPackage(input);
  const common: Omit<RemoteCommandInput, 'command'> = {
    endpoint: input.endpoint,
    installDir: input.installDir,
    licenseFile: input.licenseFile,
    variables: { ...input.variables, PACKAGE_FILE: input.remotePath },
    timeoutSeconds: 60,
  };
  const installed = await quick.runInstaller({ ...common, command: input.installer });
  await quick.writeLicenseFile({
    endpoint: input.endpoint,
    remotePath: input.licenseFile,
    contentRef: input.licenseRef,
  });
  const verified = await quick.runVerify({ ...common, command: input.verify });
  const { fingerprint } = await quick.collectFingerprint({ endpoint: input.endpoint });
  return { hostKey, pushed, installed, verified, fingerprint };
}

/** Only the push, for the link-cut, cancellation and 1 GiB tests. */
export async function pushWorkflow(input: Parameters<DeliveryActivities['pushPackage']>[0]) {
  return push.pushPackage(input);
}

/** Only the SSH wait, for the host-key test. */
export async function waitForSshWorkflow(endpoint: SshEndpoint) {
  return quick.waitForSsh({ endpoint, waitSeconds: 30 });
}

/** Only the fingerprint. */
export async function fingerprintWorkflow(endpoint: SshEndpoint) {
  return quick.collectFingerprint({ endpoint });
}

/** Only the installer, for the failing-installer test. */
export async function installWorkflow(input: RemoteCommandInput) {
  return quick.runInstaller(input);
}
