/**
 * Memory of a 1 GiB push: how much the pushing process's RSS grows above its baseline while it
 * pushes one 1 GiB package to a sandbox server, for each push method. Budget: < 100 MiB.
 *
 *   node --expose-gc --import tsx bench/push-memory.ts [sizeMiB=1024] [sftp,stream] [concurrency]
 *     [chunkKiB]
 *
 * Prints the peak growth of each method and its ratio to the budget. Needs Linux and root.
 */
import { connectSsh } from '../src/ssh/connect.js';
import { runChecked } from '../src/ssh/exec.js';
import { pushFile, type PushMethod } from '../src/ssh/push.js';
import { putRandomPackage, setUpPushBench, sourceOf } from './push-common.js';

const sizeMiB = Number(process.argv[2] ?? 1024);
// Methods in order; run one alone for a baseline untouched by the other.
const methods = (process.argv[3] ?? 'sftp,stream').split(',') as PushMethod[];
const sftpConcurrency = process.argv[4] ? Number(process.argv[4]) : undefined;
const sftpChunkSize = process.argv[5] ? Number(process.argv[5]) * 1024 : undefined;
const BUDGET = 100 * 1024 * 1024;
const MiB = 1024 * 1024;

const settle = async () => {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 500));
};

const bench = setUpPushBench();
try {
  const [host] = await bench.startHosts(1);
  const pkg = await putRandomPackage(bench.store, sizeMiB * MiB);
  const source = sourceOf(bench.store, pkg);
  const session = await connectSsh({
    host: host!.ip,
    username: 'root',
    privateKey: bench.privateKey,
  });
  console.log(`push of ${sizeMiB} MiB; RSS growth over the baseline, sampled every 20 ms`);
  for (const method of methods) {
    await runChecked(session, 'rm -rf /opt/mem');
    await settle();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const r = await pushFile(session, source, {
      remotePath: `/opt/mem/${method}.bin`,
      method,
      sftpConcurrency,
      sftpChunkSize,
    });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    if (r.bytesSent !== pkg.sizeBytes) throw new Error('push did not send the whole file');
    const growth = peak - baseline;
    console.log(
      `${method.padEnd(7)} baseline ${(baseline / MiB).toFixed(0)} MiB, peak growth ${(growth / MiB).toFixed(1)} MiB, ratio to the 100 MiB budget ${(growth / BUDGET).toFixed(2)}`,
    );
  }
  session.close();
} finally {
  await bench.cleanup();
}
