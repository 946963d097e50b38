/**
 * Sandbox cloud emulator throughput: signed ShowVpc and ListServersDetails requests per second
 * (every request signed afresh by the client and verified by the emulator), against a peer in the
 * same run: a bare node:http server answering a JSON body of the same size with no signature
 * check. The servers run in a child process so the load generator does not share their core.
 * Target: 500 signed requests/s. Prints min/median/max over rounds and the ratio to the peer.
 *
 *   npx tsx bench/emulator-throughput.ts [seconds-per-round=3] [rounds=3] [connections=16]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { signRequest } from '../src/signing/sdk-hmac-sha256.js';
import { startSandboxCloud } from '../src/sandbox/sandbox-cloud.js';
import { createHuaweiCloud } from '../src/cloud/huawei-cloud.js';

type Autocannon = (
  opts: Record<string, unknown>,
) => Promise<{ requests: { average: number }; non2xx: number; errors: number }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Served {
  url: string;
  ak: string;
  sk: string;
  projectId: string;
  vpcId: string;
  bodyBytes: number;
  bareUrl: string;
}

if (process.argv[2] === '--serve') {
  // Child: the emulator (one VPC, so ShowVpc answers 200) and the bare peer.
  const cloud = await startSandboxCloud();
  const adapter = createHuaweiCloud({ ...cloud, pollMs: 10 });
  const vpc = await adapter.createVpc({ name: 'bench', cidr: '192.168.0.0/16' });
  const sample = JSON.stringify({ vpc: cloud.inventory().vpcs[0] });
  const bare = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(sample);
    });
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const served: Served = {
    url: cloud.ecsEndpoint,
    ak: cloud.ak,
    sk: cloud.sk,
    projectId: cloud.projectId,
    vpcId: vpc.id,
    bodyBytes: sample.length,
    bareUrl: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`,
  };
  process.send?.(served);
  process.on('disconnect', () => {
    void cloud.stop().then(() => process.exit(0));
  });
} else {
  const seconds = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 3);
  const connections = Number(process.argv[4] ?? 16);
  const child: ChildProcess = fork(import.meta.filename, ['--serve'], {
    execArgv: ['--import', 'tsx'],
  });
  const served = await new Promise<Served>((resolve) =>
    child.once('message', (m) => resolve(m as Served)),
  );
  const host = new URL(served.url).host;

  const signed = (path: string) => ({
    setupRequest: (req: Record<string, unknown>) => {
      const [rawPath = path, query = ''] = path.split('?');
      const headers = signRequest(
        {
          method: 'GET',
          rawPath,
          query,
          headers: { 'content-type': 'application/json', 'X-Project-Id': served.projectId },
          host,
        },
        served,
      );
      return { ...req, method: 'GET', path, headers };
    },
  });

  async function round(url: string, request: object): Promise<{ rps: number; bad: number }> {
    const r = await autocannon({ url, connections, duration: seconds, requests: [request] });
    return { rps: r.requests.average, bad: r.non2xx + r.errors };
  }

  const cases = {
    'signed ShowVpc': () =>
      round(served.url, signed(`/v1/${served.projectId}/vpcs/${served.vpcId}`)),
    'signed ListServersDetails': () =>
      round(served.url, signed(`/v1/${served.projectId}/cloudservers/detail?limit=25&offset=1`)),
    'peer: bare node:http, no signature': () => round(served.bareUrl, { method: 'GET', path: '/' }),
  };
  const results: Record<string, number[]> = {};
  for (let i = 0; i < rounds; i++) {
    for (const [name, fn] of Object.entries(cases)) {
      const { rps, bad } = await fn();
      if (bad > 0) throw new Error(`${name}: ${bad} requests failed (non-2xx or errors)`);
      (results[name] ??= []).push(rps);
    }
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { min: s[0] ?? 0, median: s[Math.floor(s.length / 2)] ?? 0, max: s[s.length - 1] ?? 0 };
  };
  console.log(`emulator throughput: ${rounds} rounds x ${seconds}s, ${connections} connections`);
  const peer = stats(results['peer: bare node:http, no signature'] ?? []).median;
  for (const [name, xs] of Object.entries(results)) {
    const s = stats(xs);
    console.log(
      `  ${name.padEnd(36)} req/s min ${s.min.toFixed(0)}  median ${s.median.toFixed(0)}  max ${s.max.toFixed(0)}` +
        `  (${(s.median / peer).toFixed(2)}x peer)`,
    );
  }
  const showVpc = stats(results['signed ShowVpc'] ?? []).median;
  console.log(
    `  target 500 signed req/s: ${showVpc >= 500 ? 'met' : 'NOT met'} (${showVpc.toFixed(0)})`,
  );
  child.disconnect();
}
