/**
 * Console live progress (issue 13, "Performance"): from a step change in the workflow to the new
 * state on the buyer's open page. Whole sandbox deployments (new VPC, subnet, security group and
 * server, a tar package, the installer, the license, verify) run one after another on a real
 * worker (OneClick's own createWorker, payloads encrypted) and the Temporal dev server, with the
 * API and console served over HTTP. For every deployment a signed-in buyer (POST /console/sign-in
 * with the API key and the double-submit CSRF cookie) holds GET /console/buyer/orders/:id/live
 * open, an EventSource-style stream read with fetch, and notes when each `data-step="…"
 * data-status="…"` first appears in a `progress` event's HTML.
 *
 * "Changed" is the moment the step's row changed in the database (its started_at for `running`,
 * its ended_at for an end), read from the row itself; "seen" is the moment the observer first had
 * that state. Only changes made after every observer had its first answer count, so each observer
 * is judged on the same changes. The peer, in the same run: the same changes seen by polling the
 * JSON API (GET /v1/orders/:id/deployments/current every 1 s, as a curl user would); printed as
 * the ratio page / peer. Target: page p95 under 1 s.
 *
 * When the console has no such page (the route answers no event stream), the page is replaced
 * by the JSON API polled every 250 ms (the console's live streams poll the API that often) and
 * the output says so.
 *
 *   npx tsx bench/console-live.ts [deployments=5]
 */
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createApp } from '../src/api/app.js';
import { createHuaweiCloud } from '../src/cloud/huawei-cloud.js';
import { migrate } from '../src/db/migrate.js';
import { createApiKey, createPrincipal } from '../src/db/repositories/principals.js';
import { openPglite } from '../src/db/sql.js';
import { isFinished } from '../src/domain/deployment.js';
import { createLicenseServices } from '../src/license/services.js';
import { createLogger } from '../src/logger.js';
import { createDirectoryPackageStore } from '../src/packages/directory-store.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../src/sandbox/emulator.js';
import { startSandboxCloud } from '../src/sandbox/sandbox-cloud.js';
import { createSqlSecretStore } from '../src/secrets/secret-store.js';
import { createSqlHostKeyPins } from '../src/ssh/host-key.js';
import { findOrBuildTemporalCli } from '../src/temporal/cli-binary.js';
import { createDataConverter } from '../src/temporal/data-converter.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { createTemporalGateway } from '../src/temporal/gateway/index.js';
import { createWorker } from '../src/temporal/worker.js';
import { GOOD_INSTALLER, seedOrder, seedProduct, testKeyring } from '../test/helpers/deploy.js';
import { testWraps } from '../test/helpers/license/seed.js';

const DEPLOYMENTS = Number(process.argv[2] ?? 5);
const TARGET_P95_MS = 1_000;
const PEER_POLL_MS = 1_000;
const STAND_IN_POLL_MS = 250;
/** Hang guard per deployment. */
const DEPLOYMENT_LIMIT_MS = 5 * 60_000;

/** When each `step:status` was first seen by one observer, and when it first had an answer. */
interface Observation {
  seen: Map<string, number>;
  firstAnswerAt?: number;
}
const observation = (): Observation => ({ seen: new Map() });
const note = (o: Observation, key: string, at: number) => {
  if (!o.seen.has(key)) o.seen.set(key, at);
};

const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const ms = (x: number) => (Number.isNaN(x) ? 'n/a' : `${Math.round(x)} ms`);

// --- the stack ----------------------------------------------------------------------------------
Runtime.install({ logger: new DefaultLogger('ERROR') });
// A cloud that takes a few seconds to make a network and a server, as clouds do (less than the
// minutes a real one takes): each step stays on the page long enough to be seen running.
const sandbox = await startSandboxCloud({
  delays: { jobStartMs: 500, serverBuildMs: 3_000, networkActiveMs: 1_000 },
});
const cliPath = await findOrBuildTemporalCli({ pathEnv: process.env.PATH });
const server = await startDevServer({ cliPath, uiPort: false });
const db = await openPglite(undefined);
await migrate(db);
const storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-bench-live-'));
const store = createDirectoryPackageStore(storeDir);
const keyring = testKeyring();
const dataConverter = createDataConverter(keyring);
const license = createLicenseServices({ sql: db, wraps: testWraps(), issuer: 'http://bench' });
const logger = createLogger('error', process.stderr);
const taskQueue = `bench-live-${Date.now()}`;
const native = await NativeConnection.connect({ address: server.address });
const worker = await createWorker({
  connection: native,
  namespace: server.namespace,
  taskQueue,
  dataConverter,
  activities: createActivities({
    db,
    logger,
    cloud: createHuaweiCloud({
      ecsEndpoint: sandbox.ecsEndpoint,
      vpcEndpoint: sandbox.vpcEndpoint,
      ak: sandbox.ak,
      sk: sandbox.sk,
      projectId: sandbox.projectId,
      pollMs: 25,
      timeoutMs: 10_000,
    }),
    secrets: createSqlSecretStore(db, keyring),
    packages: store,
    hostKeys: createSqlHostKeyPins(db),
    license,
  }),
});
const running = worker.run();
const client = new Client({
  connection: await Connection.connect({ address: server.address }),
  namespace: server.namespace,
  dataConverter,
});
const app = createApp({
  db,
  logger,
  marketplaceAccessKey: 'A'.repeat(64),
  temporal: createTemporalGateway(client, taskQueue),
  license,
  secretsKeyring: keyring,
});
const http = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
await new Promise((r) => http.once('listening', r));
const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

const seller = await createPrincipal(db, { role: 'seller', name: 'bench-seller' });
const buyer = await createPrincipal(db, {
  role: 'buyer',
  name: 'bench-buyer',
  marketplaceCustomerId: 'cust-bench-live',
});
const { key: buyerKey } = await createApiKey(db, buyer.id);
// A few seconds of installer and verify, as real ones take: their `running` has time to show.
const product = await seedProduct(db, store, seller.sellerId!, {
  installCommand: `${GOOD_INSTALLER}; sleep 2`,
});

// --- the buyer in a browser ---------------------------------------------------------------------
const cookieOf = (res: Response, name: string): string | undefined =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`));

/** Signs the buyer in as the sign-in form does; answers the session's Cookie header. */
async function signIn(): Promise<string> {
  const form = await fetch(`${base}/console/sign-in`);
  const csrfCookie = cookieOf(form, 'oc_signin_csrf');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrfCookie || !token) throw new Error('the sign-in form has no CSRF token');
  const res = await fetch(`${base}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ apiKey: buyerKey, _csrf: token }),
  });
  const session = cookieOf(res, 'oc_session');
  if (res.status !== 303 || !session) throw new Error(`sign-in answered ${res.status}`);
  return session;
}

const STEP_TAG = /<[^>]*\bdata-step="([^"]+)"[^>]*>/g;
const STATUS = /\bdata-status="([^"]+)"/;

/** The `step:status` pairs in a page fragment (the buyer page's contract). */
function statesInHtml(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(STEP_TAG)) {
    const status = STATUS.exec(m[0])?.[1];
    if (status) found.push(`${m[1]}:${status}`);
  }
  return found;
}

/**
 * Reads the page's event stream until `stop` aborts, reconnecting like EventSource when the
 * server ends it; notes each state of every `progress` event.
 */
async function watchPage(url: string, cookie: string, o: Observation, stop: AbortSignal) {
  while (!stop.aborted) {
    let res: Response;
    try {
      res = await fetch(url, { headers: { cookie, accept: 'text/event-stream' }, signal: stop });
    } catch {
      return;
    }
    if (!res.body) return;
    if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      // No stream (an error page): ask again, as EventSource would after an error.
      await res.body.cancel();
      await sleep(250);
      continue;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const bytes of res.body) {
        const at = Date.now();
        buffer += decoder.decode(bytes as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const event = lines
            .find((l) => l.startsWith('event:'))
            ?.slice(6)
            .trim();
          if (event !== 'progress') continue;
          const data = lines
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).replace(/^ /, ''))
            .join('\n');
          o.firstAnswerAt ??= at;
          for (const s of statesInHtml(data)) note(o, s, at);
        }
      }
    } catch {
      if (stop.aborted) return;
    }
    await sleep(100);
  }
}

interface CurrentView {
  state: string;
  steps: { step: string; status: string }[];
  /** The running workflow's own steps, a moment ahead of the recorded ones. */
  live?: { steps?: { step: string; status: string }[] };
}

/** Polls the JSON API every `everyMs` until `stop` aborts; notes each step's status. */
async function pollApi(orderRef: string, everyMs: number, o: Observation, stop: AbortSignal) {
  while (!stop.aborted) {
    const t0 = Date.now();
    try {
      const res = await fetch(`${base}/v1/orders/${orderRef}/deployments/current`, {
        headers: { authorization: `Bearer ${buyerKey}` },
        signal: stop,
      });
      const at = Date.now();
      o.firstAnswerAt ??= at;
      if (res.ok) {
        const view = (await res.json()) as CurrentView;
        // As the page reads it: the workflow's own steps while it runs, else the recorded ones.
        const steps = view.live?.steps?.length ? view.live.steps : view.steps;
        for (const s of steps) note(o, `${s.step}:${s.status}`, at);
      } else {
        await res.body?.cancel();
      }
    } catch {
      if (stop.aborted) return;
    }
    await sleep(Math.max(0, everyMs - (Date.now() - t0)));
  }
}

/** When each step's row changed: started_at for `running`, ended_at for its end. */
async function changes(deploymentId: string): Promise<Map<string, number>> {
  const rows = await db.query<{
    step: string;
    status: string;
    started: number | string;
    ended: number | string | null;
  }>(
    `select step, status, extract(epoch from started_at) * 1000 as started,
            extract(epoch from ended_at) * 1000 as ended
       from deployment_steps where deployment_id = $1`,
    [deploymentId],
  );
  const out = new Map<string, number>();
  for (const r of rows) {
    out.set(`${r.step}:running`, Number(r.started));
    if (r.ended !== null && r.status !== 'running')
      out.set(`${r.step}:${r.status}`, Number(r.ended));
  }
  return out;
}

/** BENCH_TRACE=1: every change, and when each observer saw it, in ms from the first change. */
function trace(changed: Map<string, number>, page: Observation, peer: Observation, cutoff: number) {
  const t0 = Math.min(...changed.values());
  const rel = (x: number | undefined) => (x === undefined ? '-' : String(Math.round(x - t0)));
  console.log(
    `  first answers: page ${rel(page.firstAnswerAt)} peer ${rel(peer.firstAnswerAt)} (cutoff ${rel(cutoff)})`,
  );
  for (const [key, at] of [...changed].sort((a, b) => a[1] - b[1])) {
    console.log(
      `  ${key.padEnd(20)} changed ${rel(at).padStart(6)}  page ${rel(page.seen.get(key)).padStart(6)}  peer ${rel(peer.seen.get(key)).padStart(6)}`,
    );
  }
}

// --- the deployments ----------------------------------------------------------------------------
const cookie = await signIn();
console.log(
  `node ${process.version}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ${DEPLOYMENTS} sandbox deployments one after another; payloads encrypted`,
);

/** Whether the console serves the order's live stream (asked once a deployment exists). */
async function pageServed(orderRef: string): Promise<boolean> {
  const probe = new AbortController();
  const res = await fetch(`${base}/console/buyer/orders/${orderRef}/live`, {
    headers: { cookie, accept: 'text/event-stream' },
    signal: probe.signal,
  }).catch(() => undefined);
  const type = res?.headers.get('content-type') ?? 'no type';
  probe.abort();
  if (type.startsWith('text/event-stream')) return true;
  console.log(
    `GET /console/buyer/orders/:id/live answered ${res?.status ?? 'nothing'} (${type}), not an ` +
      `event stream: measuring the JSON API polled every ${STAND_IN_POLL_MS} ms in its place`,
  );
  return false;
}

const lags = { page: [] as number[], peer: [] as number[] };
const missed = { page: 0, peer: 0 };
let counted = 0;
let failed = 0;
let pageExists: boolean | undefined;
for (let i = 0; i < DEPLOYMENTS; i++) {
  const orderRef = await seedOrder(db, {
    buyerId: buyer.buyerId!,
    sellerId: seller.sellerId!,
    productId: product.id,
  });
  const page = observation();
  const peer = observation();
  const stop = new AbortController();
  // Start Deployment, then the order's page opens (the form redirects there) and holds its live
  // stream; a curl user polls the JSON API. Changes before both had a first answer do not count.
  const started = await fetch(`${base}/v1/orders/${orderRef}/deployments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${buyerKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR } }),
  });
  if (started.status !== 201) throw new Error(`start answered ${started.status}`);
  const { id: deploymentId } = (await started.json()) as { id: string };
  pageExists ??= await pageServed(orderRef);
  const watchers = [
    pageExists
      ? watchPage(`${base}/console/buyer/orders/${orderRef}/live`, cookie, page, stop.signal)
      : pollApi(orderRef, STAND_IN_POLL_MS, page, stop.signal),
    pollApi(orderRef, PEER_POLL_MS, peer, stop.signal),
  ];
  // Until the deployment ends and both observers saw its end (or the hang guard fires).
  const until = Date.now() + DEPLOYMENT_LIMIT_MS;
  let state = 'requested';
  for (;;) {
    const rows = await db.query<{ state: string }>('select state from deployments where id = $1', [
      deploymentId,
    ]);
    state = rows[0]?.state ?? state;
    const ended = isFinished(state);
    const report = `report:${state === 'succeeded' ? 'succeeded' : 'failed'}`;
    const bothSaw = [page, peer].every(
      (o) => o.seen.has(report) || [...o.seen.keys()].some((k) => k.endsWith(':failed')),
    );
    if ((ended && bothSaw) || Date.now() > until) break;
    await sleep(50);
  }
  // One more peer interval, so a change just before the end is seen by both.
  await sleep(PEER_POLL_MS + 200);
  stop.abort();
  await Promise.all(watchers);
  if (state !== 'succeeded') failed++;

  const changed = await changes(deploymentId);
  const cutoff = Math.max(page.firstAnswerAt ?? Infinity, peer.firstAnswerAt ?? Infinity);
  const perDeployment = { page: [] as number[], peer: [] as number[] };
  if (process.env.BENCH_TRACE === '1') trace(changed, page, peer, cutoff);
  for (const [key, at] of changed) {
    if (at < cutoff) continue;
    counted++;
    for (const [name, o] of [
      ['page', page],
      ['peer', peer],
    ] as const) {
      const seenAt = o.seen.get(key);
      if (seenAt === undefined) {
        missed[name]++;
        continue;
      }
      lags[name].push(seenAt - at);
      perDeployment[name].push(seenAt - at);
    }
  }
  console.log(
    `deployment ${i + 1}/${DEPLOYMENTS} ${state}: ` +
      `page ${perDeployment.page.length} changes, p50 ${ms(quantile(perDeployment.page, 0.5))} ` +
      `max ${ms(Math.max(...perDeployment.page))}; ` +
      `JSON poll ${perDeployment.peer.length} changes, p50 ${ms(quantile(perDeployment.peer, 0.5))} ` +
      `max ${ms(Math.max(...perDeployment.peer))}`,
  );
}

// --- results ------------------------------------------------------------------------------------
const pageName = pageExists
  ? 'page (SSE /console/buyer/orders/:id/live)'
  : `JSON API every ${STAND_IN_POLL_MS} ms (stand-in: no buyer live page)`;
const line = (name: string, xs: number[], miss: number) =>
  console.log(
    `${name.padEnd(62)} n ${String(xs.length).padStart(3)}  p50 ${ms(quantile(xs, 0.5)).padStart(8)}  ` +
      `p95 ${ms(quantile(xs, 0.95)).padStart(8)}  max ${ms(Math.max(...xs)).padStart(8)}  ` +
      `never shown ${miss} (superseded between two looks)`,
  );
console.log(`\nstep change (database row) → seen, over ${counted} changes:`);
line(pageName, lags.page, missed.page);
line(`peer: JSON API polled every ${PEER_POLL_MS} ms (curl user)`, lags.peer, missed.peer);
const p95 = quantile(lags.page, 0.95);
console.log(
  `page / peer: p50 ${(quantile(lags.page, 0.5) / quantile(lags.peer, 0.5)).toFixed(2)}x, ` +
    `p95 ${(p95 / quantile(lags.peer, 0.95)).toFixed(2)}x; ` +
    `target page p95 < ${TARGET_P95_MS} ms: ${p95 < TARGET_P95_MS ? 'PASS' : 'MISS'}` +
    `${pageExists ? '' : ' (measured on the stand-in, not the page)'}` +
    `${failed ? `; ${failed} deployment(s) did not succeed` : ''}`,
);

http.close();
worker.shutdown();
await running;
await native.close();
await client.connection.close();
await server.stop();
await sandbox.stop();
await db.close();
rmSync(storeDir, { recursive: true, force: true });
