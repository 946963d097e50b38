import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import type { SessionKeys } from './cloud-context.js';
import { createHuaweiCloud } from './huawei-cloud.js';
import {
  assumeAgency,
  findProject,
  lookupDomainId,
  type AgencySession,
  type IamTarget,
} from './iam-sessions.js';
import { endpointsFor, type RegionEndpoints } from './regions.js';
import type {
  CloudAccountSecret,
  CloudAccountSource,
  CloudAdapter,
  CloudConnector,
  CloudTarget,
} from './types.js';

/**
 * Gives each deployment an adapter for the right account and region. OneClick's own account
 * signs with its configured keys; a linked buyer account signs with an agency's temporary keys
 * (assumed with OneClick's keys) or a sub-user's AK/SK. Adapters are cached per account and
 * region; an agency session is shared by all regions of its account and refreshed ahead of its
 * expiry, once for all concurrent callers, and the cached adapters pick the new keys up at their
 * next call. An unlinked account's keys and adapters are dropped at its next use; at most
 * `maxAccounts` accounts are kept, the least recently used going first (and rebuilt when used
 * again).
 */

export interface CloudConnectorOptions {
  /** OneClick's own account: the default target, and who assumes buyers' agencies. */
  own: { ak: string; sk: string; projectId?: string; domainId?: string };
  /** The region a target without one runs in (`own.projectId` is this region's project). */
  defaultRegion: string;
  /** Custom endpoints; they override the region tables for every region. */
  endpoints?: Partial<RegionEndpoints>;
  accounts: CloudAccountSource;
  pollMs?: number;
  timeoutMs?: number;
  waitTimeoutMs?: number;
  /** How long an agency session is asked for (default 1 h; IAM allows 15 min to 24 h). */
  sessionSeconds?: number;
  /** How long before expiry a session is renewed (default 5 min). */
  refreshBeforeMs?: number;
  /** How many linked accounts keep their keys and adapters cached (default 1,000). */
  maxAccounts?: number;
  now?: () => number;
}

/** Keys for one account: fixed (own, AK/SK) or an agency session that is renewed. */
interface AccountKeys {
  domainId?: string;
  current: () => Promise<SessionKeys>;
}

/** A linked account's cache: its keys, checked against the secret, and an adapter per region. */
interface AccountEntry {
  fingerprint: string;
  keys: Promise<AccountKeys>;
  adapters: Map<string, Promise<CloudAdapter>>;
}

const DEFAULT_MAX_ACCOUNTS = 1_000;

/** A digest of a secret, to notice a re-linked account without keeping the secret twice. */
function fingerprintOf(secret: CloudAccountSecret): string {
  const parts =
    secret.kind === 'agency'
      ? [secret.kind, secret.domainId, secret.domainName, secret.agencyName]
      : [secret.kind, secret.ak, secret.sk];
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

class Connector implements CloudConnector {
  readonly defaultRegion: string;
  /** OneClick's own account, per region. */
  private readonly ownAdapters = new Map<string, Promise<CloudAdapter>>();
  /** Linked accounts by id, least recently used first. */
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly maxAccounts: number;
  private ownDomain?: Promise<string | undefined>;
  private readonly now: () => number;

  constructor(private readonly o: CloudConnectorOptions) {
    this.defaultRegion = o.defaultRegion;
    this.now = o.now ?? Date.now;
    this.maxAccounts = Math.max(1, o.maxAccounts ?? DEFAULT_MAX_ACCOUNTS);
  }

  private iam(region: string): IamTarget {
    return {
      iamEndpoint: endpointsFor(region, this.o.endpoints).iam,
      timeoutMs: this.o.timeoutMs ?? 30_000,
    };
  }

  /** OneClick's own domain id: configured, or asked of IAM once. */
  private ownDomainId(): Promise<string | undefined> {
    if (this.o.own.domainId) return Promise.resolve(this.o.own.domainId);
    this.ownDomain ??= lookupDomainId(this.iam(this.defaultRegion), this.o.own).catch(
      (e: unknown) => {
        this.ownDomain = undefined;
        throw e;
      },
    );
    return this.ownDomain;
  }

  /** Renews an agency session `refreshBeforeMs` ahead of expiry; concurrent callers share it. */
  private agencyKeys(
    secret: Extract<CloudAccountSecret, { kind: 'agency' }>,
    first: AgencySession,
  ): () => Promise<SessionKeys> {
    const margin = this.o.refreshBeforeMs ?? 5 * 60_000;
    let session = first;
    let renewing: Promise<AgencySession> | undefined;
    return async () => {
      if (this.now() < session.expiresAt - margin) return session.keys;
      renewing ??= this.assume(secret).finally(() => {
        renewing = undefined;
      });
      try {
        session = await renewing;
      } catch (e) {
        // Keys that still work are better than none: the next call tries renewing again.
        if (this.now() < session.expiresAt) return session.keys;
        throw e;
      }
      return session.keys;
    };
  }

  private async assume(secret: Extract<CloudAccountSecret, { kind: 'agency' }>) {
    const own = { ...this.o.own, domainId: await this.ownDomainId() };
    return assumeAgency(this.iam(this.defaultRegion), own, secret, this.o.sessionSeconds ?? 3600);
  }

  /** Keys (and what is known of the domain) for a secret; checks that they work. */
  private async keysFor(secret: CloudAccountSecret): Promise<AccountKeys> {
    if (secret.kind === 'agency') {
      const first = await this.assume(secret);
      return { domainId: secret.domainId, current: this.agencyKeys(secret, first) };
    }
    const keys: SessionKeys = { ak: secret.ak, sk: secret.sk };
    const domainId = await lookupDomainId(this.iam(this.defaultRegion), keys);
    return { domainId, current: () => Promise.resolve(keys) };
  }

  checkRegion(region: string): void {
    endpointsFor(region, this.o.endpoints);
  }

  async probe(
    secret: CloudAccountSecret,
    region = this.defaultRegion,
  ): Promise<{ projectId: string; domainId?: string }> {
    endpointsFor(region, this.o.endpoints);
    const account = await this.keysFor(secret);
    return findProject(this.iam(region), await account.current(), region, account.domainId);
  }

  async forTarget(target: CloudTarget = {}): Promise<CloudAdapter> {
    const region = target.region ?? this.defaultRegion;
    endpointsFor(region, this.o.endpoints);
    if (target.accountId === undefined) {
      return this.cache(this.ownAdapters, region, () => this.buildOwn(region));
    }
    const accountId = target.accountId;
    const secret = await this.o.accounts.secretFor(accountId);
    if (!secret) {
      // Unlinked: its keys and adapters go now, not when the cache happens to push them out.
      this.accounts.delete(accountId);
      throw new AppError('CLOUD_ACCOUNT_NOT_FOUND', 'no such linked cloud account', {
        context: { accountId },
      });
    }
    const entry = this.accountEntry(accountId, secret);
    return this.cache(entry.adapters, region, async () => this.build(await entry.keys, region));
  }

  /**
   * The account's cache entry, made afresh when its secret changed, and marked most recently
   * used; the least recently used accounts beyond `maxAccounts` are dropped.
   */
  private accountEntry(accountId: string, secret: CloudAccountSecret): AccountEntry {
    const fingerprint = fingerprintOf(secret);
    let entry = this.accounts.get(accountId);
    this.accounts.delete(accountId);
    if (entry?.fingerprint !== fingerprint) {
      const keys = this.keysFor(secret);
      const made: AccountEntry = { fingerprint, keys, adapters: new Map() };
      // A failure is not remembered: the next deployment asks IAM again.
      void keys.catch(() => {
        if (this.accounts.get(accountId) === made) this.accounts.delete(accountId);
      });
      entry = made;
    }
    this.accounts.set(accountId, entry);
    for (const oldest of this.accounts.keys()) {
      if (this.accounts.size <= this.maxAccounts) break;
      this.accounts.delete(oldest);
    }
    return entry;
  }

  /** One build per key at a time; a failed build is not cached. */
  private cache(
    adapters: Map<string, Promise<CloudAdapter>>,
    key: string,
    build: () => Promise<CloudAdapter>,
  ): Promise<CloudAdapter> {
    const hit = adapters.get(key);
    if (hit) return hit;
    const made = build().catch((e: unknown) => {
      if (adapters.get(key) === made) adapters.delete(key);
      throw e;
    });
    adapters.set(key, made);
    return made;
  }

  private async buildOwn(region: string): Promise<CloudAdapter> {
    const own = this.o.own;
    const keys: AccountKeys = { current: () => Promise.resolve(own) };
    if (region === this.defaultRegion && own.projectId) {
      return this.adapterFor(region, own.projectId, keys);
    }
    keys.domainId = await this.ownDomainId();
    return this.build(keys, region);
  }

  private async build(keys: AccountKeys, region: string): Promise<CloudAdapter> {
    const { projectId } = await findProject(
      this.iam(region),
      await keys.current(),
      region,
      keys.domainId,
    );
    return this.adapterFor(region, projectId, keys);
  }

  private async adapterFor(
    region: string,
    projectId: string,
    keys: AccountKeys,
  ): Promise<CloudAdapter> {
    const endpoints = endpointsFor(region, this.o.endpoints);
    const first = await keys.current();
    return createHuaweiCloud({
      ecsEndpoint: endpoints.ecs,
      vpcEndpoint: endpoints.vpc,
      imsEndpoint: endpoints.ims,
      ...first,
      projectId,
      pollMs: this.o.pollMs,
      timeoutMs: this.o.timeoutMs,
      waitTimeoutMs: this.o.waitTimeoutMs,
      keys: keys.current,
    });
  }
}

/** Builds the connector for OneClick's own account and the linked accounts of `accounts`. */
export function createCloudConnector(options: CloudConnectorOptions): CloudConnector {
  return new Connector(options);
}
