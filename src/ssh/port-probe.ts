import { connect } from 'node:net';

/** How often a refusing port is tried again, and how long one try may take. */
export interface PortProbeOptions {
  /** Epoch ms after which no new try starts. */
  until: number;
  /** Pause after a refused or failed try. */
  intervalMs?: number;
  /** One try's connect timeout (a port that drops packets answers nothing). */
  tryTimeoutMs?: number;
  signal?: AbortSignal;
  /** Called while it waits, at most every `heartbeatMs` (an activity heartbeats here). */
  onWait?: () => void;
  heartbeatMs?: number;
  now?: () => number;
}

/** One TCP connect: whether it was accepted, and if not, why (the socket error's code). */
function tryConnect(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ open: boolean; code?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: { open: boolean; code?: string }) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ open: false, code: 'ETIMEDOUT' }));
    socket.once('connect', () => done({ open: true }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ open: false, code: err.code }));
  });
}

/**
 * Waits until `host:port` accepts a TCP connection: a booting server's sshd that is not listening
 * yet refuses at once, and a bare connect costs a fraction of an SSH attempt (no client, no key
 * exchange), so it can be tried often and the server is found within `intervalMs` of listening.
 * Resolves true once a connect is accepted (the socket is closed again), false when `until` comes
 * first, and rejects with the signal's reason when aborted.
 */
export async function waitForPortOpen(
  host: string,
  port: number,
  o: PortProbeOptions,
): Promise<boolean> {
  const now = o.now ?? Date.now;
  const interval = o.intervalMs ?? 250;
  const heartbeatMs = o.heartbeatMs ?? 2_000;
  let lastBeat = now();
  for (;;) {
    if (o.signal?.aborted) throw reasonOf(o.signal);
    const left = o.until - now();
    if (left <= 0) return false;
    const { open } = await tryConnect(host, port, Math.min(o.tryTimeoutMs ?? 2_000, left));
    if (open) return true;
    if (now() - lastBeat >= heartbeatMs) {
      lastBeat = now();
      o.onWait?.();
    }
    if (now() + interval >= o.until) return false;
    await sleep(interval, o.signal);
  }
}

/** Why the signal aborted, as an Error. */
function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(reasonOf(signal));
    const onAbort = () => {
      clearTimeout(timer);
      if (signal) reject(reasonOf(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
