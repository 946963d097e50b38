/**
 * Fault injection for the sandbox cloud. Faults are either counted ("the next 2 CreateServers
 * calls are throttled") for tests that need one exact failure, or rates ("30% of requests are
 * throttled") for soak runs; rates draw from a seeded generator so a failing run can be replayed.
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
