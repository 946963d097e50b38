import type { Context } from '@temporalio/activity';
import { AppError } from '../src/errors.js';
import { currentContext, mappingFailures } from './failures.js';
import type { DeploymentStep, LiveHeartbeat, StepMark } from '../src/domain/deployment.js';
import type { PackageStore } from '../src/packages/store.js';
import {
  waitForSsh,
  type SshConnectOptions,
  type SshSession,
  type SshTarget,
} from '../src/ssh/connect.js';
import { runChecked, runCommand } from '../src/ssh/exec.js';
import { collectFingerprint as collectOverSsh } from '../src/ssh/fingerprint-collector.js';
import { hostKeyMismatch, type HostKeyPins } from '../src/ssh/host-key.js';
import { pushFile, type PushMethod, type PushResult } from '../src/ssh/push.js';
import { pullFile } from '../src/ssh/pull.js';
import {
  connectionSurvives,
  createSshSessionPool,
  credentialIdentity,
  type SessionKey,
  type SessionLease,
  type SshSessionPool,
} from '../src/ssh/session-pool.js';
import { writeRemoteFile } from '../src/ssh/write-file.js';
import { shellQuote } from '../src/ssh/shell-quote.js';
import {
  LIVE_TAIL_BYTES,
  RedactedTail,
  Redactor,
  secretVariableValues,
  TransferRate,
} from './live-progress.js';

/**
 * Delivery activities: connect to the server, push the package, run the installer and the verify
 * command, write the license file, read the hardware fingerprint. Credentials travel as
 * references resolved here, so no password or key reaches workflow history; every activity checks
 * the server's host key against the pin recorded at first contact.
 */

/** What the activities need; the worker builds these once. */
export interface DeliveryDeps {
  store: PackageStore;
  hostKeys: HostKeyPins;
  /** Resolves a secret reference (SSH private key, the buyer's root password, a license). */
  resolveSecret: (ref: string) => Promise<string | undefined>;
  /** Connection tuning (keepalive, ready timeout); defaults suit the internet. */
  ssh?: SshConnectOptions;
  /** Push method; unset: `sftp` for a store with local files, else `stream` (see bench/). */
  pushMethod?: PushMethod;
  /**
   * Open connections shared by the activities, one per server, so a deployment pays for one
   * handshake; the worker closes it at shutdown. Unset: a pool of this factory's own.
   */
  sessions?: SshSessionPool;
  /** Issues an order's license and hands over its text, for `deliverLicense`. */
  licenses?: LicenseIssuer;
  /** Told the package bytes this worker sent to a server (the `/metrics` counter). */
  onPackageBytesSent?: (bytes: number) => void;
  /**
   * `pull` (the default): when the store can presign a URL, the server downloads its package
   * itself, and a push follows only when it cannot; `push`: always push over SSH.
   */
  packageDelivery?: 'pull' | 'push';
  /** How long a presigned package URL stays valid; default 15 minutes (the download starts at once). */
  pullUrlTtlSeconds?: number;
  /** Told why a server could not pull, before the push that replaces it. */
  onPullRefused?: (fields: { serverId: string; reason: string; tail: string }) => void;
}

/** What a package delivery did: a push's result, and whether the server pulled it instead. */
export type PackageDeliveryResult = PushResult & {
  via: 'pull' | 'push';
  /** Why the server could not pull, when a push replaced the pull. */
  pullRefused?: string;
};

/** Issues (idempotently, per order) the license a deployment writes to its server. */
export interface LicenseIssuer {
  issue(request: {
    orderRef: string;
    model: 'license2' | 'license1';
    fingerprint?: string;
  }): Promise<{ licenseId: string; text: string }>;
  /** The license is on the server now (License 2.0: the code counts as claimed). */
  handedOver(license: { licenseId: string; model: 'license2' | 'license1' }): Promise<void>;
}

/** How to reach one server, with credentials by reference only. */
export interface SshEndpoint {
  /** The cloud server id (or the buyer's server id): the host-key pin is kept under it. */
  serverId: string;
  host: string;
  port?: number;
  username: string;
  /** Reference to the per-deployment private key. */
  privateKeyRef?: string;
  /** Reference to the buyer's root password. */
  passwordRef?: string;
}

const SERVER_PATH_RE = /^\/[^\0]*[^/]$/;

function checkRemotePath(p: string, what: string): void {
  if (typeof p !== 'string' || !SERVER_PATH_RE.test(p)) {
    throw new AppError('INVALID_REMOTE_PATH', `${what} must be an absolute file path`);
  }
}

/**
 * Heartbeats at most every LIVE_HEARTBEAT_MS (the latest details win; a call in between is sent
 * when the interval ends), and again every few seconds while a step is quiet. Details are a
 * function, evaluated only when a heartbeat is sent (an output tail costs a redaction pass).
 */
interface Beat {
  (details: () => object): void;
  signal: AbortSignal | undefined;
  stop(): void;
}

/**
 * About four heartbeats a second at most: enough for a live progress bar, while Temporal's own
 * throttle (the worker's maxHeartbeatThrottleInterval) decides how often they reach the server.
 */
export const LIVE_HEARTBEAT_MS = 250;
const QUIET_HEARTBEAT_MS = 5_000;

function heartbeater(ctx: Context | undefined): Beat {
  let last: object = {};
  let next: (() => object) | undefined;
  let sentAt = 0;
  let trailing: NodeJS.Timeout | undefined;
  const send = () => {
    clearTimeout(trailing);
    trailing = undefined;
    if (next) last = next();
    next = undefined;
    sentAt = Date.now();
    ctx?.heartbeat(last);
  };
  // A probe hashing a large file or a quiet installer sends nothing for a while; the ticker keeps
  // the heartbeat timeout from firing and lets a cancellation through.
  const ticker = ctx
    ? setInterval(() => {
        if (Date.now() - sentAt >= LIVE_HEARTBEAT_MS) send();
      }, QUIET_HEARTBEAT_MS)
    : undefined;
  const beat = ((details: () => object) => {
    if (!ctx) return;
    next = details;
    if (trailing) return;
    const wait = sentAt + LIVE_HEARTBEAT_MS - Date.now();
    if (wait <= 0) send();
    else trailing = setTimeout(send, wait);
  }) as Beat;
  beat.signal = ctx?.cancellationSignal;
  beat.stop = () => {
    clearInterval(ticker);
    // The latest details (a push's last bytes) still go out while the activity runs.
    if (trailing) send();
  };
  return beat;
}

/** The step a delivery activity reports progress for: its mark's, else the usual one. */
const stepOf = (mark: StepMark | undefined, usual: DeploymentStep): DeploymentStep =>
  mark?.step ?? usual;

/** Factory for the delivery activities (see DeliveryDeps). */
export function createDeliveryActivities(deps: DeliveryDeps) {
  const sessions = deps.sessions ?? createSshSessionPool();

  async function targetOf(endpoint: SshEndpoint): Promise<{ target: SshTarget; key: SessionKey }> {
    const [privateKey, password, expectedHostKey] = await Promise.all([
      endpoint.privateKeyRef ? deps.resolveSecret(endpoint.privateKeyRef) : undefined,
      endpoint.passwordRef ? deps.resolveSecret(endpoint.passwordRef) : undefined,
      deps.hostKeys.get(endpoint.serverId),
    ]);
    if (!privateKey && !password) {
      throw new AppError('SSH_NO_CREDENTIALS', `no credentials resolve for ${endpoint.serverId}`);
    }
    const target: SshTarget = {
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      privateKey,
      password,
      serverId: endpoint.serverId,
      expectedHostKey,
    };
    const key: SessionKey = {
      serverId: endpoint.serverId,
      host: endpoint.host,
      port: endpoint.port ?? 22,
      username: endpoint.username,
      credentials: credentialIdentity({ ...endpoint, privateKey, password }),
      hostKey: expectedHostKey,
    };
    return { target, key };
  }

  /**
   * Leases the server's pooled connection, or connects (retrying briefly), pins the key at first
   * contact and fails on a changed key; only a connection that passed this check is pooled.
   */
  async function open(
    endpoint: SshEndpoint,
    window: { deadlineMs: number; authRetryMs?: number; retryDelayMs?: number },
  ): Promise<{ lease: SessionLease; target: SshTarget }> {
    const ctx = currentContext();
    const { target, key } = await targetOf(endpoint);
    const lease = await sessions.acquire(key, async () => {
      const now = Date.now();
      const session = await waitForSsh(target, {
        ...deps.ssh,
        deadline: now + window.deadlineMs,
        authRetryUntil: now + (window.authRetryMs ?? 0),
        retryDelayMs: window.retryDelayMs,
        signal: ctx?.cancellationSignal,
        onAttempt: (attempt, last) => ctx?.heartbeat({ attempt, last: last?.code }),
      });
      if (target.expectedHostKey === undefined) {
        const pinned = await deps.hostKeys.pinIfAbsent(endpoint.serverId, session.hostKey);
        if (pinned !== session.hostKey) {
          session.close();
          throw hostKeyMismatch(endpoint.serverId, pinned, session.hostKey);
        }
      }
      return session;
    });
    return { lease, target };
  }

  /**
   * Runs `fn` on the server's connection with a heartbeater; `fn` also gets the credentials the
   * endpoint resolved to (secrets the activity must keep out of what it reports).
   */
  async function withSession<T>(
    endpoint: SshEndpoint,
    fn: (session: SshSession, beat: Beat, credentials: string[]) => Promise<T>,
  ): Promise<T> {
    const beat = heartbeater(currentContext());
    try {
      const { lease, target } = await open(endpoint, { deadlineMs: 30_000, retryDelayMs: 2_000 });
      const credentials = [target.password, target.privateKey].filter(
        (v): v is string => v !== undefined,
      );
      let keep = false;
      try {
        const result = await fn(lease.session, beat, credentials);
        keep = true;
        return result;
      } catch (e) {
        keep = connectionSurvives(e);
        throw e;
      } finally {
        // A lost link, a refused channel or a cancelled command retires the connection, so the
        // retry (and every other activity) gets a fresh one; activities still on it finish first.
        lease.release({ discard: !keep || beat.signal?.aborted === true });
      }
    } finally {
      beat.stop();
    }
  }

  return mappingFailures({
    /**
     * Waits for SSH on a server that may still be booting. Retries refused and timed-out
     * connections for `waitSeconds`, authentication failures for `authRetrySeconds` (cloud-init
     * may not have written the key yet); pins the host key on first contact. Returns the pin.
     */
    async waitForSsh(input: {
      endpoint: SshEndpoint;
      waitSeconds?: number;
      authRetrySeconds?: number;
      mark?: StepMark;
    }): Promise<{ hostKey: string }> {
      // The connection stays in the pool for the activities that follow.
      const { lease } = await open(input.endpoint, {
        deadlineMs: (input.waitSeconds ?? 300) * 1000,
        authRetryMs: (input.authRetrySeconds ?? 120) * 1000,
        retryDelayMs: 2_000,
      });
      lease.release();
      return { hostKey: lease.session.hostKey };
    },

    /**
     * Delivers a stored package to `remotePath`, heartbeating the bytes on the server, the size
     * and the rate (a LiveHeartbeat). When the store can presign a URL the server downloads it
     * itself (OneClick sends no bytes); otherwise, or when the server cannot, it is pushed. Either
     * way it is skipped when the server already has it, resumed after a broken attempt, and checked
     * by sha256 on the server.
     */
    async pushPackage(input: {
      endpoint: SshEndpoint;
      storageKey: string;
      sha256: string;
      sizeBytes: number;
      remotePath: string;
      /** Overrides the worker's push method for this push (and skips pulling). */
      method?: PushMethod;
      mark?: StepMark;
    }): Promise<PackageDeliveryResult> {
      checkRemotePath(input.remotePath, 'remotePath');
      const stat = await deps.store.stat(input.storageKey);
      if (!stat) {
        throw new AppError('PACKAGE_NOT_FOUND', `package ${input.storageKey} is not in the store`);
      }
      if (stat.sizeBytes !== input.sizeBytes) {
        throw new AppError('PACKAGE_SIZE_MISMATCH', 'stored package size differs from its record');
      }
      const step = stepOf(input.mark, 'push');
      const rate = new TransferRate();
      let bytesOnServer = 0;
      const progress = (): LiveHeartbeat => {
        const now = Date.now();
        const bytesPerSecond = rate.note(bytesOnServer, now);
        return {
          step,
          bytesSent: bytesOnServer,
          totalBytes: input.sizeBytes,
          ...(bytesPerSecond !== undefined && { bytesPerSecond: Math.round(bytesPerSecond) }),
          at: new Date(now).toISOString(),
        };
      };
      const presign = deps.store.presignGet?.bind(deps.store);
      const tryPull = presign && !input.method && (deps.packageDelivery ?? 'pull') === 'pull';
      return withSession(input.endpoint, async (session, beat) => {
        const onProgress = (bytes: number) => {
          bytesOnServer = bytes;
          beat(progress);
        };
        let pullRefused: string | undefined;
        if (tryPull) {
          // Made here, in the activity, so the URL never enters workflow history.
          const url = await presign(input.storageKey, deps.pullUrlTtlSeconds ?? 900);
          const pulled = await pullFile(
            session,
            { url, sha256: input.sha256, sizeBytes: input.sizeBytes },
            { remotePath: input.remotePath, signal: beat.signal, onProgress },
          );
          if (pulled.pulled) return { ...pulled.result, via: 'pull' as const };
          pullRefused = pulled.reason;
          deps.onPullRefused?.({
            serverId: session.serverId,
            reason: pulled.reason,
            tail: pulled.tail,
          });
        }
        const pushed = await pushFile(
          session,
          {
            sha256: input.sha256,
            sizeBytes: input.sizeBytes,
            open: (start) => deps.store.open(input.storageKey, { start }),
            localPath: deps.store.localPath?.(input.storageKey),
          },
          {
            remotePath: input.remotePath,
            method: input.method ?? deps.pushMethod,
            signal: beat.signal,
            onProgress,
          },
        );
        deps.onPackageBytesSent?.(pushed.bytesSent);
        return { ...pushed, via: 'push' as const, ...(pullRefused && { pullRefused }) };
      });
    },

    /**
     * Runs the product's installer with INSTALL_DIR, LICENSE_FILE and the product's variables;
     * returns the exit code and output tail, or fails (non-retryable) with the tail.
     */
    async runInstaller(input: RemoteCommandInput): Promise<RemoteCommandResult> {
      return runRemote(input, 'installer', 'install');
    },

    /** Runs the product's verify command the same way as the installer. */
    async runVerify(input: RemoteCommandInput): Promise<RemoteCommandResult> {
      return runRemote(input, 'verify command', 'verify');
    },

    /**
     * Writes the license (content resolved from `contentRef`) atomically with mode 0600, so the
     * license never enters workflow history.
     */
    async writeLicenseFile(input: {
      endpoint: SshEndpoint;
      remotePath: string;
      contentRef: string;
    }): Promise<{ bytes: number }> {
      checkRemotePath(input.remotePath, 'remotePath');
      const content = await deps.resolveSecret(input.contentRef);
      if (content === undefined) {
        throw new AppError('LICENSE_NOT_FOUND', 'the license reference resolves to nothing');
      }
      await withSession(input.endpoint, (session, beat) =>
        writeRemoteFile(session, input.remotePath, content, { signal: beat.signal }),
      );
      return { bytes: Buffer.byteLength(content) };
    },

    /**
     * Takes OneClick's per-deployment key off the server (root's authorized_keys) once the
     * software is delivered: OneClick keeps no way into a buyer's server it no longer needs.
     * Matched by the key's own base64 blob; other keys and the file's mode are left as they are.
     */
    async removeDeploymentKey(input: {
      endpoint: SshEndpoint;
      publicKey: string;
      mark?: StepMark;
    }): Promise<{ removed: boolean }> {
      const blob = input.publicKey.trim().split(/\s+/)[1];
      if (!blob || !/^[A-Za-z0-9+/=]+$/.test(blob)) {
        throw new AppError('INVALID_PUBLIC_KEY', 'the deployment key is not an OpenSSH public key');
      }
      const script =
        'f="$HOME/.ssh/authorized_keys"; [ -f "$f" ] || { echo absent; exit 0; }; ' +
        `if grep -qF ${shellQuote(blob)} "$f"; then ` +
        `grep -vF ${shellQuote(blob)} "$f" > "$f.oneclick" || true; ` +
        'chmod 600 "$f.oneclick" && mv "$f.oneclick" "$f" && echo removed; else echo absent; fi';
      const result = await withSession(input.endpoint, (session, beat) =>
        runChecked(session, script, {
          what: 'key removal',
          timeoutMs: 30_000,
          tailBytes: 256,
          signal: beat.signal,
        }),
      );
      return { removed: result.tail.includes('removed') };
    },

    /** Reads the server's KooGallery hardware fingerprint over SSH. */
    async collectFingerprint(input: {
      endpoint: SshEndpoint;
      mark?: StepMark;
    }): Promise<{ fingerprint: string }> {
      const { fingerprint } = await withSession(input.endpoint, (session, beat) =>
        collectOverSsh(session, { signal: beat.signal }),
      );
      return { fingerprint };
    },

    /**
     * Issues the order's license (the License 2.0 code, or a License 1.0 license bound to the
     * fingerprint) and writes it to the server atomically with mode 0600, in one activity.
     * Issuing is idempotent per order, so a retry writes the same license; the text never leaves
     * this activity: history holds the license id only.
     */
    async deliverLicense(input: {
      endpoint: SshEndpoint;
      orderRef: string;
      model: 'license2' | 'license1';
      fingerprint?: string;
      remotePath: string;
      mark?: StepMark;
    }): Promise<{ licenseId: string; remotePath: string; bytes: number }> {
      checkRemotePath(input.remotePath, 'remotePath');
      if (!deps.licenses) {
        throw new AppError('INTERNAL', 'delivery activities built without a license issuer');
      }
      const { licenseId, text } = await deps.licenses.issue(input);
      await withSession(input.endpoint, (session, beat) =>
        writeRemoteFile(session, input.remotePath, text, { signal: beat.signal }),
      );
      await deps.licenses.handedOver({ licenseId, model: input.model });
      return { licenseId, remotePath: input.remotePath, bytes: Buffer.byteLength(text) };
    },
  });

  /**
   * Runs the installer or verify command, heartbeating the tail of its output as it comes. Every
   * secret the activity knows (the server's password and key, the license file on the server,
   * variables named like secrets) is replaced by `[redacted]` in the heartbeats, the returned tail
   * and the failure message, so none reaches workflow history, the logs or the API.
   */
  async function runRemote(
    input: RemoteCommandInput,
    what: string,
    usualStep: DeploymentStep,
  ): Promise<RemoteCommandResult> {
    if (typeof input.command !== 'string' || input.command.trim() === '') {
      throw new AppError('INVALID_COMMAND', `the ${what} is empty`);
    }
    const env: Record<string, string> = { ...input.variables };
    if (input.installDir !== undefined) env.INSTALL_DIR = input.installDir;
    if (input.licenseFile !== undefined) env.LICENSE_FILE = input.licenseFile;
    const step = stepOf(input.mark, usualStep);
    const tailBytes = input.tailBytes ?? 8 * 1024;
    return withSession(input.endpoint, async (session, beat, credentials) => {
      const license = await readLicense(session, input.licenseFile, beat.signal);
      const redactor = new Redactor([
        ...credentials,
        ...(license === undefined ? [] : [license]),
        ...secretVariableValues(input.variables),
      ]);
      const output = new RedactedTail(redactor, Math.max(tailBytes, LIVE_TAIL_BYTES));
      const live = (): LiveHeartbeat => ({
        step,
        outputBytes: output.total,
        outputTail: output.text(LIVE_TAIL_BYTES, { live: true }),
        at: new Date().toISOString(),
      });
      const tail = () => {
        const { text, dropped } = output.render(tailBytes, { live: false });
        return dropped > 0 ? `[…${dropped} bytes dropped]\n${text}` : text;
      };
      let result;
      try {
        result = await runChecked(session, input.command, {
          what,
          env,
          timeoutMs: (input.timeoutSeconds ?? 1800) * 1000,
          // The tail is kept here, redacted; runChecked's own would be in clear.
          tailBytes: 0,
          signal: beat.signal,
          onOutput: (chunk) => {
            output.push(chunk);
            beat(live);
          },
        });
      } catch (err) {
        throw redactedFailure(err, tail(), redactor);
      }
      return { exitCode: result.exitCode ?? 0, tail: tail(), outputBytes: result.outputBytes };
    });
  }
}

/** Largest license file read back to redact (a License 1.0 file is a few KiB). */
const LICENSE_READ_BYTES = 64 * 1024;

/**
 * The license file already on the server (written before the installer runs), so that its text
 * can be redacted from the command's output; undefined when there is none yet.
 */
async function readLicense(
  session: SshSession,
  licenseFile: string | undefined,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  if (licenseFile === undefined) return undefined;
  const r = await runCommand(
    session,
    `[ -f "$LICENSE_FILE" ] && head -c ${LICENSE_READ_BYTES} -- "$LICENSE_FILE"`,
    {
      env: { LICENSE_FILE: licenseFile },
      captureStdout: true,
      tailBytes: 0,
      signal,
      timeoutMs: 60_000,
    },
  );
  if (r.connectionLost) {
    throw new AppError('SSH_CONNECTION_LOST', `connection to ${session.serverId} dropped`, {
      retryable: true,
    });
  }
  return r.exitCode === 0 && r.stdout ? r.stdout : undefined;
}

/**
 * The command's failure with its output tail redacted: runChecked's message ends with the tail it
 * kept (none here), so the redacted tail takes its place; other errors carry no output.
 */
function redactedFailure(err: unknown, tail: string, redactor: Redactor): unknown {
  if (!(err instanceof AppError)) return err;
  if (err.code !== 'COMMAND_FAILED' && err.code !== 'COMMAND_TIMEOUT') {
    return new AppError(err.code, redactor.redact(err.message), {
      retryable: err.retryable,
      context: err.context,
    });
  }
  const [headline = err.message] = err.message.split('\n', 1);
  const message = `${redactor.redact(headline)}\n${tail}`;
  return new AppError(err.code, message, {
    retryable: err.retryable,
    context: { ...err.context, tail },
  });
}

/** Input of `runInstaller` and `runVerify`. */
export interface RemoteCommandInput {
  endpoint: SshEndpoint;
  command: string;
  installDir?: string;
  licenseFile?: string;
  /** The product's variables, exported to the command's environment. */
  variables?: Record<string, string>;
  timeoutSeconds?: number;
  tailBytes?: number;
  mark?: StepMark;
}

/** What an installer or verify run left for the deployment record. */
export interface RemoteCommandResult {
  exitCode: number;
  tail: string;
  outputBytes: number;
}

/** The delivery activities' type, for `proxyActivities<DeliveryActivities>()` in workflows. */
export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
