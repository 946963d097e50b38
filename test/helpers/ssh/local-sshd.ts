import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real OpenSSH sshd on a loopback port, for tests that need no network namespace of their own.
 * Logs in as the current user (root here) with a key; host key and client key are generated
 * per instance with ssh-keygen.
 */
export interface LocalSshd {
  host: string;
  port: number;
  username: string;
  /** The client's private key (OpenSSH format). */
  clientKey: string;
  /** `SHA256:...` of the host key, as `ssh-keygen -l` prints it. */
  hostKeyFingerprint: string;
  dir: string;
  /** Stops sshd, then starts it again on the same port with a freshly generated host key. */
  regenerateHostKey(): Promise<void>;
  /** Client connections open now (sshd forks one process per connection). */
  sessionCount(): number;
  /** Kills the per-connection sshd processes, as a crash or reboot would: the clients see EOF. */
  dropSessions(): Promise<void>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
}

function fingerprintOf(pubFile: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], {
    encoding: 'utf8',
  });
  return out.split(' ')[1]!;
}

/** Pids of the processes whose parent is `pid` (sshd's per-connection children). */
function childrenOf(pid: number | undefined): number[] {
  if (!pid) return [];
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

async function waitForBanner(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('data', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('sshd did not answer');
}

/** Starts sshd; with `startDelayMs` it resolves at once and sshd listens only after the delay. */
export async function startLocalSshd(opts: { startDelayMs?: number } = {}): Promise<LocalSshd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-sshd-'));
  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  keygen(hostKey);
  keygen(clientKey);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const port = await freePort();
  const username = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      `PidFile ${dir}/sshd.pid`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      'MaxStartups 100',
      'MaxSessions 50',
      `LogLevel ${process.env.DEBUG_SSHD ? 'DEBUG1' : 'ERROR'}`,
    ].join('\n') + '\n',
  );
  let child: ChildProcess | undefined;
  const launch = async () => {
    execFileSync('mkdir', ['-p', '/run/sshd']);
    child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (process.env.DEBUG_SSHD) process.stderr.write(d);
    });
    await waitForBanner(port, child);
  };
  const stopChild = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  let delayed: Promise<void> | undefined;
  if (opts.startDelayMs) {
    delayed = new Promise((r) => setTimeout(r, opts.startDelayMs)).then(launch);
    delayed.catch(() => undefined);
  } else {
    await launch();
  }
  const sshd: LocalSshd = {
    host: '127.0.0.1',
    port,
    username,
    clientKey: readFileSync(clientKey, 'utf8'),
    hostKeyFingerprint: fingerprintOf(`${hostKey}.pub`),
    dir,
    async regenerateHostKey() {
      await stopChild();
      rmSync(hostKey);
      rmSync(`${hostKey}.pub`);
      keygen(hostKey);
      sshd.hostKeyFingerprint = fingerprintOf(`${hostKey}.pub`);
      await launch();
    },
    sessionCount() {
      return childrenOf(child?.pid).length;
    },
    async dropSessions() {
      // The whole tree: a post-authentication child outlives its monitor and keeps the socket.
      const pids: number[] = [];
      for (let next = childrenOf(child?.pid); next.length > 0; next = next.flatMap(childrenOf)) {
        pids.push(...next);
      }
      for (const pid of pids) {
        // A session child may end by itself between the listing and the kill: that is fine.
        try {
          process.kill(pid, 'SIGKILL');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
      }
      for (let i = 0; i < 200 && childrenOf(child?.pid).length > 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      await delayed?.catch(() => undefined);
      await stopChild();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return sshd;
}
