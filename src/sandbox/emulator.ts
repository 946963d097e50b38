import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import {
  SANDBOX_REGIONS,
  SandboxAccounts,
  type SandboxDomain,
  type SandboxProject,
  type SavedAccounts,
} from './accounts.js';
import { attachServerEips, detachServerEips, keepEipClaims, releaseEipClaims } from './eip-api.js';
import { adoptEipAddress } from './eip-pool.js';
import {
  drawDelay,
  InjectedWaits,
  seededRandom,
  type DelayMs,
  type Faults,
  type InjectedWait,
} from './faults.js';
import {
  jobTimeIso,
  nowIso,
  ProjectState,
  snapshot,
  type Inventory,
  type JobRecord,
  type ServerRecord,
  type SubJobRecord,
} from './emulator-state.js';
import { adoptSandboxHost, startSandboxHost, type SandboxHost } from './hosts.js';
import { sshdListening } from './hosts/boot.js';
import type { SavedHost, SavedProject } from './persisted-state.js';

/**
 * The sandbox cloud's engine: accounts, projects, the asynchronous jobs that create and delete
 * servers, and the sandbox host behind every server. The HTTP layer (emulator-server.ts) and the
 * API handlers (ecs-api.ts, vpc-api.ts) sit on top of it.
 */

/**
 * Delays in milliseconds, fixed or drawn from a range for each use (seeded: `EmulatorOptions.seed`);
 * all zero by default so tests and benchmarks run at full speed.
 */
export interface EmulatorDelays {
  /** Job INIT → RUNNING. */
  jobStartMs: number;
  /** RUNNING → server ACTIVE and job SUCCESS (the host boots meanwhile). */
  serverBuildMs: DelayMs;
  /** Delete job RUNNING → SUCCESS. */
  serverDeleteMs: DelayMs;
  /** VPC CREATING → OK and subnet UNKNOWN → ACTIVE. */
  networkActiveMs: number;
  /** Every cloud API call (not `/_sandbox/*`) waits this long before it is handled. */
  requestMs?: DelayMs;
  /**
   * After the server is ACTIVE (its job SUCCESS), its sshd answers this much later, as on ECS,
   * where cloud-init and sshd start after the job.
   */
  bootMs?: DelayMs;
}

/** No delay at all: what tests run with. */
export const NO_DELAYS: EmulatorDelays = {
  jobStartMs: 0,
  serverBuildMs: 0,
  serverDeleteMs: 0,
  networkActiveMs: 0,
  requestMs: 0,
  bootMs: 0,
};

/** Delays for demos: jobs and boots take a moment, as on the real cloud (tests use zero). */
export const DEMO_DELAYS: EmulatorDelays = {
  ...NO_DELAYS,
  jobStartMs: 300,
  serverBuildMs: 2_000,
  serverDeleteMs: 500,
  networkActiveMs: 300,
};

/**
 * Delays like a real region's (issue 14's scale benchmark): every API call 0.5–2 s, a server's
 * creation job 20–40 s from submission to SUCCESS, its sshd 10–20 s after that, a deletion
 * 10–20 s. VPCs and subnets are ready at once, as VPC answers them.
 */
export const REALISTIC_DELAYS: EmulatorDelays = {
  jobStartMs: 1_000,
  serverBuildMs: { minMs: 19_000, maxMs: 39_000 },
  serverDeleteMs: { minMs: 10_000, maxMs: 20_000 },
  networkActiveMs: 0,
  requestMs: { minMs: 500, maxMs: 2_000 },
  bootMs: { minMs: 10_000, maxMs: 20_000 },
};

/** The named delay profiles (`oneclick sandbox --delays NAME`, `PUT /_sandbox/delays`). */
export const DELAY_PROFILES = {
  none: NO_DELAYS,
  demo: DEMO_DELAYS,
  realistic: REALISTIC_DELAYS,
} as const satisfies Record<string, EmulatorDelays>;
export type DelayProfile = keyof typeof DELAY_PROFILES;

/** Seed of the delay draws when none is given: runs draw the same sequence. */
const DEFAULT_DELAY_SEED = 14;

/** An AK/SK pair and the projects it may use. */
export interface SandboxAccount {
  ak: string;
  sk: string;
  projectIds: string[];
}

/** A buyer's account made with {@link Emulator.createAccount}: its domain, AK/SK and projects. */
export interface BuyerAccount {
  domainId: string;
  domainName: string;
  ak: string;
  sk: string;
  /** One per region, named after it. */
  projects: SandboxProject[];
}

/** Flavors the sandbox offers (ECS answers Ecs.0005 for others). */
export const SANDBOX_FLAVORS: Record<string, { vcpus: string; ram: string }> = {
  's6.small.1': { vcpus: '1', ram: '1024' },
  's6.medium.2': { vcpus: '1', ram: '2048' },
  's6.large.2': { vcpus: '2', ram: '4096' },
  'c7.large.2': { vcpus: '2', ram: '4096' },
  'c7.xlarge.2': { vcpus: '4', ram: '8192' },
};

/** Images the sandbox offers: Debian's userland, as the hosts run this machine's. */
export const SANDBOX_IMAGES: Record<string, string> = {
  'd2a5b7b6-5c3f-4b8e-9f0a-1b2c3d4e5f60': 'Debian 12 64bit',
  'e4c1f0a2-7d6b-4c59-8a3e-2f1d0c9b8a71': 'Ubuntu 22.04 server 64bit',
};
/** The image tests and the demo use. */
export const DEFAULT_IMAGE_ID = 'd2a5b7b6-5c3f-4b8e-9f0a-1b2c3d4e5f60';
export const DEFAULT_FLAVOR = 's6.small.1';

/** What a create request asked for that must reach the host but never the inventory. */
export interface HostSecrets {
  authorizedKeys: string[];
  rootPassword?: string;
}

export interface EmulatorOptions {
  accounts: SandboxAccount[];
  delays: EmulatorDelays;
  faults: Faults;
  region: string;
  /** Servers per project, counting those being built. */
  serverQuota: number;
  /** EIPs per project (default 10). */
  eipQuota?: number;
  /** Seed of the delays drawn from ranges (default: a fixed one), so a run can be replayed. */
  seed?: number;
  /** Called after each server build (the sandbox tops up its warm pool here). */
  onServerBuilt?: () => void;
  /** Called after every change of state (a persistent sandbox saves it here). */
  onChange?: () => void;
}

/** The engine behind the HTTP emulator. */
export class Emulator {
  readonly projects = new Map<string, ProjectState>();
  /** Domains, agencies and credentials: who may use which project. */
  readonly accounts: SandboxAccounts;
  private readonly hosts = new Map<string, SandboxHost>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  /** Every delay injected on a caller's path, per account (GET /_sandbox/delays/injected). */
  readonly injected = new InjectedWaits();
  private readonly random: () => number;
  /** Aborted at stop: ends the watches of booting hosts' sshd. */
  private readonly stopped = new AbortController();
  private stopping = false;

  constructor(readonly options: EmulatorOptions) {
    const others = SANDBOX_REGIONS.filter((r) => r !== options.region);
    this.accounts = new SandboxAccounts([options.region, ...others]);
    for (const account of options.accounts) this.addAccount(account);
    this.random = seededRandom(options.seed ?? DEFAULT_DELAY_SEED);
  }

  get faults(): Faults {
    return this.options.faults;
  }
  get delays(): EmulatorDelays {
    return this.options.delays;
  }

  /** Changes delays from now on (the work already waiting keeps what it drew). */
  setDelays(delays: Partial<EmulatorDelays>): void {
    Object.assign(this.options.delays, delays);
  }

  /** One draw of a delay (a fixed one is itself). */
  draw(spec: DelayMs | undefined): number {
    return drawDelay(spec, this.random);
  }

  /** The account (domain id) a project belongs to. */
  accountOfProject(projectId: string): string {
    return (
      this.accounts.allDomains().find((d) => d.projects.some((p) => p.id === projectId))?.id ?? ''
    );
  }

  /**
   * Holds a cloud API call of `account` for the request delay drawn now, and records the wait.
   * Resolves at once when there is none, or when the emulator stops meanwhile.
   */
  async delayRequest(account: string, op: string): Promise<void> {
    const planned = this.draw(this.delays.requestMs);
    if (planned <= 0) return;
    const startMs = Date.now();
    await this.sleep(planned);
    this.recordWait({
      account,
      kind: 'request',
      op,
      startMs,
      endMs: Date.now(),
      plannedMs: planned,
    });
  }

  private recordWait(wait: InjectedWait): void {
    if (!this.stopping) this.injected.add(wait);
  }

  /** Registers an account (its own domain, projects in every region); its projects start empty. */
  addAccount(account: SandboxAccount): void {
    this.openProjects(this.accounts.addKeyAccount(account));
  }

  private openProjects(domain: SandboxDomain): void {
    for (const { id } of domain.projects) {
      if (!this.projects.has(id)) this.projects.set(id, new ProjectState(id));
    }
  }

  /** Creates a buyer's account: its own domain with an AK/SK and an empty project per region. */
  createAccount(name?: string): BuyerAccount {
    if (name !== undefined && this.accounts.domainByName(name)) {
      throw new AppError('SANDBOX_DOMAIN_EXISTS', `an account named ${name} exists already`);
    }
    const domain = this.accounts.createDomain(name);
    this.openProjects(domain);
    this.changed();
    const key = domain.keys[0] ?? { ak: '', sk: '' };
    return {
      domainId: domain.id,
      domainName: domain.name,
      ak: key.ak,
      sk: key.sk,
      projects: domain.projects.map((p) => ({ ...p })),
    };
  }

  /**
   * Creates an agency of `domainId` that lets the trusted domain (given by id or name) act in
   * it, as a buyer does in IAM's console; answers it as IAM's CreateAgency prints an agency.
   */
  createAgency(
    domainId: string,
    agency: { name: string; trustDomainId?: string; trustDomainName?: string },
  ) {
    const domain = this.accounts.domain(domainId);
    const trusted =
      agency.trustDomainId !== undefined
        ? this.accounts.domain(agency.trustDomainId)
        : this.accounts.domainByName(agency.trustDomainName ?? '');
    if (!domain || !trusted) {
      throw new AppError(
        'SANDBOX_DOMAIN_NOT_FOUND',
        !domain ? `no account ${domainId}` : 'the trusted account does not exist',
      );
    }
    const made = this.accounts.createAgency(domain.id, agency.name, trusted.id);
    if (!made) {
      throw new AppError('SANDBOX_AGENCY_EXISTS', `${domain.name} has an agency ${agency.name}`);
    }
    this.changed();
    return {
      id: made.id,
      name: made.name,
      domain_id: domain.id,
      trust_domain_id: trusted.id,
      trust_domain_name: trusted.name,
      duration: 'FOREVER',
      expire_time: null,
      description: '',
      create_time: made.createTime,
    };
  }

  /** Accounts to be saved (a persistent sandbox). */
  exportAccounts(): SavedAccounts {
    return this.accounts.export();
  }

  /** Loads saved accounts; call before {@link restore}, which needs their projects. */
  importAccounts(saved: SavedAccounts): void {
    this.accounts.import(saved);
    for (const d of this.accounts.allDomains()) this.openProjects(d);
  }

  /** The SK of an AK, for the signature check. */
  secretOf(ak: string): string | undefined {
    return this.accounts.secretOf(ak);
  }

  /** The project, if the AK (permanent, or temporary acting in a domain) may use it. */
  projectFor(ak: string, projectId: string): ProjectState | undefined {
    return this.accounts.mayUse(ak, projectId) ? this.projects.get(projectId) : undefined;
  }

  inventory(): Inventory {
    return snapshot(this.projects.values(), (id) => this.hosts.has(id));
  }

  /** The sandbox host behind a server, if it is running. */
  hostOf(serverId: string): SandboxHost | undefined {
    return this.hosts.get(serverId);
  }

  /** Runs `fn` after `ms`, tracked so stop() can cancel it; 0 still yields to the event loop. */
  after(ms: number, fn: () => void | Promise<void>): void {
    const p = new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (this.stopping) return resolve();
        Promise.resolve()
          .then(fn)
          .catch(() => undefined)
          .then(() => this.changed())
          // A state file that cannot be written is retried with the next change.
          .catch(() => undefined)
          .finally(resolve);
      }, ms);
      this.timers.set(t, resolve);
    });
    this.track(p);
  }

  /** Waits `ms`, or less when the emulator stops meanwhile (a stop never waits for a build). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  /** Says the state changed (after a request that changes it, and after every job step). */
  changed(): void {
    if (!this.stopping) this.options.onChange?.();
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Marks a resource ready after the network delay (VPC OK, subnet ACTIVE). */
  activateLater(activate: () => void): void {
    if (this.delays.networkActiveMs <= 0) activate();
    else this.after(this.delays.networkActiveMs, activate);
  }

  newJob(project: ProjectState, type: string, subType: string, serverIds: string[]): JobRecord {
    const begin = jobTimeIso();
    const sub = (serverId: string): SubJobRecord => ({
      job_id: randomUUID().replace(/-/g, ''),
      job_type: subType,
      status: 'INIT',
      begin_time: begin,
      end_time: null,
      error_code: null,
      fail_reason: null,
      entities: { server_id: serverId },
    });
    const job: JobRecord = {
      job_id: randomUUID().replace(/-/g, ''),
      job_type: type,
      status: 'INIT',
      begin_time: begin,
      end_time: null,
      error_code: null,
      fail_reason: null,
      entities: {},
      sub_jobs: serverIds.map(sub),
    };
    project.jobs.set(job.job_id, job);
    return job;
  }

  private setJob(
    job: JobRecord | SubJobRecord,
    status: 'SUCCESS' | 'FAIL',
    fail?: [string, string],
  ) {
    job.status = status;
    job.end_time = jobTimeIso();
    if (fail) {
      job.error_code = fail[0];
      job.fail_reason = fail[1];
    }
  }

  /**
   * Runs a create-server job: INIT → RUNNING → each server built (or failed) → SUCCESS/FAIL. With
   * a job delay, the time from submission to the job's end is recorded as the account's wait.
   */
  runCreateJob(project: ProjectState, job: JobRecord, secrets: HostSecrets): void {
    const submittedMs = Date.now();
    const startMs = this.delays.jobStartMs;
    // Drawn at submission, so the draws follow the order in which jobs were asked for.
    const buildMs = this.draw(this.delays.serverBuildMs);
    this.after(startMs, async () => {
      job.status = 'RUNNING';
      for (const s of job.sub_jobs) s.status = 'RUNNING';
      await Promise.all(
        job.sub_jobs.map((sub) => this.buildServer(project, sub, secrets, buildMs)),
      );
      // Stopped meanwhile: the job stays unfinished, as a restart finds it (restore()).
      if (this.stopping) return;
      this.options.onServerBuilt?.();
      const failed = job.sub_jobs.find((s) => s.status === 'FAIL');
      if (failed) {
        this.setJob(job, 'FAIL', [failed.error_code ?? 'Ecs.0002', failed.fail_reason ?? 'failed']);
      } else this.setJob(job, 'SUCCESS');
      if (startMs + buildMs > 0) {
        this.recordWait({
          account: this.accountOfProject(project.id),
          kind: 'job',
          op: 'CreateServers',
          subject: job.job_id,
          startMs: submittedMs,
          endMs: Date.now(),
          plannedMs: startMs + buildMs,
        });
      }
    });
  }

  private async buildServer(
    project: ProjectState,
    sub: SubJobRecord,
    secrets: HostSecrets,
    buildMs: number,
  ): Promise<void> {
    const id = sub.entities.server_id ?? '';
    const server = project.servers.get(id);
    if (!server) return;
    const build = this.sleep(buildMs);
    if (this.faults.takeJobFailure()) {
      await build;
      // ECS rolls a failed creation back: the server is gone, the job says why.
      project.servers.delete(id);
      const reason = 'Create server failed: insufficient capacity in the availability zone';
      sub.entities.errorcode_message = reason;
      return this.setJob(sub, 'FAIL', ['Ecs.0015', reason]);
    }
    if (this.faults.takeServerError()) {
      await build;
      server.status = 'ERROR';
      server.updated = nowIso();
      server.fault = {
        code: 500,
        message: 'No valid host was found. There are not enough hosts available.',
        created: nowIso(),
        details: '',
      };
      return this.setJob(sub, 'SUCCESS');
    }
    // The host boots while the job runs; a boot delay counts from the end of the build, so its
    // sshd is told to wait for both (and the slow-boot fault on top).
    const bootMs = this.draw(this.delays.bootMs);
    const bootDelayMs = (bootMs > 0 ? buildMs + bootMs : 0) + this.faults.slowBootMs;
    try {
      const [host] = await Promise.all([
        startSandboxHost({
          id,
          hostname: server.name
            .toLowerCase()
            .replace(/[^a-z0-9-]/g, '-')
            .slice(0, 63),
          authorizedKeys: secrets.authorizedKeys,
          rootPassword: secrets.rootPassword,
          bootDelayMs: bootDelayMs > 0 ? bootDelayMs : undefined,
        }),
        build,
      ]);
      if (this.stopping || !project.servers.has(id)) {
        await host.stop();
        return;
      }
      // ECS shows an address inside the server's subnet; the host's link address stays internal.
      const subnet = project.subnets.get(server.subnetId);
      const ip = subnet
        ? await host.assignPrivateAddress(subnet.cidr, subnet.gateway_ip).catch(async (e) => {
            await host.stop();
            throw e;
          })
        : host.ip;
      if (this.stopping || !project.servers.has(id)) {
        await host.stop();
        return;
      }
      this.hosts.set(id, host);
      server.ip = ip;
      server.mac = host.mac;
      server.status = 'ACTIVE';
      server.updated = nowIso();
      server.launchedAt = new Date().toISOString();
      // EIPs bound to the port while the server was building reach it from now on.
      await attachServerEips(this, project, server);
      this.setJob(sub, 'SUCCESS');
      if (bootMs > 0) this.recordBoot(project, id, host, bootMs, bootDelayMs);
    } catch (e) {
      project.servers.delete(id);
      const reason = `sandbox host failed to start: ${(e as Error).message}`;
      this.setJob(sub, 'FAIL', ['Ecs.0002', reason]);
    }
  }

  /**
   * Records the boot of a server that became ACTIVE now: from now until its sshd listens (as the
   * host served it: a host whose set-up ran late boots late too, and the caller waits all the
   * same). A host that never gets there records nothing; its deployment fails on its own.
   */
  private recordBoot(
    project: ProjectState,
    serverId: string,
    host: SandboxHost,
    plannedMs: number,
    bootDelayMs: number,
  ): void {
    const startMs = Date.now();
    const account = this.accountOfProject(project.id);
    const watch = sshdListening(host.slot, bootDelayMs + 60_000, this.stopped.signal).then(
      () =>
        this.recordWait({
          account,
          kind: 'boot',
          op: 'boot',
          subject: serverId,
          startMs,
          endMs: Date.now(),
          plannedMs,
        }),
      () => undefined,
    );
    this.track(watch);
  }

  /**
   * Runs a delete job: stops each server's host and removes the server; its EIPs are unbound, or
   * released with it when the delete asked for `delete_publicip`.
   */
  runDeleteJob(
    project: ProjectState,
    job: JobRecord,
    options: { deletePublicip?: boolean } = {},
  ): void {
    const submittedMs = Date.now();
    const deleteMs = this.draw(this.delays.serverDeleteMs);
    this.after(this.delays.jobStartMs, async () => {
      job.status = 'RUNNING';
      await this.sleep(deleteMs);
      if (this.stopping) return;
      for (const sub of job.sub_jobs) {
        const id = sub.entities.server_id ?? '';
        await this.removeServer(project, id, options.deletePublicip === true);
        this.setJob(sub, 'SUCCESS');
      }
      this.setJob(job, 'SUCCESS');
      if (this.delays.jobStartMs + deleteMs > 0) {
        this.recordWait({
          account: this.accountOfProject(project.id),
          kind: 'delete',
          op: 'DeleteServers',
          subject: job.job_id,
          startMs: submittedMs,
          endMs: Date.now(),
          plannedMs: this.delays.jobStartMs + deleteMs,
        });
      }
    });
  }

  private async removeServer(
    project: ProjectState,
    id: string,
    releaseEips: boolean,
  ): Promise<void> {
    const server = project.servers.get(id);
    if (server) await detachServerEips(this, project, server, releaseEips);
    const host = this.hosts.get(id);
    // The subnet address is released first (stop releases it too, but last), and the server
    // leaves the API only once its host is down, so a 404 means nothing answers any more.
    if (host && server?.ip !== undefined && server.ip !== host.ip) {
      await host.releaseAddress(server.ip).catch(() => undefined);
    }
    await host?.stop();
    this.hosts.delete(id);
    project.servers.delete(id);
  }

  /** Puts an existing server into ERROR (a broken buyer server, for tests). */
  breakServer(serverId: string, message = 'Hypervisor failure'): boolean {
    for (const p of this.projects.values()) {
      const s: ServerRecord | undefined = p.servers.get(serverId);
      if (!s) continue;
      s.status = 'ERROR';
      s.fault = { code: 500, message, created: nowIso(), details: '' };
      this.changed();
      return true;
    }
    return false;
  }

  /** Every project's records, to be saved. */
  exportProjects(): SavedProject[] {
    return [...this.projects.values()].map((p) => ({
      id: p.id,
      vpcs: [...p.vpcs.values()],
      subnets: [...p.subnets.values()],
      securityGroups: [...p.securityGroups.values()],
      rules: [...p.rules.values()],
      servers: [...p.servers.values()],
      jobs: [...p.jobs.values()],
      clientTokens: [...p.clientTokens.entries()],
      eips: [...p.eips.values()],
      privateImages: [...p.privateImages.values()],
    }));
  }

  /** Where each running server's host is, to be saved. */
  exportHosts(): SavedHost[] {
    return [...this.hosts.entries()].map(([serverId, h]) => ({
      serverId,
      hostname: h.hostname,
      slot: h.slot,
      mac: h.mac,
    }));
  }

  /** Hands every host to a persistent sandbox's state file, so it outlives this process. */
  keepHosts(stateFile: string): void {
    for (const h of this.hosts.values()) h.keep(stateFile);
    keepEipClaims(this.projects.values(), stateFile);
  }

  /**
   * Loads saved records and takes over the hosts still running. A server whose host is gone
   * (this machine restarted) is in ERROR, as a cloud shows a server that lost its hypervisor. A
   * job the restart interrupted ends as a cloud's would: a creation fails and is rolled back, a
   * deletion is carried out.
   */
  restore(projects: SavedProject[], hosts: SavedHost[], stateFile: string): void {
    for (const saved of projects) {
      const p = this.projects.get(saved.id);
      if (!p) continue;
      for (const v of saved.vpcs) p.vpcs.set(v.id, v);
      for (const s of saved.subnets) p.subnets.set(s.id, s);
      for (const g of saved.securityGroups) p.securityGroups.set(g.id, g);
      for (const r of saved.rules) p.rules.set(r.id, r);
      for (const s of saved.servers) p.servers.set(s.id, s);
      for (const j of saved.jobs) p.jobs.set(j.job_id, j);
      for (const [token, seen] of saved.clientTokens) p.clientTokens.set(token, seen);
      for (const img of saved.privateImages ?? []) p.privateImages.set(img.id, img);
      for (const e of saved.eips ?? []) {
        // An address another sandbox took meanwhile cannot be ours again: that EIP is lost.
        if (adoptEipAddress(e.public_ip_address, stateFile)) p.eips.set(e.id, e);
      }
    }
    for (const saved of hosts) {
      const host = adoptSandboxHost({ ...saved, id: saved.serverId }, stateFile);
      if (host) this.hosts.set(saved.serverId, host);
    }
    for (const p of this.projects.values()) {
      for (const server of p.servers.values()) {
        if (server.status !== 'ACTIVE' || this.hosts.has(server.id)) continue;
        server.status = 'ERROR';
        server.updated = nowIso();
        server.fault = {
          code: 500,
          message: 'The sandbox host behind this server is gone (was this machine restarted?)',
          created: nowIso(),
          details: '',
        };
      }
      for (const job of p.jobs.values()) {
        if (job.status === 'SUCCESS' || job.status === 'FAIL') continue;
        // deleteServers: a job saved before the sandbox typed delete jobs as ECS does.
        if (job.job_type === 'deleteVMs' || job.job_type === 'deleteServers') {
          this.runDeleteJob(p, job);
          continue;
        }
        const reason = 'Create server failed: the sandbox cloud restarted during the build';
        for (const sub of job.sub_jobs) {
          if (sub.status === 'SUCCESS' || sub.status === 'FAIL') continue;
          p.servers.delete(sub.entities.server_id ?? '');
          sub.entities.errorcode_message = reason;
          this.setJob(sub, 'FAIL', ['Ecs.0015', reason]);
        }
        this.setJob(job, 'FAIL', ['Ecs.0015', reason]);
      }
    }
  }

  /**
   * Cancels pending work but leaves every host running (a persistent sandbox): `save` runs
   * once nothing is pending, with the hosts still listed, and then the handles are dropped.
   */
  async detach(save: () => void): Promise<void> {
    await this.cancelPending();
    save();
    this.hosts.clear();
  }

  /** Stops timers and waits until the work under way has ended. */
  private async cancelPending(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    for (const [t, resolve] of this.timers) {
      clearTimeout(t);
      resolve();
    }
    this.timers.clear();
    await Promise.allSettled([...this.pending]);
  }

  /** Cancels pending work and stops every host. */
  async stop(): Promise<void> {
    await this.cancelPending();
    const hosts = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.allSettled(hosts.map((h) => h.stop()));
    releaseEipClaims(this.projects.values());
  }
}
