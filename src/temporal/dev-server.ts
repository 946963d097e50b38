import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from './search-attributes.js';

const SETPRIV = '/usr/bin/setpriv';

export interface DevServer {
  /** gRPC address, host:port. */
  readonly address: string;
  readonly namespace: string;
  readonly uiUrl?: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file; the server's state survives restarts. Undefined keeps it in memory. */
  dbFile?: string;
  namespace?: string;
  ip?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Web UI port; 0 picks a free port; false runs headless. */
  uiPort?: number | false;
  /**
   * The Web UI's remote codec (`--ui-codec-endpoint`): the UI posts the payloads it shows to
   * `<endpoint>/decode` and displays what comes back, while history in the server stays encrypted.
   */
  uiCodecEndpoint?: string;
  /** Receives the server's own output, line by line, for the caller's logger. */
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
}

/**
 * Dynamic config the embedded server always gets. Eager activity execution (off by default in
 * the server) hands a workflow's next activity straight back to the worker that completed the
 * workflow task instead of through the matching service: one round trip less per activity.
 */
const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, boolean>> = {
  'system.enableActivityEagerExecution': true,
};

/**
 * Asks the kernel for a free TCP port on the address and leaves it reserved.
 *
 * Linux hands out recently closed ports again within a few binds, so a port that was merely
 * bound and closed can be given to the next caller of bind(0), for instance to one of the
 * dev server's own internal services, which then fails to listen and panics at start-up (seen
 * under load). Like the Temporal CLI's own picker, this connects to the port and closes the
 * accepted side first, which parks the port in TIME_WAIT: bind(0) skips it for a minute, while
 * an explicit bind (SO_REUSEADDR, as Go and Node set it) still succeeds.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return reservePort(host, 0);
}

/**
 * Parks a given port (0: one the kernel picks) in TIME_WAIT as `freePort` does, so the dev
 * server's own port picker cannot hand it to an internal service before the server binds it.
 * Rejects with EADDRINUSE when something already listens there.
 */
export async function reservePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.once('connection', (accepted) => {
        accepted.destroy();
        client.once('close', () => srv.close(() => resolve(port)));
      });
      // Flowing, so the server's FIN is read and the client closes in turn (no half-open).
      const client = net.connect(port, host).resume();
      client.once('error', () => srv.close(() => resolve(port)));
    });
  });
}

/**
 * Starts `temporal server start-dev` with OneClick's search attributes, waits until it answers
 * gRPC health and the namespace is described, and returns a handle that stops it.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  // A start that dies before it is ready is retried: ports are only reserved (see reservePort),
  // so another process on a busy machine can still take one in between.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(opts);
    } catch (err) {
      const exited = (err as Error).cause;
      if (!(exited instanceof DevServerExited) || attempt >= 3) throw err;
      opts.onOutput?.(`${exited.message}; starting it again`);
    }
  }
}

/** The dev server process ended before it answered; its output says why. */
class DevServerExited extends Error {}

async function startDevServerOnce(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const port = await reservePort(ip, opts.port ?? 0);
  const uiPort = opts.uiPort === false ? undefined : await reservePort(ip, opts.uiPort || 0);
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    namespace,
  ];
  args.push('--log-format', 'json', '--log-level', 'warn');
  if (opts.dbFile) {
    await mkdir(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (uiPort === undefined) args.push('--headless');
  else {
    args.push('--ui-port', String(uiPort));
    if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  }
  args.push(...devServerSearchAttributeFlags());
  for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  // setpriv (util-linux) asks the kernel to kill the server when this process dies, even by
  // SIGKILL, so a crashed OneClick never leaves a dev server holding the port and the database.
  const [command, commandArgs] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', opts.cliPath, ...args]]
    : [opts.cliPath, args];
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  // The first lines of a panic name its cause and the last ones where it was raised: keep both.
  const head: string[] = [];
  const tail: string[] = [];
  const onData = (b: Buffer) => {
    for (const line of b.toString().split('\n')) {
      if (!line.trim()) continue;
      if (head.length < 20) head.push(line);
      else {
        tail.push(line);
        if (tail.length > 30) tail.shift();
      }
      opts.onOutput?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  const address = `${ip}:${port}`;
  try {
    await waitUntilReady(address, namespace, exited, opts.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stopChild(child, exited);
    const output = [...head, ...(tail.length ? ['…', ...tail] : [])].join('\n');
    throw new Error(`${(err as Error).message}\n--- temporal output ---\n${output}`, {
      cause: err,
    });
  }
  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`,
    pid: child.pid!,
    stop: () => stopChild(child, exited),
  };
}

async function waitUntilReady(
  address: string,
  namespace: string,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died: number | null | undefined;
  void exited.then((code) => (died = code ?? -1));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (died !== undefined)
      throw new DevServerExited(`temporal server exited with ${died} before it was ready`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await conn.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(
    `temporal server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`,
  );
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
