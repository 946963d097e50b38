import type { Sql } from '../sql.js';
import type { Principal, Role } from './principals.js';

export interface ConsoleSessionRow {
  principal: Principal;
  csrfToken: string;
  expiresAt: Date;
}

export async function insertConsoleSession(
  sql: Sql,
  input: { tokenHash: string; keyHash: string; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await sql.query(
    `insert into console_sessions (token_hash, key_hash, csrf_token, expires_at)
     values ($1, $2, $3, $4)`,
    [input.tokenHash, input.keyHash, input.csrfToken, input.expiresAt.toISOString()],
  );
}

/** The unexpired session with this token hash whose key is not revoked, with its principal. */
export async function findConsoleSession(
  sql: Sql,
  tokenHash: string,
): Promise<ConsoleSessionRow | undefined> {
  const rows = await sql.query<{
    id: string;
    role: Role;
    name: string;
    seller_id: string | null;
    buyer_id: string | null;
    csrf_token: string;
    expires_at: Date | string;
  }>(
    `select p.id, p.role, p.name, p.seller_id, p.buyer_id, s.csrf_token, s.expires_at
       from console_sessions s
       join api_keys k on k.key_hash = s.key_hash and k.revoked_at is null
       join principals p on p.id = k.principal_id
      where s.token_hash = $1 and s.expires_at > now()`,
    [tokenHash],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    principal: {
      id: r.id,
      role: r.role,
      name: r.name,
      sellerId: r.seller_id,
      buyerId: r.buyer_id,
    },
    csrfToken: r.csrf_token,
    expiresAt: new Date(r.expires_at),
  };
}

export async function deleteConsoleSession(sql: Sql, tokenHash: string): Promise<void> {
  await sql.query('delete from console_sessions where token_hash = $1', [tokenHash]);
}

/** Drops expired sessions; returns how many. */
export async function pruneConsoleSessions(sql: Sql): Promise<number> {
  const rows = await sql.query(
    'delete from console_sessions where expires_at <= now() returning 1',
  );
  return rows.length;
}
