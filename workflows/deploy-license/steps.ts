import { ApplicationFailure, condition, isCancellation, log } from '@temporalio/workflow';
import type { SshEndpoint } from '../../activities/delivery.js';
import {
  remotePackagePath,
  stepTail,
  type DeployLicenseInput,
  type DeploymentReport,
  type DeploymentStep,
  type StepMark,
} from '../../src/domain/deployment.js';
import {
  compensateProvisioning,
  describeNetwork,
  provisionNetwork,
  provisionServer,
  type CreatedResource,
} from '../provision.js';
import { describeFailure } from '../failures.js';
import { deploymentActivities } from './activities.js';
import { startContinuedAccess } from './continued-access.js';
import { startLicenseLifecycle } from './license-lifecycle.js';
import { provisionInputFor } from './provision-input.js';
import type { Compensations } from './compensations.js';
import type { DeploymentProgressBoard } from './progress.js';

/** What the steps share with the run around them. */
export interface StepContext {
  input: DeployLicenseInput;
  board: DeploymentProgressBoard;
  compensations: Compensations;
  /** The buyer's hardware ID once submitted (License 1.0 without a readable fingerprint). */
  hardwareId: () => string | undefined;
  /** Secrets to discard when the deployment ends, whatever the end. */
  secretsToDiscard: string[];
  /** Secrets a delivered deployment keeps, each until a time (a continued-access key). */
  secretsToKeep: { ref: string; until: string }[];
  /** When the deployment's deadline fires (workflow time, ms). */
  deadlineAt: number;
  /** What a hardware-ID wait leaves of the deadline for the steps after it. */
  reserveAfterHardwareIdMs: number;
}

/**
 * The step sequence of one deployment: requested → network → server → ssh → push → install →
 * license → verify → report. Each step's activities carry its mark and record their own attempts;
 * failures propagate to the run, which compensates.
 */
export async function deploymentSteps(ctx: StepContext): Promise<DeploymentReport> {
  const { input, board, compensations } = ctx;
  const { deploymentId, orderRef, choices } = input;
  const t = input.timeouts ?? {};
  const { records, delivery, commands } = deploymentActivities(t);

  /** Runs one step: enters it on the board, leaves it with the outcome. */
  async function step<T>(
    name: DeploymentStep,
    fn: (mark: StepMark) => Promise<T>,
    tail?: (r: T) => string,
  ): Promise<T> {
    const mark = board.enter(name);
    try {
      const result = await fn(mark);
      board.leave('succeeded', tail?.(result));
      return result;
    } catch (err) {
      board.leave('failed', describeFailure(err).message);
      throw err;
    }
  }

  const newServer = !('existingId' in choices.server);
  const { plan, key } = await step('requested', (mark) =>
    records.prepareDeployment({ deploymentId, orderRef, makeKey: newServer, mark }),
  );
  if (key) ctx.secretsToDiscard.push(key.privateKeyRef);

  const provisionInput = provisionInputFor(input, plan, key);
  // Registered before the first create: provisioning records each resource before making it.
  const created: CreatedResource[] = [];
  compensations.add('cloud resources', () => compensateProvisioning(created, provisionInput));
  let networkMark: StepMark | undefined;
  const network = await step(
    'network',
    (mark) => {
      networkMark = mark;
      return provisionNetwork(provisionInput, created, { network: mark });
    },
    describeNetwork,
  );
  const server = await step(
    'server',
    (mark) =>
      provisionServer(provisionInput, network, created, { network: networkMark, server: mark }),
    stepTail.server,
  );

  const buyerServer = 'existingId' in choices.server ? choices.server : undefined;
  const endpoint: SshEndpoint = {
    serverId: server.id,
    host: buyerServer?.host ?? server.ip,
    username: buyerServer?.username ?? 'root',
    privateKeyRef: key?.privateKeyRef,
    passwordRef: choices.adminPassRef,
  };

  const { hostKey } = await step(
    'ssh',
    (mark) => delivery.waitForSsh({ endpoint, waitSeconds: t.sshWaitSeconds ?? 300, mark }),
    stepTail.ssh,
  );

  const remotePath = remotePackagePath(plan);
  await step(
    'push',
    (mark) =>
      delivery.pushPackage({
        endpoint,
        storageKey: plan.package.storageKey,
        sha256: plan.package.sha256,
        sizeBytes: plan.package.sizeBytes,
        remotePath,
        mark,
      }),
    stepTail.push,
  );

  /** The server's fingerprint over SSH, or, when it has none to read, the buyer's. */
  async function hardwareId(mark: StepMark): Promise<string> {
    try {
      return (await delivery.collectFingerprint({ endpoint, mark: { ...mark, ends: false } }))
        .fingerprint;
    } catch (err) {
      if (describeFailure(err).code !== 'INVALID_FINGERPRINT') throw err;
      log.info('no readable fingerprint; waiting for the buyer to submit one');
    }
    // The wait ends early enough for the rest of the deployment to fit in its deadline, so
    // running out is the buyer's HARDWARE_ID_TIMEOUT, not the deployment's deadline.
    const until = Math.min(
      Date.now() + (t.hardwareIdWaitMs ?? 24 * 60 * 60_000),
      ctx.deadlineAt - ctx.reserveAfterHardwareIdMs,
    );
    board.awaitHardwareId(until);
    const got = await condition(
      () => ctx.hardwareId() !== undefined,
      Math.max(0, until - Date.now()),
    );
    board.awaitHardwareId(undefined);
    const submitted = ctx.hardwareId();
    if (!got || submitted === undefined) {
      throw ApplicationFailure.nonRetryable(
        `the buyer submitted no hardware ID by ${new Date(until).toISOString()}`,
        'HARDWARE_ID_TIMEOUT',
      );
    }
    return submitted;
  }

  // Before the installer, so that the installer and verify both find LICENSE_FILE. Issued and
  // written in one activity: only the license id enters history.
  const { licenseId } = await step(
    'license',
    async (mark) =>
      delivery.deliverLicense({
        endpoint,
        orderRef,
        model: plan.licenseModel,
        fingerprint: plan.licenseModel === 'license1' ? await hardwareId(mark) : undefined,
        remotePath: plan.licensePath,
        mark,
      }),
    stepTail.license,
  );
  // The license outlives the deployment: its lifecycle (freeze after expiry, release, the
  // seller's notices) runs on its own, whatever becomes of this run.
  await startLicenseLifecycle(licenseId);

  // A non-zero exit is non-retryable: it fails with the output tail.
  const variables = { ...plan.variables, PACKAGE_FILE: remotePath };
  const commandInput = (command: string, timeoutSeconds: number) => ({
    endpoint,
    command,
    installDir: plan.installDir,
    licenseFile: plan.licensePath,
    variables,
    timeoutSeconds,
  });
  // The product's post-license command (e.g. restarting its service) runs right after its
  // installer, in the same shell session, each in a subshell so that neither can end the other.
  const installCommand = plan.postLicenseCommand
    ? `(\n${plan.installCommand}\n) && (\n${plan.postLicenseCommand}\n)`
    : plan.installCommand;
  const installed = await step(
    'install',
    (mark) =>
      commands.runInstaller({ ...commandInput(installCommand, t.installSeconds ?? 1800), mark }),
    stepTail.command,
  );

  const verifyCommand = plan.verifyCommand;
  const verifyTail = verifyCommand
    ? (
        await step(
          'verify',
          (mark) =>
            commands.runVerify({ ...commandInput(verifyCommand, t.verifySeconds ?? 300), mark }),
          stepTail.command,
        )
      ).tail
    : '';

  // Delivered. A product that declares continued access keeps OneClick's key on the server,
  // sealed, until then; a child the deployment abandons ends it. Products that do not (and every
  // run recorded before products could, whose plan has no such field) lose it now.
  let sshAccessUntil: string | undefined;
  if (key && plan.continuedAccessDays) {
    sshAccessUntil = new Date(Date.now() + plan.continuedAccessDays * DAY_MS).toISOString();
    ctx.secretsToDiscard.splice(ctx.secretsToDiscard.indexOf(key.privateKeyRef), 1);
    ctx.secretsToKeep.push({ ref: key.privateKeyRef, until: sshAccessUntil });
    await startContinuedAccess({
      deploymentId,
      endpoint: { ...endpoint, passwordRef: undefined },
      publicKey: key.publicKey,
      privateKeyRef: key.privateKeyRef,
      until: sshAccessUntil,
    });
  } else if (key) {
    // Best effort: a server that cannot be reached now still runs licensed, and the key is
    // useless without its private half (discarded at the end).
    try {
      await delivery.removeDeploymentKey({ endpoint, publicKey: key.publicKey });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('could not remove the deployment key from the server', {
        error: describeFailure(err).code,
      });
    }
  }

  return {
    deploymentId,
    orderRef,
    serverId: server.id,
    serverIp: endpoint.host,
    hostKey,
    licenseId,
    licensePath: plan.licensePath,
    installExitCode: installed.exitCode,
    verifyTail: verifyTail.slice(-1000),
    ...(sshAccessUntil && { sshAccessUntil }),
  };
}

const DAY_MS = 24 * 60 * 60_000;
