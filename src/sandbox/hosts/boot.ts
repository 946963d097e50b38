import { existsSync, watch, type FSWatcher } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { AppError } from '../../errors.js';
import { startJob, type JobResult } from '../launcher.js';
import { INIT_SCRIPT_FILE } from './host-files.js';
import {
  BOOT_PID_FILE,
  SSHD_PID_PATH,
  SSH_PORT,
  UPPER_DIR,
  hostSlot,
  type HostSlot,
} from './layout.js';

/** Booting a host whose files and network are ready, and waiting for its sshd. */

const BOOT_TIMEOUT_MS = 15_000;

function sshdTimeoutError(ip: string, port: number): AppError {
  return new AppError('SANDBOX_SSHD_TIMEOUT', `sshd on ${ip}:${port} did not answer`);
}

/**
 * Starts the host's init script in its network namespace and new mount, UTS and PID
 * namespaces, through the launcher. Without a delay it resolves once sshd listens; with one, at
 * once (sshd starts answering after the delay).
 */
export async function bootHost(
  n: HostSlot,
  id: string,
  hostname: string,
  delayMs: number,
): Promise<void> {
  const boot = path.join(n.dir, 'boot.sh');
  await writeFile(
    boot,
    // The pid stays through every exec down to unshare, which waits for the host's init (PID 1
    // of its PID namespace, then sshd) and takes it, and with it every process of the host, down
    // when it is killed: so a stop that comes before the process has entered the namespace, or
    // after, finds it.
    `echo $$ > ${path.join(n.dir, BOOT_PID_FILE)}\n` +
      `exec ip netns exec ${n.netns} unshare --mount --uts --pid --fork --kill-child --propagation private -- /bin/sh ${path.join(n.dir, INIT_SCRIPT_FILE)} ${n.dir} ${hostname} ${delayMs}\n`,
    { mode: 0o700 },
  );
  const exit = startJob(boot);
  if (delayMs === 0) await waitForSshd(id, n, BOOT_TIMEOUT_MS, exit);
}

/**
 * Resolves once the sshd of the host on `slot` listens, for a host booted with a delay (whose
 * start did not wait for it); rejects after `timeoutMs` or when `signal` aborts.
 */
export function sshdListening(
  slot: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const n = hostSlot(slot);
  return waitForSshd(`slot ${slot}`, n, timeoutMs, undefined, signal);
}

/**
 * Resolves once sshd listens: it writes its PidFile only after binding its sockets, so a new
 * file in the host's /run (a directory of its upper layer, on this machine) says so without a
 * connection (each connection costs sshd a fork and a re-exec, fifty of them at once a burst).
 */
function waitForSshd(
  id: string,
  n: { dir: string; ip: string },
  timeoutMs: number,
  exit: Promise<JobResult> | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const runDir = path.join(n.dir, UPPER_DIR, path.dirname(SSHD_PID_PATH));
  const pidName = path.basename(SSHD_PID_PATH);
  const pidFile = path.join(runDir, pidName);
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const aborted = () => finish(new AppError('SANDBOX_HOST_STOPPED', `stopped waiting for ${id}`));
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      watcher?.close();
      clearInterval(poll);
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      if (existsSync(pidFile)) finish();
    };
    // inotify for promptness, a slow poll in case an event is missed.
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(runDir, (_event, file) => {
        if (file === pidName) check();
      });
    } catch {
      watcher = undefined;
    }
    const poll = setInterval(check, 100);
    const timer = setTimeout(() => finish(sshdTimeoutError(n.ip, SSH_PORT)), timeoutMs);
    if (signal?.aborted) return aborted();
    signal?.addEventListener('abort', aborted);
    void exit?.then((r) =>
      finish(
        new AppError(
          'SANDBOX_SSHD_DIED',
          `sshd for ${id} exited (${r.status}): ${r.output.trim()}`,
        ),
      ),
    );
    check();
  });
}

/** Resolves once something accepts TCP connections on ip:port. */
export async function waitForPort(
  ip: string,
  port: number,
  timeoutMs: number,
  isDead: () => boolean = () => false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect({ host: ip, port, timeout: 1000 });
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (isDead()) throw new AppError('SANDBOX_SSHD_DIED', `sshd on ${ip} exited`);
    if (Date.now() > deadline) throw sshdTimeoutError(ip, port);
    await new Promise((r) => setTimeout(r, 15));
  }
}
