/**
 * The License 2.0 activate API under load: autocannon over loopback at a fixed 500 requests/s
 * against the real open API (AK/SK signature check, PostgreSQL transaction, supervision move,
 * audit append), each request activating a different claimed code. The peer in the same run is a
 * bare JSON route on the same server and load (HTTP + client floor); both p99s and their ratio are
 * printed, with the target (activate p99 < 10 ms at 500 req/s).
 *
 *   npx tsx bench/license-activate-load.ts [seconds=10] [rate=500] [connections=3]
 * Needs PostgreSQL binaries (the same ones the tests use); ONECLICK_BENCH_DATABASE_URL uses an
 * existing server instead.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createOpenApiRoutes, OPEN_API_BASE } from '../src/api/routes/open-api.js';
import { migrate } from '../src/db/migrate.js';
import { openPostgres } from '../src/db/sql.js';
import {
  formatLicenseCode,
  generateLicenseCode,
  hashLicenseCode,
  sealLicenseCode,
} from '../src/license/license-code.js';
import { createLicenseServices } from '../src/license/services.js';
import { startPostgres } from '../test/helpers/postgres-server.js';

interface Histogram {
  p50: number;
  p99: number;
  max: number;
}
interface Result {
  latency: Histogram;
  requests: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const CLIENT = fileURLToPath(new URL('./license-activate-load-client.ts', import.meta.url));

/** Runs the load generator in a child process (its own event loop and core). */
function load(job: Record<string, unknown>): Promise<Result & { sent: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as Result & { sent: number })
        : reject(new Error(`load client exited ${code}`)),
    );
    child.stdin.end(JSON.stringify(job));
  });
}

const seconds = Number(process.argv[2] ?? 10);
const rate = Number(process.argv[3] ?? 500);
// autocannon's fixed rate fires every connection's requests together once per tick, so the
// connection count is the burst size. The load needs about rate x latency = 500/s x 2 ms = 1
// request in flight; 3 connections carry it with small bursts, closest to steady arrivals.
// More connections measure autocannon's bursts queueing on one event loop (5: p99 ~21 ms).
const connections = Number(process.argv[4] ?? 3);
const total = Math.ceil(seconds * rate * 1.2);

const pg = process.env.ONECLICK_BENCH_DATABASE_URL ? undefined : await startPostgres();
const db = await openPostgres(process.env.ONECLICK_BENCH_DATABASE_URL ?? pg!.url, 16);
try {
  await migrate(db);
  const wraps = [{ kid: 'bench', key: randomBytes(32) }];
  const license = createLicenseServices({ sql: db, wraps, issuer: 'http://127.0.0.1' });

  // Seed in bulk: a seller, a product, and `total` paid orders whose codes the buyer claimed.
  const tag = randomBytes(4).toString('hex');
  const sellerId = `sel_bench_${tag}`;
  await db.query('insert into sellers (id, name) values ($1, $2)', [sellerId, 'Bench seller']);
  await db.query('insert into buyers (id, name) values ($1, $2)', [
    `buy_bench_${tag}`,
    'Bench buyer',
  ]);
  await db.query(
    `insert into products (id, seller_id, marketplace_product_id, name, license_model)
     values ($1, $2, $3, 'Bench product', 'license2')`,
    [`prd_bench_${tag}`, sellerId, `MP-${tag}`],
  );
  const codes = Array.from({ length: total }, () => generateLicenseCode());
  const ids = codes.map((_, i) => `${tag}_${i}`);
  await db.query(
    `insert into orders (id, marketplace_order_id, order_line_id, buyer_id, seller_id, product_id, status, expire_time, created_at)
     select 'ord_' || x, 'CS' || x, 'CS' || x || '-1', $2, $3, $4, 'active', now() + interval '365 days', now() - interval '1 hour'
       from unnest($1::text[]) as x`,
    [ids, `buy_bench_${tag}`, sellerId, `prd_bench_${tag}`],
  );
  await db.query(
    `insert into supervision_records (id, order_id, license_model, state)
     select 'sup_' || x, 'ord_' || x, 'license2', 'code_claimed' from unnest($1::text[]) as x`,
    [ids],
  );
  await db.query(
    `insert into licenses (id, order_id, seller_id, model, code_hash, sealed_code, status, claimed_at, expires_at)
     select 'lic_' || x, 'ord_' || x, $2, 'license2', h, s, 'claimed', now(), now() + interval '365 days'
       from unnest($1::text[], $3::text[], $4::text[]) as t(x, h, s)`,
    [ids, sellerId, codes.map(hashLicenseCode), codes.map((c) => sealLicenseCode(c, wraps[0]!))],
  );
  const { ak, sk } = await license.credentials.create(sellerId);

  const app = new Hono();
  app.route('/', createOpenApiRoutes({ codes: license.codes, credentials: license.credentials }));
  app.post('/floor', (c) => c.json({ error_code: '92020000', error_msg: 'success' }));
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;

  const job = { url: `http://${host}`, host, rate, seconds, connections };
  console.log(
    `node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ` +
      `${seconds}s at ${rate} req/s each over ${connections} connections; PostgreSQL; ${total} claimed codes`,
  );
  const floor = await load({ ...job, path: '/floor' });
  const activate = await load({
    ...job,
    path: `${OPEN_API_BASE}/v1/license/activate`,
    codes: codes.map(formatLicenseCode),
    credentials: { ak, sk },
  });
  const alive = await db.query<{ n: string }>(
    `select count(*) as n from licenses where seller_id = $1 and status = 'ALIVE'`,
    [sellerId],
  );
  const line = (name: string, r: Result) =>
    console.log(
      `${name.padEnd(26)} p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  max ${String(r.latency.max).padStart(5)} ms  ` +
        `${r.requests.average.toFixed(0)} req/s  non-2xx ${r.non2xx}  errors ${r.errors + r.timeouts}`,
    );
  line('floor (bare JSON route)', floor);
  line('activate (open API)', activate);
  console.log(`activated in the database: ${alive[0]?.n} (sent ${activate.sent})`);
  const ratio = activate.latency.p99 / Math.max(floor.latency.p99, 1);
  console.log(
    `activate p99 / floor p99: ${ratio.toFixed(1)}x; target activate p99 < 10 ms at ${rate} req/s: ` +
      `${activate.latency.p99 < 10 && activate.non2xx === 0 ? 'PASS' : 'MISS'}`,
  );
  await new Promise((r) => server.close(r));
} finally {
  await db.close();
  // Let the pool's sockets finish closing before the server goes away under them.
  await new Promise((r) => setTimeout(r, 300));
  await pg?.stop();
}
