import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Database } from '../src/db/sql.js';
import {
  beginStepAttempt,
  endStep,
  noteStepAttemptFailed,
  type ClosedStep,
} from '../src/db/repositories/deployments.js';
import { stepTail, type StepMark } from '../src/domain/deployment.js';
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
 * Observes the durations of steps a statement just ended (it answers them), with no read of its
 * own: a step opened by the next step's first attempt is observed by that attempt only.
 */
export function observeClosedSteps(
  metrics: DeploymentMetrics | undefined,
  closed: readonly ClosedStep[],
): void {
  for (const c of closed) metrics?.stepEnded(c.step, c.status, c.durationMs / 1000);
}

/**
 * Wraps every activity so that a marked one records its step's attempts and end; with `metrics`,
 * each step end is observed too, from what the recording statement answered.
 */
export function recordingSteps<T extends Record<string, ActivityFunction>>(
  to: { db: Database; metrics?: DeploymentMetrics },
  activities: T,
): T {
  const { db, metrics } = to;
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      const mark = markOf(args);
      if (!mark) return fn(...args);
      const info = Context.current().info;
      // Opening this step closes the one before when it is still running (a later activity of
      // the workflow may carry the same `previous` again, when it has long been closed).
      observeClosedSteps(
        metrics,
        await beginStepAttempt(db, mark.deploymentId, mark.step, info.attempt, mark.previous),
      );
      let result: unknown;
      try {
        result = await fn(...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        // A retried attempt leaves the step running, with what went wrong so far.
        // Recording must not replace the activity's own failure, which Temporal acts on.
        if (willRetry(err, info)) {
          await noteStepAttemptFailed(db, mark.deploymentId, mark.step, message).catch(
            () => undefined,
          );
        } else {
          const closed = await endStep(db, mark.deploymentId, mark.step, {
            status: 'failed',
            attempts: info.attempt,
            logTail: message.slice(-TAIL_LIMIT),
          }).catch(() => []);
          observeClosedSteps(metrics, closed);
        }
        throw err;
      }
      if (mark.ends !== false) {
        const tail = tails[name]?.(result as never);
        const closed = await endStep(db, mark.deploymentId, mark.step, {
          status: 'succeeded',
          attempts: info.attempt,
          logTail: tail?.slice(-TAIL_LIMIT),
        });
        observeClosedSteps(metrics, closed);
      }
      return result;
    };
  }
  return wrapped as T;
}
