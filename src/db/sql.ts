import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * The one SQL layer: the same PostgreSQL text and `$n` parameters run on embedded PGlite and on
 * PostgreSQL. Repositories receive a `Sql`; inside `transaction` they receive the transaction's.
 */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/** Opens PGlite under `dataDir` (or in memory when undefined). */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const db = dataDir ? new PGlite(dataDir) : new PGlite();
  await db.waitReady;
  // PGlite runs one statement at a time; a queue keeps a transaction's statements from
  // interleaving with statements issued outside it.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Sql => ({
    async query<T>(text: string, params?: unknown[]) {
      const r = await q.query<T>(text, params);
      return r.rows;
    },
    async exec(text: string) {
      await q.exec(text);
    },
    transaction: (fn) => fn(wrap(q)), // nested: already inside the transaction
  });
  return {
    kind: 'pglite',
    query: <T>(text: string, params?: unknown[]) =>
      serial(async () => (await db.query<T>(text, params)).rows),
    exec: (text: string) => serial(async () => void (await db.exec(text))),
    transaction: <T>(fn: (tx: Sql) => Promise<T>) =>
      serial(() => db.transaction((tx) => fn(wrap(tx)))),
    close: () => serial(() => db.close()),
  };
}

/**
 * Opens a PostgreSQL pool of up to `max` connections, `min` of them opened here and kept open.
 * Opening a connection (a server backend with cold caches) costs milliseconds, so connections
 * opened on demand, or reopened after idling out (10 s), would put that cost on requests: the
 * License 2.0 activate API under load had its p99/max set by exactly those requests.
 */
export async function openPostgres(
  url: string,
  max = 10,
  min = Math.min(max, 4),
): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max, min: Math.min(min, max) });
  // An idle client whose connection the server ends (restart, dropped database) must not crash
  // the process: the pool discards it and the next query gets a fresh one.
  pool.on('error', () => undefined);
  // Open the kept connections now: at start, not during the first requests, and so that an
  // unreachable server fails the start.
  const opening = await Promise.allSettled(
    Array.from({ length: Math.max(1, Math.min(min, max)) }, () => pool.connect()),
  );
  for (const r of opening) if (r.status === 'fulfilled') r.value.release();
  const failed = opening.find((r) => r.status === 'rejected');
  if (failed) {
    await pool.end().catch(() => undefined);
    throw failed.reason;
  }
  const wrapClient = (client: pg.PoolClient): Sql => ({
    async query<T>(text: string, params?: unknown[]) {
      const r = await client.query(text, params);
      return r.rows as T[];
    },
    async exec(text: string) {
      await client.query(text);
    },
    transaction: (fn) => fn(wrapClient(client)),
  });
  return {
    kind: 'postgres',
    async query<T>(text: string, params?: unknown[]) {
      const r = await pool.query(text, params);
      return r.rows as T[];
    },
    async exec(text: string) {
      await pool.query(text);
    },
    async transaction<T>(fn: (tx: Sql) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrapClient(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** The cheapest round trip to the database: resolves when it answers (health checks). */
export async function ping(sql: Sql): Promise<void> {
  await sql.query('select 1');
}

/** PostgreSQL when a URL is given, else PGlite under `pgliteDir`. */
export function openDatabase(opts: {
  url?: string;
  pgliteDir?: string;
  /** PostgreSQL connections this process may hold at most (ONECLICK_DATABASE_POOL_MAX). */
  poolMax?: number;
}): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts.poolMax) : openPglite(opts.pgliteDir);
}
