/**
 * Push throughput of one 1 GiB file to one sandbox server (real sshd in its own network
 * namespace): OneClick's push against OpenSSH `scp` to the same sshd, in the same run.
 * OneClick's figure includes what scp does not do: the server-side sha256 check and the rename.
 *
 *   npx tsx bench/push-throughput.ts [sizeMiB=1024] [rounds=3]
 *
 * Prints MB/s per method and the ratio OneClick / scp (target >= 0.95). Needs Linux and root.
 */
import { connectSsh } from '../src/ssh/connect.js';
import { runChecked } from '../src/ssh/exec.js';
import { pushFile, type PushMethod } from '../src/ssh/push.js';
import {
  median,
  putRandomPackage,
  run,
  setUpPushBench,
  sourceOf,
  sshOptions,
  timed,
} from './push-common.js';

const sizeMiB = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 3);

const bench = setUpPushBench();
try {
  const [host] = await bench.startHosts(1);
  const pkg = await putRandomPackage(bench.store, sizeMiB * 1024 * 1024);
  const source = sourceOf(bench.store, pkg);
  const session = await connectSsh({
    host: host!.ip,
    username: 'root',
    privateKey: bench.privateKey,
  });
  const clean = () => runChecked(session, 'rm -rf /opt/bench && mkdir -p /opt/bench');

  const oneclick =
    (method: PushMethod, extra: Record<string, number> = {}) =>
    async () => {
      const r = await pushFile(session, source, {
        remotePath: `/opt/bench/${method}.bin`,
        method,
        ...extra,
      });
      if (r.skipped || r.bytesSent !== pkg.sizeBytes) throw new Error('push did not send the file');
    };
  const methods: Record<string, () => Promise<unknown>> = {
    scp: () =>
      run('scp', [
        ...sshOptions(bench.keyFile),
        '-q',
        source.localPath!,
        `root@${host!.ip}:/opt/bench/scp.bin`,
      ]),
    // The same cipher OneClick prefers, to show how much of the lead is the cipher choice.
    'scp -c aes128-gcm': () =>
      run('scp', [
        ...sshOptions(bench.keyFile),
        '-q',
        '-c',
        'aes128-gcm@openssh.com',
        source.localPath!,
        `root@${host!.ip}:/opt/bench/scp-gcm.bin`,
      ]),
    'oneclick stream (tee + sha256 + rename)': oneclick('stream'),
    'oneclick sftp 32x64KiB, default (+ sha256 + rename)': oneclick('sftp'),
    'oneclick sftp 64x255KiB (+ sha256 + rename)': oneclick('sftp', {
      sftpConcurrency: 64,
      sftpChunkSize: 255 * 1024,
    }),
  };
  const seconds: Record<string, number[]> = Object.fromEntries(
    Object.keys(methods).map((k) => [k, []]),
  );
  // Interleave the methods so machine noise hits them alike.
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(methods)) {
      await clean();
      seconds[name]!.push(await timed(fn));
    }
  }
  const mbps = (s: number) => pkg.sizeBytes / 1e6 / s;
  const scp = median(seconds.scp!);
  // The machine is shared: the best round shows what each method can do, the median what it did.
  const scpBest = Math.min(...seconds.scp!);
  console.log(`push of ${sizeMiB} MiB to ${host!.ip}, ${rounds} rounds (median | best)`);
  for (const [name, xs] of Object.entries(seconds)) {
    const m = median(xs);
    const b = Math.min(...xs);
    console.log(
      `${name.padEnd(52)} ${m.toFixed(2).padStart(6)} s ${mbps(m).toFixed(0).padStart(4)} MB/s ratio ${(scp / m).toFixed(2)} | ${b.toFixed(2)} s ratio ${(scpBest / b).toFixed(2)}`,
    );
  }
  const best = Math.min(
    ...Object.entries(seconds)
      .filter(([k]) => k.startsWith('oneclick'))
      .map(([, xs]) => median(xs)),
  );
  console.log(
    `ratio (best oneclick / scp throughput): ${(scp / best).toFixed(2)} (target >= 0.95)`,
  );
  session.close();
} finally {
  await bench.cleanup();
}
