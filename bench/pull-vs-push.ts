/**
 * Pull vs push of one 100 MiB package to 20 sandbox servers (real sshd, own network namespaces)
 * at once, as a worker runs 20 `pushPackage` activities:
 *   - pull: the S3 store (SeaweedFS), packageDelivery 'pull': each server curls its package from
 *     a presigned URL and checks its sha256; OneClick only sends the script over SSH;
 *   - push from the object store: the same store, packageDelivery 'push' (the `stream` method:
 *     OneClick reads the object and writes it into each SSH connection);
 *   - push from a local directory: the directory store, `sftp` (the embedded default);
 *   - peer: OpenSSH's own `scp` to every server at once, then `ssh … sha256sum` on each.
 * Each phase connects afresh (OneClick: a new session pool; scp: new processes), writes to a new
 * remote path, and counts from its start until all 20 files are on their servers and checked.
 *
 * Bytes sent by OneClick: every TCP socket this process connects is tracked (a wrapper around
 * `net.Socket.prototype.connect`, which both ssh2 and the AWS SDK's HTTP agent go through), and
 * the phase's figure is the growth of their `bytesWritten` sum: SSH (handshakes, commands,
 * package data) and the HTTP requests to the object store alike. scp's bytes are counted on the
 * wire instead: the growth of `tx_bytes` of the servers' links on this machine's side
 * (/sys/class/net/ocv*), i.e. all IP bytes towards the servers, headers included. That link
 * figure is printed for every method too: for pull it is SeaweedFS's download traffic, which
 * still crosses the links but is no longer sent by OneClick.
 * Afterwards (untimed) every server's file is hashed again through a separate connection.
 *
 *   npx tsx bench/pull-vs-push.ts [servers=20] [sizeMiB=100] [rounds=2]
 *
 * Prints a table per round, the goals (pull sends < 1% of push's bytes, pull wall <= push wall)
 * and a `RESULT {json}` line. Needs Linux, root, OpenSSH's server and client, and SeaweedFS
 * (built into ~/.cache/oneclick on first use, see test/helpers/seaweedfs.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LogMetadata, Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createDeliveryActivities,
  type DeliveryDeps,
  type PackageDeliveryResult,
} from '../activities/delivery.js';
import { openPglite, type Database } from '../src/db/sql.js';
import { createDirectoryPackageStore } from '../src/packages/directory-store.js';
import { createS3PackageStore } from '../src/packages/s3-store.js';
import type { PackageStore, StoredPackage } from '../src/packages/store.js';
import { startSandboxHost, type SandboxHost } from '../src/sandbox/hosts.js';
import { connectSsh, type SshSession } from '../src/ssh/connect.js';
import { runChecked } from '../src/ssh/exec.js';
import { createSqlHostKeyPins } from '../src/ssh/host-key.js';
import { createSshSessionPool } from '../src/ssh/session-pool.js';
import { startSeaweedS3, type SeaweedS3 } from '../test/helpers/seaweedfs.js';
import { machineCpuSeconds } from './cpu-common.js';
import { sshOptions, timed } from './push-common.js';

const servers = Number(process.argv[2] ?? 20);
const sizeMiB = Number(process.argv[3] ?? 100);
const rounds = Number(process.argv[4] ?? 2);
const size = sizeMiB * 1024 * 1024;
// push-common's `run` resolves on 'exit', which can come before the last of stdout is read;
// execFile answers on 'close', with all of it.
const execFileAsync = promisify(execFile);
const MIGRATION = new URL('../src/db/migrations/0200-ssh-host-keys.sql', import.meta.url);

// Every TCP connection this process opens, to sum what it wrote (see the header).
const sockets = new Set<net.Socket>();
const originalConnect = Reflect.get(net.Socket.prototype, 'connect') as (
  this: net.Socket,
  ...args: unknown[]
) => net.Socket;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  sockets.add(this);
  return originalConnect.apply(this, args);
};
const bytesWritten = () => [...sockets].reduce((n, s) => n + (s.bytesWritten ?? 0), 0);

/**
 * Runs `fn` as an activity (its own context: heartbeats, cancellation), as a worker would. A
 * failure is still logged, but not once the bench is stopping (Ctrl-C cuts every push short).
 */
const inActivity = <T>(fn: () => Promise<T>): Promise<T> =>
  new MockActivityEnvironment({ heartbeatTimeoutMs: 60_000 }, { logger }).run(fn);
const noop = () => undefined;
const warn = (message: string, meta?: LogMetadata) => {
  if (cleaning === undefined) console.error(message, meta ?? '');
};
const logger: Logger = {
  log: (level, message, meta) => {
    if (level === 'WARN' || level === 'ERROR') warn(message, meta);
  },
  trace: noop,
  debug: noop,
  info: noop,
  warn,
  error: warn,
};

/** Bytes this machine sent into the given links so far (towards their servers). */
const linkTxBytes = (hosts: SandboxHost[]) =>
  hosts.reduce(
    (n, h) => n + Number(readFileSync(`/sys/class/net/${h.hostVeth}/statistics/tx_bytes`, 'utf8')),
    0,
  );

type Method = 'pull' | 'push (object store, stream)' | 'push (local dir, sftp)' | 'scp + ssh';
const METHODS: Method[] = [
  'pull',
  'push (object store, stream)',
  'push (local dir, sftp)',
  'scp + ssh',
];
const PUSH: Method = 'push (object store, stream)';
interface Sample {
  wallS: number;
  bytesSent: number;
  linkBytes: number;
  cpuS: number;
}

const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-pull-vs-push-'));
const hosts: SandboxHost[] = [];
const admin: SshSession[] = [];
let s3: SeaweedS3 | undefined;
let s3Store: ReturnType<typeof createS3PackageStore> | undefined;
let db: Database | undefined;
let cleaning: Promise<void> | undefined;

/** Stops everything this bench started; safe to call twice (Ctrl-C during the finally). */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const s of admin) s.close();
    s3Store?.client.destroy();
    await Promise.allSettled([...hosts.map((h) => h.stop()), s3?.stop(), db?.close()]);
    rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and SeaweedFS`);
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  // One key per server, as OneClick makes one per deployment.
  const keys = Array.from({ length: servers }, (_, i) => {
    const file = path.join(dir, `key-${i}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
    return {
      file,
      privateKey: readFileSync(file, 'utf8'),
      publicKey: readFileSync(`${file}.pub`, 'utf8').trim(),
    };
  });
  const started = await Promise.allSettled([
    startSeaweedS3().then((s) => (s3 = s)),
    ...keys.map((k, i) => {
      const id = `pvp-${process.pid}-${i}`;
      return startSandboxHost({ id, hostname: id, authorizedKeys: [k.publicKey] }).then((h) => {
        hosts[i] = h;
      });
    }),
  ]);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (!s3) throw new Error('SeaweedFS did not start');

  // One package of random bytes, in both stores.
  const file = path.join(dir, 'package.bin');
  const content = randomBytes(size);
  writeFileSync(file, content);
  const sha256 = createHash('sha256').update(content).digest('hex');
  s3Store = createS3PackageStore({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    pullEndpoint: s3.pullEndpoint,
  });
  const dirStore = createDirectoryPackageStore(path.join(dir, 'store'));
  const put = (store: PackageStore) =>
    store.put(createReadStream(file), { maxBytes: size, expectedSha256: sha256 });
  const [inS3, inDir] = await Promise.all([put(s3Store), put(dirStore)]);

  db = await openPglite(undefined);
  await db.exec(readFileSync(MIGRATION, 'utf8'));
  const hostKeys = createSqlHostKeyPins(db);
  const secrets = new Map(keys.map((k, i) => [`key-${i}`, k.privateKey]));
  admin.push(
    ...(await Promise.all(
      hosts.map((h, i) =>
        connectSsh({
          host: h.ip,
          port: h.sshPort,
          username: 'root',
          privateKey: keys[i]!.privateKey,
        }),
      ),
    )),
  );
  const reset = () =>
    Promise.all(admin.map((s) => runChecked(s, 'rm -rf /opt/bench && mkdir -p /opt/bench')));
  const verify = (remotePath: string) =>
    Promise.all(
      admin.map(async (s) => {
        const r = await runChecked(s, `sha256sum ${remotePath} | cut -c1-64`, {
          captureStdout: true,
        });
        if (r.stdout?.trim() !== sha256) throw new Error(`${s.serverId}: ${remotePath} differs`);
      }),
    );

  /** 20 `pushPackage` activities at once, each in its own activity context, on a fresh pool. */
  const oneclick = async (
    store: PackageStore,
    pkg: StoredPackage,
    packageDelivery: DeliveryDeps['packageDelivery'],
    remotePath: string,
  ): Promise<PackageDeliveryResult[]> => {
    const sessions = createSshSessionPool();
    const acts = createDeliveryActivities({
      store,
      hostKeys,
      resolveSecret: (ref) => Promise.resolve(secrets.get(ref)),
      sessions,
      packageDelivery,
    });
    try {
      return await Promise.all(
        hosts.map((h, i) =>
          inActivity(() =>
            acts.pushPackage({
              endpoint: {
                serverId: h.id,
                host: h.ip,
                port: h.sshPort,
                username: 'root',
                privateKeyRef: `key-${i}`,
              },
              storageKey: pkg.storageKey,
              sha256: pkg.sha256,
              sizeBytes: pkg.sizeBytes,
              remotePath,
            }),
          ),
        ),
      );
    } finally {
      sessions.close();
    }
  };
  const checkVia = (results: PackageDeliveryResult[], via: 'pull' | 'push') => {
    const wrong = results.find((r) => r.via !== via || r.skipped || r.sha256 !== sha256);
    if (wrong) throw new Error(`expected every delivery via ${via}, got ${JSON.stringify(wrong)}`);
  };
  const scp = (remotePath: string) =>
    Promise.all(
      hosts.map(async (h, i) => {
        const opts = sshOptions(keys[i]!.file);
        await execFileAsync('scp', [
          ...opts,
          '-P',
          String(h.sshPort),
          '-q',
          file,
          `root@${h.ip}:${remotePath}`,
        ]);
        const { stdout: out } = await execFileAsync('ssh', [
          ...opts,
          '-p',
          String(h.sshPort),
          `root@${h.ip}`,
          `sha256sum ${remotePath}`,
        ]);
        if (out.slice(0, 64) !== sha256)
          throw new Error(`${h.id}: scp's copy hashes to ${out.trim()}`);
      }),
    );
  const deliver: Record<Method, (remotePath: string) => Promise<unknown>> = {
    pull: async (p) => checkVia(await oneclick(s3Store!, inS3, 'pull', p), 'pull'),
    'push (object store, stream)': async (p) =>
      checkVia(await oneclick(s3Store!, inS3, 'push', p), 'push'),
    'push (local dir, sftp)': async (p) =>
      checkVia(await oneclick(dirStore, inDir, 'push', p), 'push'),
    'scp + ssh': scp,
  };

  const samples: Record<Method, Sample[]> = {
    pull: [],
    [PUSH]: [],
    'push (local dir, sftp)': [],
    'scp + ssh': [],
  };
  const measure = async (method: Method, round: number) => {
    await reset();
    // Let the previous phase's writes and teardown settle so they do not bill this one.
    await new Promise((r) => setTimeout(r, 1000));
    const remotePath = `/opt/bench/${method.replace(/\W+/g, '-')}-${round}.bin`;
    const [b0, l0, c0] = [bytesWritten(), linkTxBytes(hosts), machineCpuSeconds()];
    const wallS = await timed(() => deliver[method](remotePath));
    const [b1, l1, c1] = [bytesWritten(), linkTxBytes(hosts), machineCpuSeconds()];
    await verify(remotePath);
    const linkBytes = l1 - l0;
    samples[method].push({
      wallS,
      bytesSent: method === 'scp + ssh' ? linkBytes : b1 - b0,
      linkBytes,
      cpuS: c1 - c0,
    });
  };

  const mb = (n: number) => (n / 1e6).toFixed(n < 1e7 ? 3 : 0);
  const printRound = (round: number) => {
    const push = samples[PUSH][round]!;
    console.log(`\nround ${round + 1} of ${rounds}: ${sizeMiB} MiB to ${servers} servers at once`);
    console.log(
      `${'method'.padEnd(28)} ${'wall s'.padStart(7)} ${'MB/s aggr'.padStart(9)} ${'MB sent by OneClick (scp)'.padStart(26)} ${'ratio to push'.padStart(13)} ${'MB on links'.padStart(11)} ${'machine CPU s'.padStart(13)}`,
    );
    for (const m of METHODS) {
      const s = samples[m][round]!;
      console.log(
        `${m.padEnd(28)} ${s.wallS.toFixed(2).padStart(7)} ${((servers * size) / 1e6 / s.wallS).toFixed(0).padStart(9)} ${mb(s.bytesSent).padStart(26)} ${(s.bytesSent / push.bytesSent).toFixed(5).padStart(13)} ${mb(s.linkBytes).padStart(11)} ${s.cpuS.toFixed(1).padStart(13)}`,
      );
    }
  };
  for (let r = 0; r < rounds; r++) {
    // Interleaved, and rotated each round, so machine noise and warm caches hit them alike.
    for (let k = 0; k < METHODS.length; k++) await measure(METHODS[(k + r) % METHODS.length]!, r);
    printRound(r);
  }

  const sum = (m: Method, f: (s: Sample) => number) => samples[m].reduce((n, s) => n + f(s), 0);
  const bytesRatio = sum('pull', (s) => s.bytesSent) / sum(PUSH, (s) => s.bytesSent);
  const wallRatio = sum('pull', (s) => s.wallS) / sum(PUSH, (s) => s.wallS);
  const wallRatioLocal =
    sum('pull', (s) => s.wallS) / sum('push (local dir, sftp)', (s) => s.wallS);
  console.log(
    `\npull bytes / push bytes: ${(bytesRatio * 100).toFixed(4)}% (goal < 1%: ${bytesRatio < 0.01 ? 'met' : 'missed'})`,
  );
  console.log(
    `pull wall / push wall: ${wallRatio.toFixed(2)} (goal <= 1: ${wallRatio <= 1 ? 'met' : 'missed'}; against push from a local dir ${wallRatioLocal.toFixed(2)})`,
  );
  console.log(
    `RESULT ${JSON.stringify({ servers, sizeMiB, rounds, samples, bytesRatio, wallRatio, wallRatioLocal })}`,
  );
} finally {
  await cleanup();
}
