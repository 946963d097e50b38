import type { Sql } from '../sql.js';

// The `ssh_host_keys` table (migration 0200): one pinned SHA-256 fingerprint per server.

/** The fingerprint pinned for a server, or undefined before first contact. */
export async function getHostKeyFingerprint(
  sql: Sql,
  serverId: string,
): Promise<string | undefined> {
  const rows = await sql.query<{ fingerprint: string }>(
    'select fingerprint from ssh_host_keys where server_id = $1',
    [serverId],
  );
  return rows[0]?.fingerprint;
}

/** Records the fingerprint unless the server already has one (the existing pin stays). */
export async function insertHostKeyIfAbsent(
  sql: Sql,
  serverId: string,
  fingerprint: string,
): Promise<void> {
  await sql.query(
    `insert into ssh_host_keys (server_id, fingerprint) values ($1, $2)
     on conflict (server_id) do nothing`,
    [serverId, fingerprint],
  );
}

/** Removes a server's pin. */
export async function deleteHostKey(sql: Sql, serverId: string): Promise<void> {
  await sql.query('delete from ssh_host_keys where server_id = $1', [serverId]);
}

/** Removes a server's pin and answers the fingerprint it held (undefined when none was pinned). */
export async function deleteHostKeyReturning(
  sql: Sql,
  serverId: string,
): Promise<string | undefined> {
  const rows = await sql.query<{ fingerprint: string }>(
    'delete from ssh_host_keys where server_id = $1 returning fingerprint',
    [serverId],
  );
  return rows[0]?.fingerprint;
}
