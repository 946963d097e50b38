import type { Sql } from '../sql.js';

// The `secrets` table: values arrive and leave sealed; sealing them is the secret store's job.

/** Stores a sealed value; `expiresAt` null keeps it until deleted. */
export async function insertSecret(
  sql: Sql,
  s: { id: string; purpose: string; sealed: string; expiresAt: Date | null },
): Promise<void> {
  await sql.query('insert into secrets (id, purpose, sealed, expires_at) values ($1, $2, $3, $4)', [
    s.id,
    s.purpose,
    s.sealed,
    s.expiresAt,
  ]);
}

/** The sealed value of an unexpired secret, or undefined. */
export async function getSealedSecret(sql: Sql, id: string): Promise<string | undefined> {
  const rows = await sql.query<{ sealed: string }>(
    'select sealed from secrets where id = $1 and (expires_at is null or expires_at > now())',
    [id],
  );
  return rows[0]?.sealed;
}

/** Removes a secret. */
export async function deleteSecret(sql: Sql, id: string): Promise<void> {
  await sql.query('delete from secrets where id = $1', [id]);
}

/** Moves a secret's expiry (after it, the secret resolves to nothing). */
export async function setSecretExpiry(sql: Sql, id: string, expiresAt: Date): Promise<void> {
  await sql.query('update secrets set expires_at = $2 where id = $1', [id, expiresAt]);
}
