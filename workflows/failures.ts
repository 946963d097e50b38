import { ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';

/** The ApplicationFailure type (or timeout) at the bottom of a failure, and its message. */
export function describeFailure(err: unknown): { code: string; message: string } {
  let e: unknown = err;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e instanceof ApplicationFailure) {
      return { code: e.type ?? 'DEPLOYMENT_FAILED', message: e.message };
    }
    if (e instanceof TimeoutFailure) return { code: 'TIMEOUT', message: e.message };
    if (e instanceof Error && e.cause) e = e.cause;
    else break;
  }
  return {
    code: 'DEPLOYMENT_FAILED',
    message: err instanceof Error ? err.message : String(err),
  };
}
