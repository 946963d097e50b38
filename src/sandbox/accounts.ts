import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SandboxAccount } from './emulator.js';

/**
 * The sandbox cloud's accounts, as Huawei Cloud has them: a domain (the account) owns its users'
 * permanent AK/SK and one project per region; an agency lets another domain act in it; IAM's
 * assume_role call turns an agency into temporary AK/SK plus a security token, which act in the
 * delegating domain until they expire. Every credential reaches exactly its own domain's
 * projects, which is what keeps one buyer's resources invisible to another.
 */

/** Regions every domain has a project in (the sandbox's configured region comes first). */
export const SANDBOX_REGIONS = ['cn-north-4', 'cn-east-3', 'cn-south-1', 'ap-southeast-1'];

/** IAM's bounds on an agency's temporary credentials, in seconds (15 minutes to 24 hours). */
export const MIN_TOKEN_SECONDS = 900;
export const MAX_TOKEN_SECONDS = 86_400;

export interface SandboxProject {
  id: string;
  /** The region name, as IAM names a region's default project. */
  name: string;
}

export interface SandboxDomain {
  id: string;
  name: string;
  projects: SandboxProject[];
  keys: { ak: string; sk: string }[];
}

export interface SandboxAgency {
  id: string;
  name: string;
  /** The delegating domain: temporary credentials act here. */
  domainId: string;
  /** The trusted domain: its credentials may assume the agency. */
  trustDomainId: string;
  createTime: string;
}

export interface TemporaryCredential {
  ak: string;
  sk: string;
  securityToken: string;
  domainId: string;
  agencyId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Everything a persistent sandbox saves of its accounts. */
export interface SavedAccounts {
  domains: SandboxDomain[];
  agencies: SandboxAgency[];
  temporary: TemporaryCredential[];
}

/** Why a request signed with a known AK is still refused. */
export type TokenProblem = 'SECURITY_TOKEN_MISSING' | 'SECURITY_TOKEN_MISMATCH' | 'TOKEN_EXPIRED';

/** What IAM's assume_role answers: credentials, or an IAM error. */
export type AssumeResult =
  { ok: true; credential: TemporaryCredential } | { ok: false; status: 403 | 404; message: string };

const hex32 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);
const randomHex32 = () => randomBytes(16).toString('hex');

/** A 20-character AK in Huawei's alphabet, with a prefix telling permanent from temporary. */
function newAk(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(20 - prefix.length);
  return prefix + [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Names IAM accepts for domains and agencies. */
export const ACCOUNT_NAME = /^[A-Za-z][A-Za-z0-9_-]{2,63}$/;

/** Domains, agencies and temporary credentials of one sandbox cloud. */
export class SandboxAccounts {
  private readonly domains = new Map<string, SandboxDomain>();
  private readonly agencies = new Map<string, SandboxAgency>();
  private readonly keyOwner = new Map<string, { domainId: string; sk: string }>();
  private readonly temporary = new Map<string, TemporaryCredential>();

  /** `regions[0]` is the sandbox's configured region. */
  constructor(readonly regions: string[]) {}

  /**
   * Registers an AK/SK given as a plain account (OneClick's own, or a test's extra one). Its
   * domain id and the projects of further regions derive from the AK, so a persistent sandbox
   * finds the same ones after a restart without saving them.
   */
  addKeyAccount(account: SandboxAccount): SandboxDomain {
    const id = hex32(`domain:${account.ak}`);
    const projects = account.projectIds.map((pid, i) => ({
      id: pid,
      name: i === 0 ? (this.regions[0] ?? '') : `${this.regions[0] ?? ''}_${i}`,
    }));
    for (const region of this.regions.slice(1)) {
      projects.push({ id: hex32(`project:${id}:${region}`), name: region });
    }
    const domain: SandboxDomain = {
      id,
      name: `sandbox_${id.slice(0, 8)}`,
      projects,
      keys: [{ ak: account.ak, sk: account.sk }],
    };
    this.putDomain(domain);
    return domain;
  }

  /** Creates a buyer's account: a new domain with one AK/SK and a project in every region. */
  createDomain(name?: string): SandboxDomain {
    const id = randomHex32();
    const domainName = name ?? `buyer_${id.slice(0, 8)}`;
    const domain: SandboxDomain = {
      id,
      name: domainName,
      projects: this.regions.map((region) => ({ id: randomHex32(), name: region })),
      keys: [{ ak: newAk('SBX'), sk: randomBytes(30).toString('base64url') }],
    };
    this.putDomain(domain);
    return domain;
  }

  private putDomain(domain: SandboxDomain): void {
    this.domains.set(domain.id, domain);
    for (const key of domain.keys) this.keyOwner.set(key.ak, { domainId: domain.id, sk: key.sk });
  }

  domain(id: string): SandboxDomain | undefined {
    return this.domains.get(id);
  }

  domainByName(name: string): SandboxDomain | undefined {
    for (const d of this.domains.values()) if (d.name === name) return d;
    return undefined;
  }

  allDomains(): SandboxDomain[] {
    return [...this.domains.values()];
  }

  /** Creates an agency of `domainId` trusting `trustDomainId`; undefined when the name is taken. */
  createAgency(domainId: string, name: string, trustDomainId: string): SandboxAgency | undefined {
    for (const a of this.agencies.values()) {
      if (a.domainId === domainId && a.name === name) return undefined;
    }
    const agency: SandboxAgency = {
      id: randomHex32(),
      name,
      domainId,
      trustDomainId,
      createTime: new Date().toISOString(),
    };
    this.agencies.set(agency.id, agency);
    return agency;
  }

  /**
   * IAM's assume_role: the caller's domain must be the one the named agency of the named
   * domain trusts. A missing domain or agency is 404, as IAM answers; an agency that exists but
   * trusts someone else is 403.
   */
  assumeRole(
    callerDomainId: string,
    target: { domainId?: string; domainName?: string },
    agencyName: string,
    durationSeconds: number,
    now = Date.now(),
  ): AssumeResult {
    const domain =
      target.domainId !== undefined
        ? this.domains.get(target.domainId)
        : this.domainByName(target.domainName ?? '');
    if (!domain) {
      const what = target.domainId ?? target.domainName ?? '';
      return { ok: false, status: 404, message: `Could not find domain: ${what}.` };
    }
    const agency = [...this.agencies.values()].find(
      (a) => a.domainId === domain.id && a.name === agencyName,
    );
    if (!agency) {
      return { ok: false, status: 404, message: `Could not find agency: ${agencyName}.` };
    }
    if (agency.trustDomainId !== callerDomainId) {
      return {
        ok: false,
        status: 403,
        message: 'You are not authorized to perform the requested action: assume_role.',
      };
    }
    const credential: TemporaryCredential = {
      ak: newAk('STS'),
      sk: randomBytes(30).toString('base64url'),
      securityToken: `gQ${randomBytes(192).toString('base64url')}`,
      domainId: domain.id,
      agencyId: agency.id,
      expiresAt: now + durationSeconds * 1000,
    };
    this.pruneExpired(now);
    this.temporary.set(credential.ak, credential);
    return { ok: true, credential };
  }

  /** Forgets temporary credentials that expired more than a day ago (they only say "expired"). */
  private pruneExpired(now: number): void {
    for (const [ak, c] of this.temporary) {
      if (c.expiresAt < now - MAX_TOKEN_SECONDS * 1000) this.temporary.delete(ak);
    }
  }

  /** Makes a temporary credential expire now (for tests of the refusal). */
  expire(ak: string): boolean {
    const c = this.temporary.get(ak);
    if (!c) return false;
    c.expiresAt = Date.now() - 1000;
    return true;
  }

  /** The SK of a permanent or temporary AK (an expired one too: its refusal says so). */
  secretOf(ak: string): string | undefined {
    return this.keyOwner.get(ak)?.sk ?? this.temporary.get(ak)?.sk;
  }

  /** The domain an AK acts in: its owner's, or for temporary credentials the delegating one. */
  domainOf(ak: string): SandboxDomain | undefined {
    const id = this.keyOwner.get(ak)?.domainId ?? this.temporary.get(ak)?.domainId;
    return id === undefined ? undefined : this.domains.get(id);
  }

  /** Whether the AK's domain has this project. */
  mayUse(ak: string, projectId: string): boolean {
    return this.domainOf(ak)?.projects.some((p) => p.id === projectId) ?? false;
  }

  /**
   * Checks the X-Security-Token that must accompany a temporary AK (a permanent AK needs none),
   * and the temporary AK's expiry.
   */
  tokenProblem(
    ak: string,
    header: string | string[] | undefined,
    now = Date.now(),
  ): TokenProblem | undefined {
    const c = this.temporary.get(ak);
    if (!c) return undefined;
    const given = Array.isArray(header) ? header[0] : header;
    if (given === undefined || given === '') return 'SECURITY_TOKEN_MISSING';
    const a = Buffer.from(given);
    const b = Buffer.from(c.securityToken);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return 'SECURITY_TOKEN_MISMATCH';
    if (c.expiresAt <= now) return 'TOKEN_EXPIRED';
    return undefined;
  }

  export(): SavedAccounts {
    return {
      domains: this.allDomains().map((d) => structuredClone(d)),
      agencies: [...this.agencies.values()].map((a) => ({ ...a })),
      temporary: [...this.temporary.values()].map((c) => ({ ...c })),
    };
  }

  /** Loads saved accounts; domains already known (the key accounts) are kept as they are. */
  import(saved: SavedAccounts): void {
    for (const d of saved.domains) if (!this.domains.has(d.id)) this.putDomain(d);
    for (const a of saved.agencies) this.agencies.set(a.id, a);
    for (const c of saved.temporary) this.temporary.set(c.ak, c);
  }
}
