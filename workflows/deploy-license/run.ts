import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeployLicenseInput, DeploymentReport } from '../../src/domain/deployment.js';
import { describeFailure } from '../failures.js';
import { deploymentActivities } from './activities.js';
import { Compensations } from './compensations.js';
import { startDeadline } from './deadline.js';
import { acceptHardwareId } from './hardware-id.js';
import { progressQuery } from './messages.js';
import { DeploymentProgressBoard } from './progress.js';
import { deploymentSteps } from './steps.js';

const DEFAULT_DEADLINE_MS = 2 * 60 * 60_000;

/**
 * One deployment around its steps: the progress query and hardware-ID update, the deadline, and
 * on failure, cancellation or the deadline the saga: what OneClick made is undone newest first in
 * a non-cancellable scope, the deployment is recorded failed (or cancelled) with the reason, and
 * the failure is rethrown so the run closes as failed and the order can be deployed again.
 */
export async function runDeployment(input: DeployLicenseInput): Promise<DeploymentReport> {
  const { deploymentId, orderRef } = input;
  const board = new DeploymentProgressBoard(deploymentId, orderRef);
  const compensations = new Compensations();
  setHandler(progressQuery, () => board.snapshot());
  const hardwareId = acceptHardwareId(() => board.awaitingHardwareId);

  // The buyer's ECS password and OneClick's key for the server are needed only while the
  // deployment runs.
  const adminPassRef = input.choices.adminPassRef;
  const secretsToDiscard = adminPassRef ? [adminPassRef] : [];
  const secretsToKeep: { ref: string; until: string }[] = [];
  const { records } = deploymentActivities(input.timeouts ?? {});
  const main = new CancellationScope();
  const deadlineMs = input.timeouts?.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadlineAt = Date.now() + deadlineMs;
  const deadline = startDeadline(deadlineMs, main);
  try {
    const report = await main.run(() =>
      deploymentSteps({
        input,
        board,
        compensations,
        hardwareId,
        secretsToDiscard,
        secretsToKeep,
        deadlineAt,
        // The license, installer, verify and report after the buyer's hardware ID.
        reserveAfterHardwareIdMs: Math.min(30 * 60_000, deadlineMs / 4),
      }),
    );
    // The software runs licensed now: nothing may undo it any more, neither a late cancel nor a
    // bookkeeping failure, so the report runs to its end.
    compensations.clear();
    deadline.stop();
    await CancellationScope.nonCancellable(async () => {
      const mark = board.enter('report', { publish: false });
      await records.finishDeployment({
        deploymentId,
        orderRef,
        state: 'succeeded',
        detail:
          `server ${report.serverId}, license ${report.licenseId} at ${report.licensePath}` +
          (report.sshAccessUntil
            ? `; OneClick keeps SSH access until ${report.sshAccessUntil}`
            : ''),
        discardSecrets: secretsToDiscard,
        keepSecrets: secretsToKeep,
        mark,
      });
      board.leave('succeeded');
    });
    board.end('succeeded');
    return report;
  } catch (err) {
    deadline.stop();
    const cancelled = isCancellation(err) && !deadline.hit();
    const failure = deadline.hit()
      ? { code: 'DEPLOYMENT_DEADLINE_EXCEEDED', message: 'the deployment ran past its deadline' }
      : cancelled
        ? { code: 'CANCELLED', message: 'the deployment was cancelled' }
        : describeFailure(err);
    log.warn('deployment failed; compensating', { code: failure.code, undo: compensations.size });
    const left = await compensations.run();
    const message = left.length
      ? `${failure.message} (compensation left behind: ${left.join(', ')})`
      : failure.message;
    const state = cancelled ? 'cancelled' : 'failed';
    await CancellationScope.nonCancellable(() =>
      records.finishDeployment({
        deploymentId,
        orderRef,
        state,
        code: failure.code,
        message,
        detail: `${failure.code}: ${message}`.slice(0, 1000),
        discardSecrets: secretsToDiscard,
      }),
    );
    board.end(state, failure);
    if (deadline.hit()) throw ApplicationFailure.nonRetryable(failure.message, failure.code);
    throw err;
  } finally {
    log.info('deployment finished', { deploymentId, runId: workflowInfo().runId });
  }
}
