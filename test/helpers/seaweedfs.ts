import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { isExecutable, onPath, runBuild } from '../../src/temporal/cli-binary.js';
import { freePort } from '../../src/temporal/dev-server.js';
// Also quiets the AWS SDK's Node-version warning (set there).
import '../../src/packages/s3-store.js';

/**
 * SeaweedFS, the real S3-compatible server the object-store tests and benchmarks run against
 * (never a mock). Built from the Go module proxy once into ~/.cache/oneclick, the way the
 * Temporal CLI is: its go.mod has a `replace` directive, so `go install …@version` refuses it;
 * the module is downloaded, copied out of the read-only module cache and built there.
 */

export const SEAWEEDFS_MODULE = 'github.com/seaweedfs/seaweedfs';
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

export const seaweedfsCacheDir = (home = os.homedir()): string =>
  path.join(home, '.cache', 'oneclick', `seaweedfs-${SEAWEEDFS_VERSION}`);

/** `$SEAWEEDFS_WEED`, `weed` on PATH, the cache, or a Go build into the cache (about 5 minutes). */
export async function findOrBuildWeed(log?: (line: string) => void): Promise<string> {
  const explicit = process.env.SEAWEEDFS_WEED;
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`SEAWEEDFS_WEED=${explicit} is not an executable file`);
  }
  const fromPath = await onPath('weed', process.env.PATH);
  if (fromPath) return fromPath;
  const cacheDir = seaweedfsCacheDir();
  const cached = path.join(cacheDir, 'weed');
  if (await isExecutable(cached)) return cached;
  const go = await onPath('go', process.env.PATH);
  if (!go) throw new Error(`no SeaweedFS (${cached}) and no Go toolchain to build one`);

  log?.(
    `building SeaweedFS ${SEAWEEDFS_VERSION} with ${go} into ${cacheDir} (about 5 minutes, once)`,
  );
  const env = { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
  const download = await runBuild(
    go,
    ['mod', 'download', '-json', `${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION}`],
    env,
  );
  const moduleDir = (JSON.parse(download) as { Dir?: string }).Dir;
  if (!moduleDir) throw new Error(`go mod download named no directory:\n${download}`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'seaweedfs-build-'));
  try {
    // The module cache is read-only, and the build writes go.sum: build in a writable copy.
    await cp(moduleDir, work, { recursive: true });
    await runBuild('chmod', ['-R', 'u+w', work], env);
    await mkdir(cacheDir, { recursive: true });
    // Built beside the final name and renamed, so a killed build never leaves a broken binary.
    await runBuild(go, ['build', '-o', `${cached}.partial`, './weed'], env, work);
    await runBuild('mv', ['-f', `${cached}.partial`, cached], env);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return cached;
}

/** A running SeaweedFS (`weed mini`) with one S3 identity and one bucket. */
export interface SeaweedS3 {
  /** The S3 endpoint on loopback, for OneClick. */
  endpoint: string;
  /** The same S3 gateway on this machine's own address: what sandbox servers reach. */
  pullEndpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The env vars that point OneClick at it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * This machine's first non-loopback IPv4 address that is not a sandbox link: sandbox servers
 * route everything through their link to this machine, so they reach its own addresses.
 */
export function machineAddress(): string {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (name.startsWith('ocv')) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

async function waitForS3(endpoint: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`weed mini exited ${child.exitCode}:\n${output()}`);
    // Any HTTP answer (403 without credentials) means the gateway is up.
    const up = await fetch(endpoint).then(
      () => true,
      () => false,
    );
    if (up) return;
    if (Date.now() > deadline) throw new Error(`weed mini did not serve S3 in 60 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Starts `weed mini` on free ports in a directory of its own, with S3 credentials of its own and
 * a bucket; `stop` kills it and removes the directory. It binds every address (the sandbox's
 * servers reach it through their links); nothing is sent anywhere (telemetry is off).
 */
export async function startSeaweedS3(opts: { bucket?: string } = {}): Promise<SeaweedS3> {
  const weed = await findOrBuildWeed();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'oneclick-seaweedfs-'));
  const accessKeyId = `OC${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  await writeFile(
    path.join(dir, 's3.json'),
    JSON.stringify({
      identities: [
        {
          name: 'oneclick',
          credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }],
          actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
        },
      ],
    }),
    { mode: 0o600 },
  );
  const ports: Record<string, number> = {};
  for (const name of [
    'master.port',
    'master.port.grpc',
    'volume.port',
    'volume.port.grpc',
    'filer.port',
    'filer.port.grpc',
    's3.port',
    's3.port.grpc',
    'admin.port',
    'admin.port.grpc',
  ]) {
    ports[name] = await freePort();
  }
  const child = spawn(
    weed,
    [
      'mini',
      `-dir=${path.join(dir, 'data')}`,
      '-ip=127.0.0.1',
      '-ip.bind=0.0.0.0',
      ...Object.entries(ports).map(([k, v]) => `-${k}=${v}`),
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      '-admin.port.legacy=0',
      '-admin.ui=false',
      '-webdav=false',
      '-master.telemetry=false',
      `-s3.config=${path.join(dir, 's3.json')}`,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
    // weed leaves its gRPC unix sockets in /tmp now and then, named by port.
    await Promise.all(
      Object.values(ports).flatMap((port) =>
        ['master', 'volume', 'filer', 's3'].map((part) =>
          rm(path.join(os.tmpdir(), `seaweedfs-${part}-grpc-${port}.sock`), { force: true }),
        ),
      ),
    );
  };
  const s3Port = ports['s3.port']!;
  const endpoint = `http://127.0.0.1:${s3Port}`;
  const bucket = opts.bucket ?? 'oneclick-packages';
  const region = 'us-east-1';
  try {
    await waitForS3(endpoint, child, () => out);
    const client = new S3Client({
      endpoint,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
    });
    // The gateway answers before its filer is ready to make buckets: try for a while.
    for (let i = 0; ; i++) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        break;
      } catch (err) {
        if ((err as { name?: string }).name === 'BucketAlreadyOwnedByYou') break;
        if (i > 80) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    client.destroy();
  } catch (err) {
    await stop();
    throw err;
  }
  const pullEndpoint = `http://${machineAddress()}:${s3Port}`;
  return {
    endpoint,
    pullEndpoint,
    region,
    bucket,
    accessKeyId,
    secretAccessKey,
    env: {
      ONECLICK_S3_ENDPOINT: endpoint,
      ONECLICK_S3_PULL_ENDPOINT: pullEndpoint,
      ONECLICK_S3_REGION: region,
      ONECLICK_S3_BUCKET: bucket,
      ONECLICK_S3_ACCESS_KEY_ID: accessKeyId,
      ONECLICK_S3_SECRET_ACCESS_KEY: secretAccessKey,
    },
    stop,
  };
}
