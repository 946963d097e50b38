import type { RetryPolicy } from '@temporalio/workflow';
import type { ActivityTuning } from '../src/domain/deployment.js';

/**
 * The retry policy of a deployment's activities: exponential back-off from one second to thirty
 * (tests shorten both through ActivityTuning), at most `maximumAttempts` tries. A failure's own
 * nextRetryDelay (a cloud's Retry-After) overrides the back-off for that retry.
 */
export function retryPolicy(tuning: ActivityTuning, maximumAttempts: number): RetryPolicy {
  return {
    initialInterval: tuning.retryInitialMs ?? 1_000,
    backoffCoefficient: 2,
    maximumInterval: tuning.retryMaxMs ?? 30_000,
    maximumAttempts,
  };
}
