import { Client, type ConnectConfig } from 'ssh2';
import { AppError } from '../errors.js';
import { hostKeyFingerprint, hostKeyMismatch } from './host-key.js';
import { waitForPortOpen } from './port-probe.js';

/** Where and as whom to log in. The password or key never reaches a log line or error message. */
export interface SshTarget {
  host: string;
  port?: number;
  username: string;
  /** The per-deployment private key (OpenSSH or PEM). */
  privateKey?: string | Buffer;
  /** The buyer's root password, when no key was installed. */
  password?: string;
  /** Pinned `SHA256:...` fingerprint; a different key fails with HOST_KEY_MISMATCH. */
  expectedHostKey?: string;
  /** Names the server in errors (the cloud server id); defaults to host:port. */
  serverId?: string;
}

/** Connection tuning; the defaults suit a cloud server across the internet. */
export interface SshConnectOptions {
  /** Covers TCP connect, key exchange and authentication of one attempt. */
  readyTimeoutMs?: number;
  /** Keepalive keeps middleboxes from dropping a quiet installer run and detects a dead link. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

/** One open SSH connection and the host key it presented. */
export interface SshSession {
  readonly client: Client;
  /** `SHA256:...` of the key the server presented on this connection. */
  readonly hostKey: string;
  readonly serverId: string;
  /** Ends the connection; safe to call twice. */
  close(): void;
}

// AES-GCM first: ssh2 does it through Node's OpenSSL with AES-NI, the fastest cipher it has
// (chacha20 runs in ssh2's optional native binding or in JavaScript).
const CIPHERS: NonNullable<NonNullable<ConnectConfig['algorithms']>['cipher']> = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes256-ctr',
  'chacha20-poly1305@openssh.com',
];

function targetName(t: SshTarget): string {
  return t.serverId ?? `${t.host}:${t.port ?? 22}`;
}

/** ssh2 tags its errors with a `level`; it tells a refused socket from a refused login. */
function errorLevel(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'level' in err ? String(err.level) : undefined;
}

/** Maps an ssh2 connection error onto an AppError without copying anything secret. */
export function classifyConnectError(err: unknown, target: SshTarget): AppError {
  if (err instanceof AppError) return err;
  const name = targetName(target);
  const level = errorLevel(err);
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const reason = err instanceof Error ? err.message : String(err);
  if (level === 'client-authentication') {
    return new AppError(
      'SSH_AUTH_FAILED',
      `authentication to ${name} as ${target.username} failed`,
      {
        retryable: true,
        context: { serverId: name },
      },
    );
  }
  // Socket, timeout and DNS failures are what a booting server looks like: retry them.
  return new AppError('SSH_UNREACHABLE', `cannot reach SSH on ${name}: ${code || reason}`, {
    retryable: true,
    context: { serverId: name, level, code },
  });
}

/** Opens one SSH connection with a fresh client; the caller must `close()` it. */
export function connectSsh(
  target: SshTarget,
  options: SshConnectOptions = {},
): Promise<SshSession> {
  if (!target.privateKey && !target.password) {
    return Promise.reject(
      new AppError('SSH_NO_CREDENTIALS', `no private key or password for ${targetName(target)}`),
    );
  }
  const client = new Client();
  let presented: string | undefined;
  let mismatch = false;
  const config: ConnectConfig = {
    host: target.host,
    port: target.port ?? 22,
    username: target.username,
    privateKey: target.privateKey,
    password: target.password,
    readyTimeout: options.readyTimeoutMs ?? 20_000,
    keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: options.keepaliveCountMax ?? 3,
    algorithms: { cipher: CIPHERS },
    // Without a verifier ssh2 accepts any key; this one records it and enforces the pin.
    hostVerifier: (key: Buffer) => {
      presented = hostKeyFingerprint(key);
      mismatch = target.expectedHostKey !== undefined && presented !== target.expectedHostKey;
      return !mismatch;
    },
  };
  return new Promise<SshSession>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      client.end();
      if (mismatch) {
        reject(hostKeyMismatch(targetName(target), target.expectedHostKey ?? '', presented ?? ''));
      } else {
        reject(classifyConnectError(err, target));
      }
    };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      client.removeListener('error', fail);
      // Later transport errors (a dead link) surface on the channel in use; keep one listener so
      // an 'error' event never crashes the process.
      client.on('error', () => undefined);
      let closed = false;
      resolve({
        client,
        hostKey: presented ?? '',
        serverId: targetName(target),
        close() {
          if (closed) return;
          closed = true;
          client.end();
          client.destroy();
        },
      });
    });
    client.on('error', fail);
    client.once('close', () => fail(new Error('connection closed before ready')));
    try {
      client.connect(config);
      // Packets go out as ssh2 writes them (each a full SSH packet already): Nagle only delays
      // them, and a push spends less wall time and worker CPU without it (bench/push-throughput).
      client.setNoDelay(true);
    } catch (err) {
      fail(err);
    }
  });
}

/** How long to keep trying a server that may still be booting. */
export interface WaitForSshOptions extends SshConnectOptions {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  /**
   * Epoch ms until which authentication failures are retried too (cloud-init may not have
   * written `authorized_keys` yet); after it they are final. Defaults to `deadline`.
   */
  authRetryUntil?: number;
  /** Pause between attempts. */
  retryDelayMs?: number;
  /** How often a refusing port is tried with a bare TCP connect (src/ssh/port-probe.ts). */
  probeIntervalMs?: number;
  signal?: AbortSignal;
  /** Called before each attempt (the activity heartbeats here). */
  onAttempt?: (attempt: number, lastError?: AppError) => void;
  now?: () => number;
}

function abortError(): AppError {
  return new AppError('CANCELLED', 'cancelled', { retryable: false });
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Connects to a server that may still be booting: a fresh client per attempt, retrying refused,
 * reset and timed-out connections until `deadline` (a refused one as soon as its port accepts),
 * and authentication failures until `authRetryUntil`. A host-key mismatch is final at once.
 */
export async function waitForSsh(
  target: SshTarget,
  options: WaitForSshOptions,
): Promise<SshSession> {
  const now = options.now ?? Date.now;
  const authRetryUntil = options.authRetryUntil ?? options.deadline;
  const delay = options.retryDelayMs ?? 2_000;
  let lastError: AppError | undefined;
  let probedOpen = false;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw abortError();
    options.onAttempt?.(attempt, lastError);
    try {
      return await connectSsh(target, options);
    } catch (err) {
      const e = classifyConnectError(err, target);
      if (!e.retryable) throw e;
      if (e.code === 'SSH_AUTH_FAILED' && now() >= authRetryUntil) {
        throw new AppError('SSH_AUTH_FAILED', e.message, { retryable: false, context: e.context });
      }
      lastError = e;
      // A refused connection is a server whose sshd does not listen yet: watch its port with bare
      // connects, and try SSH again as soon as it accepts. Once only in a row: a port that accepts
      // and then refuses SSH (a restarting sshd) waits the full pause.
      if (e.context?.code === 'ECONNREFUSED' && !probedOpen) {
        probedOpen = await waitForPortOpen(target.host, target.port ?? 22, {
          until: options.deadline,
          intervalMs: options.probeIntervalMs,
          signal: options.signal,
          onWait: () => options.onAttempt?.(attempt, e),
          now,
        }).catch((err: unknown) => {
          throw options.signal?.aborted ? abortError() : err;
        });
        if (!probedOpen) throw e;
        continue;
      }
      probedOpen = false;
      if (now() + delay >= options.deadline) throw e;
      await pause(delay, options.signal);
    }
  }
}
