import { AppError } from '../errors.js';
import { retryAfterMsOf } from './errors.js';

/**
 * Bounded retry for one cloud call: retryable AppErrors are retried with exponential back-off and
 * full jitter, except that a Retry-After from the cloud is waited out exactly. What is still
 * failing after the last attempt is thrown as is (still retryable, for Temporal to retry later).
 */

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A longer Retry-After is not waited out here: the error goes up for Temporal to schedule. */
  maxRetryAfterMs?: number;
  /** Called before each wait; tests use it to see the delays chosen. */
  onRetry?: (info: { op: string; attempt: number; delayMs: number; error: AppError }) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
};

/** Sleeps, waking early (with a rejection) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The delay before retry number `attempt` (1-based): Retry-After exactly, else jittered back-off. */
export function retryDelay(policy: RetryPolicy, attempt: number, error: AppError): number {
  const asked = retryAfterMsOf(error);
  if (asked !== undefined) return asked;
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round((policy.random ?? Math.random)() * cap);
}

/** Runs `fn`, retrying retryable AppErrors per the policy. */
export async function withRetry<T>(
  op: string,
  policy: RetryPolicy,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof AppError) || !e.retryable || attempt >= policy.attempts) throw e;
      const delayMs = retryDelay(policy, attempt, e);
      if (delayMs > (policy.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs ?? 30_000)) throw e;
      policy.onRetry?.({ op, attempt, delayMs, error: e });
      await (policy.sleep ?? sleep)(delayMs, signal);
    }
  }
}
