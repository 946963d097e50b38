import type { Sql } from '../sql.js';
import { iso } from './row-values.js';

/** Sellers' open-API AK/SK pairs (`license_api_credentials`); the SK is stored sealed. */

export async function insertApiCredential(
  sql: Sql,
  c: { ak: string; sellerId: string; sealedSk: string },
): Promise<void> {
  await sql.query(
    'insert into license_api_credentials (ak, seller_id, sealed_sk) values ($1, $2, $3)',
    [c.ak, c.sellerId, c.sealedSk],
  );
}

/** The seller and sealed SK of an unrevoked AK. */
export async function findActiveApiCredential(
  sql: Sql,
  ak: string,
): Promise<{ sellerId: string; sealedSk: string } | undefined> {
  const rows = await sql.query<{ seller_id: string; sealed_sk: string }>(
    'select seller_id, sealed_sk from license_api_credentials where ak = $1 and revoked_at is null',
    [ak],
  );
  const r = rows[0];
  return r && { sellerId: r.seller_id, sealedSk: r.sealed_sk };
}

/** Revokes a seller's AK; false when the seller has no such unrevoked AK. */
export async function revokeApiCredential(
  sql: Sql,
  sellerId: string,
  ak: string,
): Promise<boolean> {
  const rows = await sql.query(
    `update license_api_credentials set revoked_at = now()
      where ak = $1 and seller_id = $2 and revoked_at is null returning ak`,
    [ak, sellerId],
  );
  return rows.length > 0;
}

/** A seller's AKs (never the SKs), newest first. */
export async function listApiCredentials(
  sql: Sql,
  sellerId: string,
): Promise<{ ak: string; createdAt: string; revokedAt: string | null }[]> {
  const rows = await sql.query<{
    ak: string;
    created_at: Date | string;
    revoked_at: Date | string | null;
  }>(
    'select ak, created_at, revoked_at from license_api_credentials where seller_id = $1 order by created_at desc',
    [sellerId],
  );
  return rows.map((r) => ({
    ak: r.ak,
    createdAt: iso(r.created_at),
    revokedAt: iso(r.revoked_at),
  }));
}
