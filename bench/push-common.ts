import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createDirectoryPackageStore } from '../src/packages/directory-store.js';
import type { PackageStore, StoredPackage } from '../src/packages/store.js';
import { startSandboxHost, type SandboxHost } from '../src/sandbox/hosts.js';
import type { PushSource } from '../src/ssh/push.js';

/** Shared set-up of the push benchmarks: a key pair, a package store, sandbox servers. */
export interface PushBench {
  dir: string;
  keyFile: string;
  privateKey: string;
  publicKey: string;
  store: PackageStore;
  startHosts(n: number): Promise<SandboxHost[]>;
  cleanup(): Promise<void>;
}

export function setUpPushBench(): PushBench {
  const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-bench-'));
  const keyFile = path.join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  const publicKey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
  const hosts: SandboxHost[] = [];
  return {
    dir,
    keyFile,
    privateKey: readFileSync(keyFile, 'utf8'),
    publicKey,
    store: createDirectoryPackageStore(path.join(dir, 'store')),
    async startHosts(n) {
      const started = await Promise.all(
        Array.from({ length: n }, (_, i) => {
          const id = `bench-${process.pid}-${hosts.length + i}`;
          return startSandboxHost({
            id,
            hostname: id,
            authorizedKeys: [publicKey],
            // hosts.ts locks root without a password, which also refuses key logins.
            rootPassword: randomBytes(12).toString('hex'),
          });
        }),
      );
      hosts.push(...started);
      return started;
    },
    async cleanup() {
      await Promise.all(hosts.map((h) => h.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Stores a package of `size` bytes: with `script`, a runnable shell script padded with random
 * bytes after its `exit` (sh never reads them); without, random bytes only.
 */
export function putRandomPackage(
  store: PackageStore,
  size: number,
  script?: string,
): Promise<StoredPackage> {
  const chunk = 8 * 1024 * 1024;
  const head = script === undefined ? Buffer.alloc(0) : Buffer.from(`${script}\nexit 0\n`);
  return store.put(
    Readable.from(
      (function* () {
        yield head;
        for (let left = size - head.length; left > 0; left -= chunk) {
          yield randomBytes(Math.min(chunk, left));
        }
      })(),
    ),
    { maxBytes: size },
  );
}

/** A push source over a stored package. */
export function sourceOf(store: PackageStore, pkg: StoredPackage): PushSource {
  return {
    sha256: pkg.sha256,
    sizeBytes: pkg.sizeBytes,
    open: (start) => store.open(pkg.storageKey, { start }),
    localPath: store.localPath?.(pkg.storageKey),
  };
}

/** OpenSSH options for a throwaway host with no known_hosts entry. */
export function sshOptions(keyFile: string): string[] {
  return [
    '-i',
    keyFile,
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
  ];
}

/** Runs a program to completion, rejecting on a non-zero exit with its stderr. */
export function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    // 'close', not 'exit': the output may still be unread when the process has exited.
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

/** Wall time of `fn` in seconds. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
