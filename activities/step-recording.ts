import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Database } from '../src/db/sql.js';
import {
  beginStepAttempt,
  endStep,
  listSteps,
  noteStepAttemptFailed,
} from '../src/db/repositories/deployments.js';
import { stepTail, type DeploymentStep, type StepMark } from '../src/domain/deployment.js';
import type { DeploymentMetrics } from '../src/metrics/deployment-metrics.js';

/**
 * Deployment steps recorded by the activities themselves: an activity whose input carries a
 * `mark` (a StepMark) records the start of each attempt with Temporal's own attempt number, and
 * its end, in the `deployment_steps` table. The workflow therefore needs no bookkeeping activity
 * per step edge, and the attempts shown are the retry policy's real ones.
 */

/** The short text kept with a step that ended well, by the activity that ends it. */
type Tail = (result: never) => string | undefined;
const tails: Record<string, Tail> = {
  waitServerCreated: stepTail.server,
  checkServer: stepTail.server,
  waitForSsh: stepTail.ssh,
  pushPackage: stepTail.push,
  runInstaller: stepTail.command,
  runVerify: stepTail.command,
  deliverLicense: stepTail.license,
};

const TAIL_LIMIT = 4000;

function markOf(args: unknown[]): StepMark | undefined {
  const first = args[0];
  if (typeof first !== 'object' || first === null || !('mark' in first)) return undefined;
  return (first as { mark?: StepMark }).mark;
}

/** Whether Temporal will try this activity again after `err`. */
function willRetry(err: unknown, info: Context['info']): boolean {
  if (err instanceof CancelledFailure) return false;
  if (err instanceof ApplicationFailure && err.nonRetryable) return false;
  const max = info.retryPolicy?.maximumAttempts;
  return !(max !== undefined && max > 0 && info.attempt >= max);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any activity signature
type ActivityFunction = (...args: any[]) => Promise<unknown>;

/**
 * Of a deployment's steps (or of `only`), those still running. Read before a statement that may
 * close them, so their ends are observed once, by whoever closed them. Metrics only: a failed
 * read answers none.
 */
export async function runningSteps(
  db: Database,
  deploymentId: string,
  only?: readonly DeploymentStep[],
): Promise<DeploymentStep[]> {
  const steps = await listSteps(db, deploymentId).catch(() => []);
  return steps
    .filter((s) => s.status === 'running' && (!only || only.includes(s.step)))
    .map((s) => s.step);
}

/**
 * Observes the durations of `steps` that have ended, from their recorded start (first attempt)
 * and end: the database's own clock, the same whichever worker ran each attempt. A lost sample
 * is better than a failed step, so nothing here throws.
 */
export async function observeStepDurations(
  db: Database,
  metrics: DeploymentMetrics,
  deploymentId: string,
  steps: readonly DeploymentStep[],
): Promise<void> {
  if (steps.length === 0) return;
  for (const s of await listSteps(db, deploymentId).catch(() => [])) {
    if (!steps.includes(s.step) || s.status === 'running' || !s.endedAt) continue;
    metrics.stepEnded(s.step, s.status, (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000);
  }
}

/**
 * Wraps every activity so that a marked one records its step's attempts and end; with `metrics`,
 * each step end is observed too (one read of the steps per end).
 */
export function recordingSteps<T extends Record<string, ActivityFunction>>(
  to: { db: Database; metrics?: DeploymentMetrics },
  activities: T,
): T {
  const { db, metrics } = to;
  const observe = async (deploymentId: string, steps: readonly DeploymentStep[]) => {
    if (metrics) await observeStepDurations(db, metrics, deploymentId, steps);
  };
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      const mark = markOf(args);
      if (!mark) return fn(...args);
      const info = Context.current().info;
      // Opening this step closes the one before when it is still running (a later activity of
      // the workflow may carry the same `previous` again, when it has long been closed).
      const closing =
        metrics && mark.previous
          ? await runningSteps(db, mark.deploymentId, [mark.previous.step])
          : [];
      await beginStepAttempt(db, mark.deploymentId, mark.step, info.attempt, mark.previous);
      await observe(mark.deploymentId, closing);
      let result: unknown;
      try {
        result = await fn(...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const retrying = willRetry(err, info);
        // A retried attempt leaves the step running, with what went wrong so far.
        // Recording must not replace the activity's own failure, which Temporal acts on.
        await (
          retrying
            ? noteStepAttemptFailed(db, mark.deploymentId, mark.step, message)
            : endStep(db, mark.deploymentId, mark.step, {
                status: 'failed',
                attempts: info.attempt,
                logTail: message.slice(-TAIL_LIMIT),
              })
        ).catch(() => undefined);
        if (!retrying) await observe(mark.deploymentId, [mark.step]);
        throw err;
      }
      if (mark.ends !== false) {
        const tail = tails[name]?.(result as never);
        await endStep(db, mark.deploymentId, mark.step, {
          status: 'succeeded',
          attempts: info.attempt,
          logTail: tail?.slice(-TAIL_LIMIT),
        });
        await observe(mark.deploymentId, [mark.step]);
      }
      return result;
    };
  }
  return wrapped as T;
}
