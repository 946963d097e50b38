/**
 * The console's list pages with 1,000 orders and deployments in PostgreSQL: each page under
 * autocannon (one connection, back to back, so nothing queues) for a few seconds, with the SERVER
 * time of every request recorded around the app's fetch handler: p50/p95 per page against the
 * target (p95 < 50 ms). The peer in the same run is the JSON API route the page renders (the same
 * rows through `GET /v1/...` with a bearer key): the ratio says what rendering HTML and the
 * session add over the API itself.
 *
 *   npx tsx bench/console-pages.ts [seconds-per-page=5]
 * Needs PostgreSQL binaries (the same ones the tests use); ONECLICK_BENCH_DATABASE_URL uses an
 * existing server instead.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import { createApp } from '../src/api/app.js';
import { migrate } from '../src/db/migrate.js';
import { openPostgres } from '../src/db/sql.js';
import { createLogger } from '../src/logger.js';
import { createApiKey, createPrincipal } from '../src/db/repositories/principals.js';
import { createLicenseServices } from '../src/license/services.js';
import { startPostgres } from '../test/helpers/postgres-server.js';

const CLIENT = fileURLToPath(new URL('./console-pages-client.ts', import.meta.url));
const ORDERS = 1000;
const seconds = Number(process.argv[2] ?? 5);

interface Result {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}

function load(job: Record<string, unknown>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as Result)
        : reject(new Error(`load client exited ${code}`)),
    );
    child.stdin.end(JSON.stringify(job));
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
    : NaN;

/**
 * Seeds a seller, a buyer and `ORDERS` paid orders, each with a finished or running deployment,
 * and `ORDERS` more principals with two keys each.
 */
async function seed(db: Awaited<ReturnType<typeof openPostgres>>) {
  const seller = await createPrincipal(db, { role: 'seller', name: 'Bench seller' });
  const buyer = await createPrincipal(db, {
    role: 'buyer',
    name: 'Bench buyer',
    marketplaceCustomerId: 'bench-customer',
  });
  const operator = await createPrincipal(db, { role: 'operator', name: 'Bench operator' });
  const tag = randomBytes(4).toString('hex');
  const productId = `prd_bench_${tag}`;
  await db.query(
    `insert into products (id, seller_id, marketplace_product_id, name, license_model)
     values ($1, $2, $3, 'Bench product', 'license2')`,
    [productId, seller.sellerId, `MP-${tag}`],
  );
  const ids = Array.from({ length: ORDERS }, (_, i) => `${tag}_${String(i).padStart(4, '0')}`);
  await db.query(
    `insert into orders (id, marketplace_order_id, order_line_id, buyer_id, seller_id, product_id, status, expire_time, created_at)
     select 'ord_' || x, 'CS' || x, 'CS' || x || '-1', $2, $3, $4, 'active', now() + interval '365 days',
            now() - (row_number() over ()) * interval '17 minutes'
       from unnest($1::text[]) as x`,
    [ids, buyer.buyerId, seller.sellerId, productId],
  );
  await db.query(
    `insert into supervision_records (id, order_id, license_model, state)
     select 'sup_' || x, 'ord_' || x, 'license2',
            (array['awaiting_delivery','code_claimed','activated','completed'])[1 + (row_number() over ()) % 4]
       from unnest($1::text[]) as x`,
    [ids],
  );
  const states = ['succeeded', 'failed', 'succeeded', 'cancelled', 'install'];
  await db.query(
    `insert into deployments (id, order_id, workflow_id, state, created_at, updated_at, finished_at, failure_code, failure_message)
     select 'dep_' || x, 'ord_' || x, 'deployment-dep_' || x, s,
            now() - n * interval '17 minutes', now() - n * interval '17 minutes' + interval '3 minutes',
            case when s in ('succeeded','failed','cancelled') then now() - n * interval '17 minutes' + interval '3 minutes' end,
            case when s = 'failed' then 'INSTALL_FAILED' end,
            case when s = 'failed' then 'the installer exited 1' end
       from unnest($1::text[]) with ordinality as t(x, n),
            lateral (select ($2::text[])[1 + (n % 5)] as s) st`,
    [ids, states],
  );
  await db.query(
    `insert into deployment_steps (deployment_id, step, status, attempts, started_at, ended_at)
     select 'dep_' || x, step, 'succeeded', 1 + (n % 3), now() - n * interval '17 minutes' + k * interval '20 seconds',
            now() - n * interval '17 minutes' + (k + 1) * interval '20 seconds'
       from unnest($1::text[]) with ordinality as t(x, n),
            unnest(array['network','server','ssh','push','install','license','verify']) with ordinality as s(step, k)`,
    [ids],
  );
  // The operators' principals page pages over 1,000 more principals, each with two keys.
  await db.query(
    `insert into buyers (id, name) select 'buy_bench_' || $1 || '_' || g, 'Bench buyer ' || g
       from generate_series(1, ${ORDERS}) g`,
    [tag],
  );
  await db.query(
    `insert into principals (id, role, name, buyer_id, created_at)
     select 'prn_bench_' || $1 || '_' || g, 'buyer', 'Bench buyer ' || g, 'buy_bench_' || $1 || '_' || g,
            now() - g * interval '1 minute'
       from generate_series(1, ${ORDERS}) g`,
    [tag],
  );
  await db.query(
    `insert into api_keys (id, principal_id, key_hash, prefix, name)
     select 'key_bench_' || $1 || '_' || g || '_' || k, 'prn_bench_' || $1 || '_' || g,
            md5($1 || g || '-' || k), substr(md5(g || '-' || k), 1, 8), 'key ' || k
       from generate_series(1, ${ORDERS}) g, generate_series(1, 2) k`,
    [tag],
  );
  const keys = {
    seller: (await createApiKey(db, seller.id)).key,
    buyer: (await createApiKey(db, buyer.id)).key,
    operator: (await createApiKey(db, operator.id)).key,
  };
  return { keys, firstOrder: `ord_${ids[0]}` };
}

const pg = process.env.ONECLICK_BENCH_DATABASE_URL ? undefined : await startPostgres();
const db = await openPostgres(process.env.ONECLICK_BENCH_DATABASE_URL ?? pg!.url, 16);
try {
  await migrate(db);
  const { keys } = await seed(db);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const license = createLicenseServices({
    sql: db,
    wraps: [{ kid: 'bench', key: randomBytes(32) }],
    issuer: 'http://127.0.0.1',
  });
  const app = createApp({
    db,
    logger: createLogger('warn', sink),
    marketplaceAccessKey: 'A'.repeat(64),
    license,
  });
  // Server time: from the request reaching the app to its answer's body being produced.
  const times = new Map<string, number[]>();
  const server = serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: async (req) => {
      const started = performance.now();
      const res = await app.fetch(req);
      const body = await res.arrayBuffer();
      const path = new URL(req.url).pathname;
      const list = times.get(path) ?? [];
      list.push(performance.now() - started);
      times.set(path, list);
      return new Response(body, { status: res.status, headers: res.headers });
    },
  });
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  /** A console session cookie for the key, through the sign-in form. */
  async function sessionCookie(key: string): Promise<string> {
    const form = await fetch(`${url}/console/sign-in`);
    const csrf = form.headers.getSetCookie()[0]!.split(';')[0]!;
    const res = await fetch(`${url}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: csrf, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf.split('=')[1]!, apiKey: key }).toString(),
    });
    const session = res.headers.getSetCookie().find((c) => c.startsWith('oc_session='));
    if (!session) throw new Error(`sign-in failed: ${res.status}`);
    return session.split(';')[0]!;
  }
  const cookies = {
    buyer: await sessionCookie(keys.buyer),
    seller: await sessionCookie(keys.seller),
    operator: await sessionCookie(keys.operator),
  };

  type Role = keyof typeof keys;
  const pages: { name: string; role: Role; path: string; peer?: string }[] = [
    {
      name: 'buyer: purchased services',
      role: 'buyer',
      path: '/console/buyer/orders',
      peer: '/v1/orders',
    },
    { name: 'seller: orders', role: 'seller', path: '/console/seller/orders', peer: '/v1/orders' },
    {
      name: 'seller: products',
      role: 'seller',
      path: '/console/seller/products',
      peer: '/v1/products',
    },
    {
      name: 'operator: deployments',
      role: 'operator',
      path: '/console/operator/deployments',
      peer: '/v1/deployments/recorded',
    },
    {
      name: 'operator: principals',
      role: 'operator',
      path: '/console/operator/principals',
      peer: '/v1/principals',
    },
    { name: 'operator: audit log', role: 'operator', path: '/console/operator/audit' },
    { name: 'operator: charts', role: 'operator', path: '/console/operator/charts' },
  ];

  console.log(
    `node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )}; PostgreSQL; ${ORDERS} orders and deployments; ${seconds}s per page, 1 connection`,
  );
  const measure = async (path: string, headers: Record<string, string>) => {
    times.delete(path);
    const r = await load({ url, path, headers, seconds, connections: 1 });
    const sorted = [...(times.get(path) ?? [])].sort((a, b) => a - b);
    return { r, p50: percentile(sorted, 50), p95: percentile(sorted, 95), n: sorted.length };
  };
  let misses = 0;
  for (const page of pages) {
    const html = await measure(page.path, { cookie: cookies[page.role] });
    const row = `${page.name.padEnd(28)} p50 ${html.p50.toFixed(1).padStart(6)} ms  p95 ${html.p95.toFixed(1).padStart(6)} ms  n ${String(html.n).padStart(5)}  non-2xx ${html.r.non2xx}`;
    let peer = '';
    if (page.peer) {
      const api = await measure(page.peer, { authorization: `Bearer ${keys[page.role]}` });
      peer = `   | API ${page.peer} p95 ${api.p95.toFixed(1)} ms (non-2xx ${api.r.non2xx}), page/API ${(html.p95 / api.p95).toFixed(2)}x`;
    }
    const pass = html.p95 < 50 && html.r.non2xx === 0;
    if (!pass) misses++;
    console.log(`${row}  ${pass ? 'PASS' : 'MISS'}${peer}`);
  }
  console.log(
    `target: every list page's server time p95 < 50 ms: ${misses === 0 ? 'PASS' : `${misses} MISS`}`,
  );
  await new Promise((r) => server.close(r));
} finally {
  await db.close();
  await new Promise((r) => setTimeout(r, 300));
  await pg?.stop();
}
