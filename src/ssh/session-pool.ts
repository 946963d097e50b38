import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import type { SshSession } from './connect.js';

/**
 * A worker's pool of open SSH connections, one (or a few) per server, shared by the activities of
 * a deployment so that only the first one pays for a handshake. ssh2 multiplexes channels, so
 * several activities (exec, SFTP) can use one connection at once.
 */

/** What a pooled connection must match to be handed out; never holds a secret itself. */
export interface SessionKey {
  serverId: string;
  host: string;
  port: number;
  username: string;
  /**
   * Names the credentials that logged in (their references and a digest of what they resolved
   * to), so a connection authenticated with one credential never serves a request with another.
   */
  credentials: string;
  /** The pinned `SHA256:...` host key; undefined before first contact (then nothing matches). */
  hostKey?: string;
}

/** Tuning of one pool. */
export interface SessionPoolOptions {
  /** An unused connection closes after this long; default 60 s. */
  idleMs?: number;
  /** Connections kept in the pool; a new one beyond this is closed after its use. Default 32. */
  maxConnections?: number;
  /**
   * Activities sharing one connection; more open another connection to the same server. Each
   * may hold two channels at once (a command and its stop command), and OpenSSH's `MaxSessions`
   * defaults to 10 per connection. Default 4.
   */
  maxLeasesPerConnection?: number;
  /** Receives one line per connection event; fields name the server, never a credential. */
  log?: (message: string, fields: { serverId: string; host: string; port: number }) => void;
}

/** Counters for benchmarks and tests. */
export interface SessionPoolStats {
  /** Connections the pool opened (each a full SSH handshake). */
  handshakes: number;
  /** Leases served by a connection that was already open (or being opened by another lease). */
  reuses: number;
  /** Connections in the pool now (leased or idle). */
  open: number;
  /** Leases held now. */
  leased: number;
  /** Connections taken out after a failed or cancelled use. */
  discarded: number;
  /** Connections that closed, ended or failed on their own (server gone, link dead). */
  dropped: number;
  /** Connections closed after their idle time. */
  idleClosed: number;
}

/** One use of a connection; release it exactly once (further calls do nothing). */
export interface SessionLease {
  readonly session: SshSession;
  /** True when no handshake was made for this lease. */
  readonly reused: boolean;
  /**
   * Gives the connection back. With `discard`, nobody is handed it again, and it closes once the
   * last lease on it is released.
   */
  release(options?: { discard?: boolean }): void;
}

/** Acquire/release of shared SSH connections; built once per worker. */
export interface SshSessionPool {
  /**
   * Leases an open connection matching `key`, or one being opened for it, or opens a new one with
   * `connect`. `connect` must check the host key (and pin it at first contact); only a
   * connection it returns is pooled, under the host key it presented.
   */
  acquire(key: SessionKey, connect: () => Promise<SshSession>): Promise<SessionLease>;
  stats(): SessionPoolStats;
  /** Closes every connection; later leases get connections of their own, closed after use. */
  close(): void;
}

interface Entry {
  /** Map key it is listed under: the lookup key while connecting, then the connected key. */
  id: string;
  label: { serverId: string; host: string; port: number };
  ready: Promise<SshSession>;
  session?: SshSession;
  leases: number;
  /** Listed in the pool, so it may be handed out. */
  listed: boolean;
  /** The connection closed, ended or failed on its own. */
  dead: boolean;
  idleTimer?: NodeJS.Timeout;
  lastUsed: number;
}

/** The map key: a digest, so even the credential digests are not kept in the clear. */
function idOf(key: SessionKey): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        key.serverId,
        key.host,
        key.port,
        key.username,
        key.credentials,
        key.hostKey ?? null,
      ]),
    )
    .digest('hex');
}

const digest = (secret: string | undefined) =>
  secret === undefined ? null : createHash('sha256').update(secret).digest('hex');

/**
 * The `credentials` part of a SessionKey: the references used and a digest of what each resolved
 * to, so a secret replaced behind the same reference gets a new connection too.
 */
export function credentialIdentity(c: {
  privateKeyRef?: string;
  privateKey?: string;
  passwordRef?: string;
  password?: string;
}): string {
  return JSON.stringify([
    c.privateKeyRef ?? null,
    digest(c.privateKey),
    c.passwordRef ?? null,
    digest(c.password),
  ]);
}

/**
 * Whether a connection stays fit for others after its activity failed with `err`: only when the
 * command itself failed (a non-zero exit, a timeout, a bad path: non-retryable AppErrors). Lost
 * links, refused channels, cancellations and unknown errors retire it, so the retry starts on a
 * fresh connection.
 */
export function connectionSurvives(err: unknown): boolean {
  return err instanceof AppError && !err.retryable && err.code !== 'CANCELLED';
}

/** Builds a pool (see SshSessionPool). */
export function createSshSessionPool(options: SessionPoolOptions = {}): SshSessionPool {
  const idleMs = options.idleMs ?? 60_000;
  const maxConnections = options.maxConnections ?? 32;
  const maxLeases = options.maxLeasesPerConnection ?? 4;
  const log = options.log ?? (() => undefined);
  const lists = new Map<string, Entry[]>();
  const counters = { handshakes: 0, reuses: 0, leased: 0, discarded: 0, dropped: 0, idleClosed: 0 };
  let closed = false;

  const listed = (): Entry[] => [...lists.values()].flat();

  function unlist(entry: Entry): void {
    if (!entry.listed) return;
    entry.listed = false;
    const list = lists.get(entry.id) ?? [];
    const rest = list.filter((e) => e !== entry);
    if (rest.length > 0) lists.set(entry.id, rest);
    else lists.delete(entry.id);
  }

  function list(entry: Entry, id: string): void {
    entry.id = id;
    entry.listed = true;
    lists.set(id, [...(lists.get(id) ?? []), entry]);
  }

  function shut(entry: Entry): void {
    unlist(entry);
    clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    entry.session?.close();
  }

  /** Makes room for one more connection: closes the longest-idle one, if any is idle. */
  function makeRoom(): boolean {
    const connected = listed().filter((e) => e.session);
    if (connected.length < maxConnections) return true;
    const idle = connected.filter((e) => e.leases === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    const oldest = idle[0];
    if (!oldest) return false;
    log('ssh connection closed to make room', oldest.label);
    shut(oldest);
    return true;
  }

  function onGone(entry: Entry): void {
    if (entry.dead) return;
    entry.dead = true;
    if (entry.listed) {
      counters.dropped++;
      log('ssh connection dropped', entry.label);
    }
    shut(entry);
  }

  function leaseOf(entry: Entry, session: SshSession, reused: boolean): SessionLease {
    let released = false;
    counters.leased++;
    return {
      session,
      reused,
      release(opts = {}) {
        if (released) return;
        released = true;
        counters.leased--;
        entry.leases--;
        entry.lastUsed = Date.now();
        if (opts.discard && entry.listed) {
          counters.discarded++;
          log('ssh connection discarded', entry.label);
          unlist(entry);
        }
        if (entry.leases > 0) return;
        if (!entry.listed) {
          shut(entry);
          return;
        }
        // unref: an idle connection's timer must never hold a process open by itself.
        entry.idleTimer = setTimeout(() => {
          counters.idleClosed++;
          log('ssh connection closed after idle time', entry.label);
          shut(entry);
        }, idleMs);
        entry.idleTimer.unref();
      },
    };
  }

  /** A listed entry for `id` that can take one more lease. */
  function pick(id: string): Entry | undefined {
    return (lists.get(id) ?? []).find((e) => e.leases < maxLeases);
  }

  async function connectNew(
    key: SessionKey,
    id: string,
    connect: () => Promise<SshSession>,
  ): Promise<SessionLease> {
    const entry: Entry = {
      id,
      label: { serverId: key.serverId, host: key.host, port: key.port },
      ready: connect(),
      leases: 1,
      listed: false,
      dead: false,
      lastUsed: Date.now(),
    };
    // Listed while connecting, so concurrent leases for the same server wait for this one.
    if (!closed) list(entry, id);
    let session: SshSession;
    try {
      session = await entry.ready;
    } catch (err) {
      unlist(entry);
      throw err;
    }
    counters.handshakes++;
    entry.session = session;
    const gone = () => onGone(entry);
    session.client.on('close', gone);
    session.client.on('end', gone);
    session.client.on('error', gone);
    unlist(entry);
    // Pooled under the key it actually presented; `connect` has checked it against the pin.
    const pinned = key.hostKey === undefined || key.hostKey === session.hostKey;
    if (!closed && pinned && makeRoom()) {
      list(entry, idOf({ ...key, hostKey: session.hostKey }));
      log('ssh connection opened', entry.label);
    }
    return leaseOf(entry, session, false);
  }

  return {
    async acquire(key, connect) {
      const id = idOf(key);
      const entry = pick(id);
      if (entry) {
        entry.leases++;
        clearTimeout(entry.idleTimer);
        entry.idleTimer = undefined;
        try {
          const session = await entry.ready;
          if (!entry.dead) {
            counters.reuses++;
            return leaseOf(entry, session, true);
          }
        } catch {
          // The connection another lease was opening failed: open one of our own below.
        }
        entry.leases--;
      }
      return connectNew(key, id, connect);
    },

    stats() {
      return { ...counters, open: listed().filter((e) => e.session).length };
    },

    close() {
      closed = true;
      for (const entry of listed()) shut(entry);
    },
  };
}
