import type { Sql } from '../sql.js';

// The `idempotency_keys` table: one row per (principal, key), claimed with status 0 until the
// first answer is stored.

/** A claimed key: the request it was claimed for and, once stored, the answer to replay. */
export interface IdempotencyRecord {
  requestHash: string;
  /** 0 while the first request is still running. */
  statusCode: number;
  response: unknown;
}

/**
 * Claims the key for this request; false when the principal already holds it. A claim for the
 * same request that is still unanswered after `staleAfterSeconds` belonged to a request that died
 * (a crash, a lost connection): it is taken over, and its clock starts again.
 */
export async function claimIdempotencyKey(
  sql: Sql,
  principalId: string,
  key: string,
  requestHash: string,
  staleAfterSeconds: number,
): Promise<boolean> {
  const claimed = await sql.query(
    `insert into idempotency_keys (principal_id, key, request_hash, status_code, response)
     values ($1, $2, $3, 0, 'null')
     on conflict (principal_id, key) do update set created_at = now()
       where idempotency_keys.status_code = 0
         and idempotency_keys.request_hash = excluded.request_hash
         and idempotency_keys.created_at < now() - make_interval(secs => $4)
     returning key`,
    [principalId, key, requestHash, staleAfterSeconds],
  );
  return claimed.length > 0;
}

/** Deletes every key older than `olderThanSeconds`, answered or not; returns how many. */
export async function pruneIdempotencyKeys(sql: Sql, olderThanSeconds: number): Promise<number> {
  const rows = await sql.query(
    `delete from idempotency_keys where created_at < now() - make_interval(secs => $1)
     returning key`,
    [olderThanSeconds],
  );
  return rows.length;
}

/** The key's row, or undefined when it is gone. */
export async function getIdempotencyKey(
  sql: Sql,
  principalId: string,
  key: string,
): Promise<IdempotencyRecord | undefined> {
  const [row] = await sql.query<{
    request_hash: string;
    status_code: number;
    response: unknown;
  }>(
    'select request_hash, status_code, response from idempotency_keys where principal_id = $1 and key = $2',
    [principalId, key],
  );
  return row
    ? { requestHash: row.request_hash, statusCode: row.status_code, response: row.response }
    : undefined;
}

/** Stores the first answer (`response` as JSON text) for replay. */
export async function completeIdempotencyKey(
  sql: Sql,
  principalId: string,
  key: string,
  statusCode: number,
  response: string,
): Promise<void> {
  await sql.query(
    'update idempotency_keys set status_code = $3, response = $4 where principal_id = $1 and key = $2',
    [principalId, key, statusCode, response],
  );
}

/** Frees the key, so a retry runs again. */
export async function deleteIdempotencyKey(
  sql: Sql,
  principalId: string,
  key: string,
): Promise<void> {
  await sql.query('delete from idempotency_keys where principal_id = $1 and key = $2', [
    principalId,
    key,
  ]);
}
