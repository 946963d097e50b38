import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { DeliveryActivities, SshEndpoint } from '../../activities/delivery.js';
import type { LicenseActivities } from '../../activities/license.js';
import type { DeploymentActivities } from '../../activities/deployment.js';
import {
  remotePackagePath,
  type DeployLicenseInput,
  type DeploymentPlan,
  type DeploymentReport,
  type DeploymentState,
  type DeploymentStep,
  type StepProgress,
} from '../../src/domain/deployment.js';
import { DeploymentStatusKey, DeploymentStepKey } from '../../src/temporal/search-attributes.js';
import { progressQuery } from './messages.js';
import { acceptHardwareId } from './hardware-id.js';
import { provisionInputFor } from './provision-input.js';
import { describeFailure } from '../failures.js';
import { compensateProvisioning, provision } from '../provision.js';

/**
 * deployLicense as it ran before steps were recorded by their activities (version 1): every step
 * wrapped in start/end bookkeeping activities, retried by a loop of its own. Frozen: it exists so
 * that runs started by that version replay and finish on today's workers (test/fixtures/histories).
 * New runs take ./steps.ts. Delete this file once no version-1 run can be open (a deployment
 * lives at most its deadline plus the hardware-ID wait: about 26 hours after the upgrade).
 */

const DEFAULT_DEADLINE_MS = 2 * 60 * 60_000;

type Activities = DeliveryActivities & LicenseActivities & DeploymentActivities;

function proxies(input: DeployLicenseInput) {
  const t = input.timeouts ?? {};
  const retry = {
    initialInterval: t.retryInitialMs ?? 1_000,
    backoffCoefficient: 2,
    maximumInterval: t.retryMaxMs ?? 30_000,
  };
  // Bookkeeping is idempotent and cheap: retry it a lot rather than fail a deployment over it.
  const book: ActivityOptions = {
    startToCloseTimeout: '30 seconds',
    retry: { ...retry, maximumAttempts: 30 },
  };
  // Steps retry in the workflow (see `attempt`) so that their attempts show in the progress.
  const step: ActivityOptions = {
    startToCloseTimeout: '45 minutes',
    heartbeatTimeout: t.heartbeatMs ?? 30_000,
    retry: { maximumAttempts: 1 },
    // Compensation must not delete a server an upload is still writing to.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
  return {
    book: proxyActivities<Activities>(book),
    step: proxyActivities<Activities>(step),
    retry,
  };
}

function retryable(err: unknown): boolean {
  if (isCancellation(err)) return false;
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) return !cause.nonRetryable;
    return true; // timeouts, a lost worker
  }
  return false;
}

/** Version 1 of one deployment; returns its report, or throws after compensating. */
export async function deployLicenseV1(input: DeployLicenseInput): Promise<DeploymentReport> {
  const { book, step, retry } = proxies(input);
  const { deploymentId, orderRef } = input;
  const steps: StepProgress[] = [];
  let state: DeploymentState = 'requested';
  // The last step entered: what DeploymentStep shows, also after a failure.
  let current: DeploymentStep = 'requested';
  let failure: { code: string; message: string } | undefined;
  let awaitingHardwareId = false;
  setHandler(progressQuery, () => ({
    deploymentId,
    orderRef,
    state,
    steps: steps.map((s) => ({ ...s })),
    ...(awaitingHardwareId && { awaiting: 'hardwareId' as const }),
    ...(failure && { failure }),
  }));
  const hardwareIdSubmitted = acceptHardwareId(() => awaitingHardwareId);

  const now = () => new Date().toISOString(); // workflow time: deterministic
  const upsert = (status: string) =>
    upsertSearchAttributes([
      { key: DeploymentStepKey, value: current },
      { key: DeploymentStatusKey, value: status },
    ]);

  /** Records a step around `fn`, retrying retryable failures with backoff up to `maxAttempts`. */
  async function run<T>(
    name: DeploymentStep,
    fn: () => Promise<T>,
    opts: { maxAttempts?: number; tail?: (r: T) => string | undefined } = {},
  ): Promise<T> {
    state = name;
    current = name;
    upsert('running');
    const rec: StepProgress = {
      step: name,
      status: 'running',
      attempts: 1,
      startedAt: now(),
      endedAt: null,
      logTail: null,
    };
    steps.push(rec);
    await book.startDeploymentStep({ deploymentId, step: name, attempts: 1 });
    const max = opts.maxAttempts ?? 3;
    let delay = retry.initialInterval;
    const fail = async (err: unknown): Promise<never> => {
      rec.status = 'failed';
      rec.endedAt = now();
      rec.logTail = describeFailure(err).message.slice(-4000);
      // Recorded outside the (possibly cancelled) scope so a cancel still lands in the DB.
      await CancellationScope.nonCancellable(() =>
        book.endDeploymentStep({
          deploymentId,
          step: name,
          status: 'failed',
          attempts: rec.attempts,
          logTail: rec.logTail ?? undefined,
        }),
      );
      throw err;
    };
    for (;;) {
      let result: T;
      try {
        result = await fn();
      } catch (err) {
        if (rec.attempts >= max || !retryable(err)) return fail(err);
        try {
          await sleep(delay);
          delay = Math.min(delay * retry.backoffCoefficient, retry.maximumInterval);
          rec.attempts += 1;
          await book.startDeploymentStep({ deploymentId, step: name, attempts: rec.attempts });
        } catch (cancelled) {
          return fail(cancelled);
        }
        continue;
      }
      rec.status = 'succeeded';
      rec.endedAt = now();
      rec.logTail = opts.tail?.(result) ?? null;
      await book.endDeploymentStep({
        deploymentId,
        step: name,
        status: 'succeeded',
        attempts: rec.attempts,
        logTail: rec.logTail ?? undefined,
      });
      return result;
    }
  }

  /** Undo actions, newest first when run; each registered *before* its risky create. */
  const undo: { what: string; fn: () => Promise<void> }[] = [];

  async function body(): Promise<DeploymentReport> {
    const choices = input.choices;
    const t = input.timeouts ?? {};

    // 1–2. Load and check, make the server's key, tell supervision.
    const { plan, key } = await run(
      'requested',
      async () => {
        const plan: DeploymentPlan = await book.loadDeploymentPlan(orderRef);
        let key: { privateKeyRef: string; publicKey: string } | undefined;
        if (!('existingId' in choices.server)) {
          key = await book.createDeploymentKey({ deploymentId });
          const ref = key.privateKeyRef;
          undo.push({ what: 'ssh key', fn: () => book.discardSecret({ ref }) });
        }
        await book.reportSupervision({ orderRef, deploymentId, event: 'deploying' });
        return { plan, key };
      },
      { maxAttempts: 1 },
    );

    // 3–4. Network and server (provision records and undoes its own partial work).
    const provisionInput = provisionInputFor(input, plan, key);
    const provisioned = await run('network', () => provision(provisionInput), {
      maxAttempts: 1,
      tail: (r) => `vpc ${r.vpcId}, subnet ${r.subnetId}, security group ${r.securityGroupId}`,
    });
    undo.push({
      what: 'cloud resources',
      fn: () => compensateProvisioning(provisioned.created, provisionInput),
    });
    const server = await run('server', () => Promise.resolve(provisioned.server), {
      tail: (s) => `server ${s.id} ${s.status} at ${s.ip}`,
    });

    const endpoint: SshEndpoint = {
      serverId: server.id,
      host: 'existingId' in choices.server && choices.server.host ? choices.server.host : server.ip,
      username:
        'existingId' in choices.server && choices.server.username
          ? choices.server.username
          : 'root',
      privateKeyRef: key?.privateKeyRef,
      passwordRef: choices.adminPassRef,
    };

    // 5. SSH, pinning the host key at first contact.
    const { hostKey } = await run(
      'ssh',
      () => step.waitForSsh({ endpoint, waitSeconds: t.sshWaitSeconds ?? 300 }),
      { tail: (r) => `host key ${r.hostKey.slice(0, 60)}` },
    );

    // 6. Push the package.
    const remotePath = remotePackagePath(plan);
    await run(
      'push',
      () =>
        step.pushPackage({
          endpoint,
          storageKey: plan.package.storageKey,
          sha256: plan.package.sha256,
          sizeBytes: plan.package.sizeBytes,
          remotePath,
        }),
      { tail: (r) => JSON.stringify(r).slice(0, 500) },
    );

    // 7. Install. A non-zero exit is non-retryable: it fails with the output tail.
    const variables = { ...plan.variables, PACKAGE_FILE: remotePath };
    const installed = await run(
      'install',
      () =>
        step.runInstaller({
          endpoint,
          command: plan.installCommand,
          installDir: plan.installDir,
          licenseFile: plan.licensePath,
          variables,
          timeoutSeconds: t.installSeconds ?? 1800,
        }),
      { maxAttempts: 2, tail: (r) => r.tail },
    );

    /** The server's fingerprint over SSH, or, when it has none to read, the buyer's. */
    async function hardwareId(): Promise<string> {
      try {
        return (await step.collectFingerprint({ endpoint })).fingerprint;
      } catch (err) {
        if (describeFailure(err).code !== 'INVALID_FINGERPRINT') throw err;
        log.info('no readable fingerprint; waiting for the buyer to submit one');
      }
      awaitingHardwareId = true;
      const got = await condition(
        () => hardwareIdSubmitted() !== undefined,
        t.hardwareIdWaitMs ?? 24 * 60 * 60_000,
      );
      awaitingHardwareId = false;
      const submittedHardwareId = hardwareIdSubmitted();
      if (!got || submittedHardwareId === undefined) {
        throw ApplicationFailure.nonRetryable(
          'the buyer submitted no hardware ID in time',
          'HARDWARE_ID_TIMEOUT',
        );
      }
      return submittedHardwareId;
    }

    // 8. License: only ids in history; the text is staged in the secret store and written.
    const licenseId = await run('license', async () => {
      let id: string;
      if (plan.licenseModel === 'license2') {
        id = (await book.issueLicenseCode(orderRef)).licenseId;
      } else {
        id = (await book.issueLicenseForMachine(orderRef, await hardwareId())).licenseId;
      }
      const { contentRef } = await book.stageLicenseContent({ licenseId: id });
      try {
        await step.writeLicenseFile({ endpoint, remotePath: plan.licensePath, contentRef });
      } finally {
        await CancellationScope.nonCancellable(() => book.discardSecret({ ref: contentRef }));
      }
      return id;
    });

    // 9. Verify.
    let verifyTail = '';
    if (plan.verifyCommand) {
      const verifyCommand = plan.verifyCommand;
      verifyTail = (
        await run(
          'verify',
          () =>
            step.runVerify({
              endpoint,
              command: verifyCommand,
              installDir: plan.installDir,
              licenseFile: plan.licensePath,
              variables,
              timeoutSeconds: t.verifySeconds ?? 300,
            }),
          { maxAttempts: 2, tail: (r) => r.tail },
        )
      ).tail;
    }

    const report: DeploymentReport = {
      deploymentId,
      orderRef,
      serverId: server.id,
      serverIp: endpoint.host,
      hostKey,
      licenseId,
      licensePath: plan.licensePath,
      installExitCode: installed.exitCode,
      verifyTail: verifyTail.slice(-1000),
    };

    // 10. Report delivered. The software runs licensed now: nothing may undo it any more, neither
    // a late cancel nor a bookkeeping failure, so the report runs to its end and undo is cleared.
    undo.length = 0;
    await CancellationScope.nonCancellable(() =>
      run('report', async () => {
        await book.reportSupervision({
          orderRef,
          deploymentId,
          event: 'delivered',
          detail: `server ${report.serverId}, license ${licenseId} at ${report.licensePath}`,
        });
        await book.finishDeploymentRecord({ deploymentId, state: 'succeeded' });
      }),
    );
    return report;
  }

  // The deadline is a timer raced inside the workflow, so compensation still runs when it fires.
  let deadlineHit = false;
  const main = new CancellationScope();
  const timer = new CancellationScope();
  void timer
    .run(() => sleep(input.timeouts?.deadlineMs ?? DEFAULT_DEADLINE_MS))
    .then(
      () => {
        deadlineHit = true;
        main.cancel();
      },
      () => undefined,
    );
  upsert('running');
  try {
    const report = await main.run(body);
    state = 'succeeded';
    upsert('succeeded');
    return report;
  } catch (err) {
    const cancelled = isCancellation(err) && !deadlineHit;
    failure = deadlineHit
      ? { code: 'DEPLOYMENT_DEADLINE_EXCEEDED', message: 'the deployment ran past its deadline' }
      : cancelled
        ? { code: 'CANCELLED', message: 'the deployment was cancelled' }
        : describeFailure(err);
    log.warn('deployment failed; compensating', { code: failure.code, undo: undo.length });
    const why = failure;
    await CancellationScope.nonCancellable(async () => {
      const left: string[] = [];
      for (const u of [...undo].reverse()) {
        try {
          await u.fn();
        } catch (e) {
          log.error('compensation step failed', { what: u.what, error: String(e) });
          left.push(u.what);
        }
      }
      const message = left.length
        ? `${why.message} (compensation left behind: ${left.join(', ')})`
        : why.message;
      await book.finishDeploymentRecord({
        deploymentId,
        state: cancelled ? 'cancelled' : 'failed',
        code: why.code,
        message,
      });
      await book.reportSupervision({
        orderRef,
        deploymentId,
        event: cancelled ? 'cancelled' : 'failed',
        detail: `${why.code}: ${message}`.slice(0, 1000),
      });
    });
    state = cancelled ? 'cancelled' : 'failed';
    upsert(state);
    if (deadlineHit) throw ApplicationFailure.nonRetryable(failure.message, failure.code);
    throw err;
  } finally {
    timer.cancel();
    // The buyer's ECS password is needed only while the deployment runs.
    const passRef = input.choices.adminPassRef;
    if (passRef) {
      await CancellationScope.nonCancellable(() =>
        book.discardSecret({ ref: passRef }).catch((e: unknown) => {
          log.warn('could not discard the ECS password', { error: String(e) });
        }),
      );
    }
    log.info('deployment finished', { deploymentId, state, runId: workflowInfo().runId });
  }
}
