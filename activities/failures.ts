import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { AppError } from '../src/errors.js';

/**
 * The one place where an activity's errors become what Temporal understands. Activities make one
 * attempt and throw coded `AppError`s; this maps them: the code becomes the failure's type, a
 * non-retryable error stops the retries, a `Retry-After` from the cloud becomes the next retry's
 * delay. The workflow's `RetryPolicy` is the only retry loop. Anything else (a socket reset, a
 * bug) goes up as it is, for Temporal to retry.
 */

/** `retryAfterMs` and `remoteCode` an adapter put on an AppError's context. */
function retryAfterOf(e: AppError): number | undefined {
  const v = e.context?.retryAfterMs;
  return typeof v === 'number' && v > 0 ? v : undefined;
}

/** AppError → ApplicationFailure with the code as its type; other errors unchanged. */
export function toApplicationFailure(e: unknown): unknown {
  if (!(e instanceof AppError)) return e;
  const remoteCode = e.context?.remoteCode;
  return ApplicationFailure.create({
    type: e.code,
    message: e.message,
    nonRetryable: !e.retryable,
    nextRetryDelay: retryAfterOf(e),
    details: remoteCode === undefined ? [] : [{ remoteCode }],
  });
}

/** The running activity's context, or undefined when called outside one (unit tests). */
export function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (unit tests call the functions directly)
  }
}

/**
 * Runs one attempt of an activity body. A cancelled activity reports a cancellation, not the
 * error its aborted I/O threw, so the workflow's cancellation completes as one.
 */
export async function oneAttempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (currentContext()?.cancellationSignal.aborted) {
      throw new CancelledFailure('activity cancelled', [], e instanceof Error ? e : undefined);
    }
    throw toApplicationFailure(e);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any activity signature
type ActivityFunction = (...args: any[]) => Promise<unknown>;

/** Wraps every function of an activity object in `oneAttempt`, keeping its type. */
export function mappingFailures<T extends Record<string, ActivityFunction>>(activities: T): T {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = (...args: unknown[]) => oneAttempt(() => fn(...args));
  }
  return wrapped as T;
}
