import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPglite, openPostgres, type Database } from '../../src/db/sql.js';
import { migrate } from '../../src/db/migrate.js';

export type DatabaseKind = 'pglite' | 'postgres';

/** Both engines the repository tests run on; use with `describe.each(databaseKinds)`. */
export const databaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

/**
 * A new, empty database on the test PostgreSQL server: its URL, and how to drop it. For tests
 * whose OneClick processes migrate it themselves.
 */
export async function createTestPostgresDatabase(
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = inject('postgresUrl');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/**
 * A fresh, migrated database of the kind: in-memory PGlite, or a new database on the test
 * PostgreSQL server (dropped on close), so tests never see each other's rows.
 */
export async function openTestDatabase(kind: DatabaseKind): Promise<Database> {
  if (kind === 'pglite') {
    const db = await openPglite(undefined);
    await migrate(db);
    return db;
  }
  const { url, drop } = await createTestPostgresDatabase('oneclick_test');
  const db = await openPostgres(url, 5);
  await migrate(db);
  return {
    ...db,
    kind: db.kind,
    async close() {
      await db.close();
      await drop();
    },
  };
}
