/**
 * Fault and delay injection for the sandbox cloud. Faults are either counted ("the next 2
 * CreateServers calls are throttled") for tests that need one exact failure, or rates ("30% of
 * requests are throttled") for soak runs; rates draw from a seeded generator so a failing run can
 * be replayed. Delays (a region's latency, jobs, boots) are drawn from ranges the same way, and
 * every wait they put on a caller's path is recorded per account (InjectedWaits).
 */

/** The emulator's operations, named as the SDK methods that call them. */
export const OPERATIONS = [
  'CreateVpc',
  'ShowVpc',
  'ListVpcs',
  'DeleteVpc',
  'CreateSubnet',
  'ShowSubnet',
  'ListSubnets',
  'DeleteSubnet',
  'CreateSecurityGroup',
  'ShowSecurityGroup',
  'ListSecurityGroups',
  'DeleteSecurityGroup',
  'CreateSecurityGroupRule',
  'ListSecurityGroupRules',
  'DeleteSecurityGroupRule',
  'CreateServers',
  'ShowJob',
  'ShowServer',
  'ListServersDetails',
  'DeleteServers',
  'CreateSecurityGroupV1',
  'ShowSecurityGroupV1',
  'ListSecurityGroupsV1',
  'DeleteSecurityGroupV1',
  'CreateSecurityGroupRuleV1',
  'ShowSecurityGroupRuleV1',
  'ListSecurityGroupRulesV1',
  'DeleteSecurityGroupRuleV1',
  'ListFlavors',
  'NovaListAvailabilityZones',
  'ListImages',
  'CreatePublicip',
  'ListPublicips',
  'ShowPublicip',
  'UpdatePublicip',
  'DeletePublicip',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** A fault decided for one request. `after`: the request takes effect, then its answer is lost. */
export type RequestFault =
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'error'; status: number; when: 'before' | 'after' }
  | { kind: 'delay'; ms: number };

/** Fault rates in [0, 1]. */
export interface FaultRates {
  /** Requests answered 429 APIGW.0308 with Retry-After. */
  throttle?: number;
  /** Requests answered with a 5xx before they take effect. */
  serverError?: number;
  /** Create-server jobs that end FAIL. */
  jobFailure?: number;
  /** Created servers that end in status ERROR. */
  serverErrorState?: number;
}

interface Counted<T> {
  remaining: number;
  operation?: Operation;
  value: T;
}

/** Seeded PRNG (mulberry32): rates are reproducible from the seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fault switchboard of one sandbox cloud. */
export class Faults {
  private rates: Required<FaultRates> = {
    throttle: 0,
    serverError: 0,
    jobFailure: 0,
    serverErrorState: 0,
  };
  private rateOperations: ReadonlySet<Operation> | undefined;
  private counted: Counted<RequestFault>[] = [];
  private jobFailures = 0;
  private errorServers = 0;
  /** Seconds sent in Retry-After with every throttled answer. */
  retryAfterSeconds = 1;
  /** Every new server's sshd answers only this long after the server is ACTIVE. */
  slowBootMs = 0;
  /** How many faults of each kind were injected, for tests to check the fault really happened. */
  readonly injected = { throttle: 0, serverError: 0, jobFailure: 0, serverErrorState: 0 };

  constructor(private random: () => number = Math.random) {}

  /** Sets rates, optionally only for some operations. */
  setRates(rates: FaultRates, options: { operations?: Operation[]; seed?: number } = {}): void {
    this.rates = { ...this.rates, ...rates };
    this.rateOperations = options.operations ? new Set(options.operations) : undefined;
    if (options.seed !== undefined) this.random = seededRandom(options.seed);
  }

  /** Throttles the next `count` matching requests. */
  throttleNext(count: number, options: { operation?: Operation } = {}): void {
    this.counted.push({
      remaining: count,
      operation: options.operation,
      value: { kind: 'throttle', retryAfterSeconds: -1 },
    });
  }

  /** Answers the next `count` matching requests with a 5xx, before or after they take effect. */
  failNextRequests(
    count: number,
    options: { operation?: Operation; status?: number; when?: 'before' | 'after' } = {},
  ): void {
    this.counted.push({
      remaining: count,
      operation: options.operation,
      value: { kind: 'error', status: options.status ?? 500, when: options.when ?? 'before' },
    });
  }

  /** The next `count` matching requests take effect at once but are answered `ms` later. */
  delayNextAnswers(count: number, ms: number, options: { operation?: Operation } = {}): void {
    this.counted.push({
      remaining: count,
      operation: options.operation,
      value: { kind: 'delay', ms },
    });
  }

  /** Makes the next `count` create-server jobs end FAIL. */
  failNextJobs(count: number): void {
    this.jobFailures += count;
  }

  /** Makes the next `count` created servers end in status ERROR. */
  errorNextServers(count: number): void {
    this.errorServers += count;
  }

  /** Removes every fault. */
  clear(): void {
    this.rates = { throttle: 0, serverError: 0, jobFailure: 0, serverErrorState: 0 };
    this.rateOperations = undefined;
    this.counted = [];
    this.jobFailures = 0;
    this.errorServers = 0;
    this.slowBootMs = 0;
  }

  /** Decides the fault, if any, for one request. */
  forRequest(operation: Operation): RequestFault | undefined {
    const entry = this.counted.find(
      (c) => c.remaining > 0 && (c.operation === undefined || c.operation === operation),
    );
    if (entry) {
      entry.remaining--;
      this.counted = this.counted.filter((c) => c.remaining > 0);
      return this.count(
        entry.value.kind === 'throttle'
          ? { kind: 'throttle', retryAfterSeconds: this.retryAfterSeconds }
          : entry.value,
      );
    }
    if (this.rateOperations && !this.rateOperations.has(operation)) return undefined;
    if (this.rates.throttle > 0 && this.random() < this.rates.throttle) {
      return this.count({ kind: 'throttle', retryAfterSeconds: this.retryAfterSeconds });
    }
    if (this.rates.serverError > 0 && this.random() < this.rates.serverError) {
      return this.count({ kind: 'error', status: 503, when: 'before' });
    }
    return undefined;
  }

  private count(fault: RequestFault): RequestFault {
    if (fault.kind === 'throttle') this.injected.throttle++;
    else if (fault.kind === 'error') this.injected.serverError++;
    return fault;
  }

  /** True when this create-server job must fail. */
  takeJobFailure(): boolean {
    if (this.jobFailures > 0) {
      this.jobFailures--;
    } else if (!(this.rates.jobFailure > 0 && this.random() < this.rates.jobFailure)) {
      return false;
    }
    this.injected.jobFailure++;
    return true;
  }

  /** True when this new server must end in ERROR. */
  takeServerError(): boolean {
    if (this.errorServers > 0) {
      this.errorServers--;
    } else if (!(this.rates.serverErrorState > 0 && this.random() < this.rates.serverErrorState)) {
      return false;
    }
    this.injected.serverErrorState++;
    return true;
  }
}

/**
 * A delay: a fixed number of milliseconds, or a range each use draws from uniformly (a region's
 * calls and jobs never take the same time twice).
 */
export type DelayMs = number | { minMs: number; maxMs: number };

/** One delay drawn from `spec`; a fixed delay is itself and draws nothing. */
export function drawDelay(spec: DelayMs | undefined, random: () => number): number {
  if (spec === undefined) return 0;
  if (typeof spec === 'number') return Math.max(0, Math.round(spec));
  const lo = Math.max(0, Math.min(spec.minMs, spec.maxMs));
  const hi = Math.max(lo, spec.minMs, spec.maxMs);
  return Math.round(lo + random() * (hi - lo));
}

/** What a caller of the cloud waited on: an API call's latency, a job, a boot. */
export type InjectedWaitKind = 'request' | 'job' | 'boot' | 'delete';

/**
 * One wait the sandbox put on an account's critical path, as it was served: from when it began
 * to when it ended (epoch ms), and what was drawn for it (timers and a busy host may add to it).
 */
export interface InjectedWait {
  /** The domain (account) id whose call or resource waited. */
  account: string;
  kind: InjectedWaitKind;
  /** The API operation, or what waited (`CreateServers` for a job, `boot` for sshd). */
  op: string;
  /** The server or job concerned, when there is one. */
  subject?: string;
  startMs: number;
  endMs: number;
  plannedMs: number;
}

/**
 * The milliseconds of [from, to] covered by at least one interval: the union's length, so waits
 * that overlap in time (two calls in flight at once, the job polled while it runs) count once.
 */
export function unionMs(
  intervals: readonly (readonly [number, number])[],
  from = Number.NEGATIVE_INFINITY,
  to = Number.POSITIVE_INFINITY,
): number {
  const clipped = intervals
    .map(([s, e]) => [Math.max(s, from), Math.min(e, to)] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [s, e] of clipped) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

/**
 * The record of every injected wait, per account, so a benchmark can take the cloud's time out
 * of a deployment's: {@link coveredMs} is the union over the deployment's window. Bounded: the
 * oldest waits go first beyond `limit`.
 */
export class InjectedWaits {
  private waits: InjectedWait[] = [];

  constructor(private readonly limit = 100_000) {}

  add(wait: InjectedWait): void {
    this.waits.push(wait);
    if (this.waits.length > this.limit) this.waits.splice(0, this.waits.length - this.limit);
  }

  /** The waits of one account (every account's without one), oldest first. */
  list(account?: string): InjectedWait[] {
    return account === undefined
      ? [...this.waits]
      : this.waits.filter((w) => w.account === account);
  }

  /** Milliseconds of [from, to] during which the account waited on at least one injected delay. */
  coveredMs(account: string, from?: number, to?: number): number {
    return unionMs(
      this.list(account).map((w) => [w.startMs, w.endMs] as const),
      from,
      to,
    );
  }

  clear(): void {
    this.waits = [];
  }
}
