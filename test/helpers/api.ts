import { Writable } from 'node:stream';
import { createApp } from '../../src/api/app.js';
import type { AppDeps } from '../../src/api/context.js';
import { createLogger } from '../../src/logger.js';
import {
  createApiKey,
  createPrincipal,
  type Principal,
  type Role,
} from '../../src/db/repositories/principals.js';
import { signedQuery } from '../../src/marketplace/signing.js';
import { openTestDatabase, type DatabaseKind } from './databases.js';
import type { Database } from '../../src/db/sql.js';

export const MARKETPLACE_KEY = 'A'.repeat(32) + 'B'.repeat(32);

/** An app over a fresh database, with a captured log and helpers to call it as each role. */
export async function startTestApp(
  kind: DatabaseKind = 'pglite',
  /** Extra deps, or a function building them over the test database (e.g. license services). */
  overrides: Partial<AppDeps> | ((db: Database) => Partial<AppDeps>) = {},
) {
  const db = await openTestDatabase(kind);
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  const deps: AppDeps = {
    db,
    logger: createLogger('info', sink),
    marketplaceAccessKey: MARKETPLACE_KEY,
    ...(typeof overrides === 'function' ? overrides(db) : overrides),
  };
  // Every answer is held to its route's contract: an undeclared status or code answers 500.
  const app = createApp(deps, { checkContract: true });

  async function principal(
    role: Role,
    name: string = role,
  ): Promise<{ principal: Principal; key: string }> {
    const p = await createPrincipal(db, {
      role,
      name,
      marketplaceCustomerId: role === 'buyer' ? `cust-${name}` : undefined,
    });
    const { key } = await createApiKey(db, p.id);
    return { principal: p, key };
  }

  /** Calls the API with a bearer key and an optional JSON body. */
  function call(
    method: string,
    path: string,
    opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    return app.request(path, { method, headers, body });
  }

  /** Calls a marketplace endpoint signed the KooGallery way (or tampered by `mutate`). */
  function marketplace(
    event: string,
    body: unknown,
    opts: { now?: number; query?: URLSearchParams; accessKey?: string } = {},
  ) {
    const raw = JSON.stringify(body);
    const q =
      opts.query ?? signedQuery(opts.accessKey ?? MARKETPLACE_KEY, raw, opts.now ?? Date.now());
    return app.request(`/marketplace/v1/orders/${event}?${q.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
  }

  return { app, db, deps, logLines, principal, call, marketplace, close: () => db.close() };
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;
