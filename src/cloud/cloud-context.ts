import { AppError } from '../errors.js';
import { buildSdkClients, rekey, sdkCall, type SdkClients } from './sdk-clients.js';
import { sleep } from './sleep.js';
import type { WaitOptions } from './types.js';

/**
 * What every resource family of the adapter shares: the SDK clients, one-attempt calls that come
 * back as classified AppErrors, and the poll loop behind every wait.
 */

/** Keys to sign with; temporary ones carry a security token. */
export interface SessionKeys {
  ak: string;
  sk: string;
  securityToken?: string;
}

export interface CloudContextOptions {
  ecsEndpoint: string;
  vpcEndpoint: string;
  /** IMS; the ECS endpoint when unset (the sandbox serves every service on one port). */
  imsEndpoint?: string;
  ak: string;
  sk: string;
  securityToken?: string;
  projectId: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Default poll interval for waits (default 5 s; the sandbox runs with far less). */
  pollMs?: number;
  /** Default ceiling for waits (default 30 min, as Terraform). */
  waitTimeoutMs?: number;
  /**
   * Asked before every call for the keys to sign with, for credentials that expire (an agency's
   * session): the connector answers from its cache and refreshes ahead of expiry, so an adapter
   * handed out once keeps working through a long wait.
   */
  keys?: () => Promise<SessionKeys>;
}

export interface CloudContext {
  readonly sdk: SdkClients;
  /** One attempt; a failure comes back as a classified AppError. */
  call: <T>(op: string, fn: () => Promise<T>) => Promise<T>;
  /** Like call, but a 404 reads as undefined. */
  maybe: <T>(op: string, fn: () => Promise<T>) => Promise<T | undefined>;
  /** Polls `probe` until it returns a value; transient errors just mean "ask again". */
  waitFor: <T>(
    what: string,
    opts: WaitOptions | undefined,
    probe: () => Promise<{ done: T } | { state: string }>,
  ) => Promise<T>;
}

export function createCloudContext(o: CloudContextOptions): CloudContext {
  const sdk = buildSdkClients({ ...o, timeoutMs: o.timeoutMs ?? 30_000 });
  const pollMs = o.pollMs ?? 5_000;
  const waitTimeoutMs = o.waitTimeoutMs ?? 30 * 60_000;
  let applied: SessionKeys | undefined;

  const call = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    if (o.keys) {
      const keys = await o.keys();
      if (keys !== applied) {
        rekey(sdk.credential, keys);
        applied = keys;
      }
    }
    return sdkCall(op, fn);
  };

  const maybe = async <T>(op: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call(op, fn);
    } catch (e) {
      if (e instanceof AppError && e.code === 'CLOUD_NOT_FOUND') return undefined;
      throw e;
    }
  };

  const waitFor = async <T>(
    what: string,
    opts: WaitOptions | undefined,
    probe: () => Promise<{ done: T } | { state: string }>,
  ): Promise<T> => {
    const deadline = Date.now() + (opts?.timeoutMs ?? waitTimeoutMs);
    const every = opts?.pollMs ?? pollMs;
    for (;;) {
      let state: string;
      try {
        const r = await probe();
        if ('done' in r) return r.done;
        state = r.state;
      } catch (e) {
        if (!(e instanceof AppError) || !e.retryable) throw e;
        state = e.code;
      }
      opts?.onPoll?.(state);
      if (Date.now() > deadline) {
        throw new AppError('CLOUD_WAIT_TIMEOUT', `${what} still ${state} after the wait ceiling`, {
          retryable: true,
        });
      }
      await sleep(every, opts?.signal);
    }
  };

  return { sdk, call, maybe, waitFor };
}
