import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from '../sql.js';
import { newId } from '../ids.js';
import { AppError } from '../../errors.js';

export type Role = 'buyer' | 'seller' | 'operator';

export interface Principal {
  id: string;
  role: Role;
  name: string;
  sellerId: string | null;
  buyerId: string | null;
}

interface PrincipalRow {
  id: string;
  role: Role;
  name: string;
  seller_id: string | null;
  buyer_id: string | null;
}

const toPrincipal = (r: PrincipalRow): Principal => ({
  id: r.id,
  role: r.role,
  name: r.name,
  sellerId: r.seller_id,
  buyerId: r.buyer_id,
});

/** SHA-256 of an API key. Keys carry 256 random bits, so a fast hash is enough. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Creates a principal; a seller or buyer principal gets its seller/buyer row (or joins one). */
export async function createPrincipal(
  sql: Sql,
  input: {
    role: Role;
    name: string;
    sellerId?: string;
    buyerId?: string;
    marketplaceCustomerId?: string;
  },
): Promise<Principal> {
  return sql.transaction(async (tx) => {
    let sellerId: string | null = null;
    let buyerId: string | null = null;
    if (input.role === 'seller') {
      sellerId = input.sellerId ?? newId('slr');
      await tx.query('insert into sellers (id, name) values ($1, $2) on conflict (id) do nothing', [
        sellerId,
        input.name,
      ]);
    }
    if (input.role === 'buyer') {
      buyerId = input.buyerId ?? (await upsertBuyer(tx, input.marketplaceCustomerId, input.name));
    }
    const id = newId('prn');
    const rows = await tx.query<PrincipalRow>(
      `insert into principals (id, role, name, seller_id, buyer_id) values ($1, $2, $3, $4, $5)
       returning id, role, name, seller_id, buyer_id`,
      [id, input.role, input.name, sellerId, buyerId],
    );
    return toPrincipal(rows[0]!);
  });
}

/** The buyer with this marketplace customer id, created on first sight. */
export async function upsertBuyer(
  sql: Sql,
  customerId: string | undefined,
  name: string,
): Promise<string> {
  if (customerId === undefined) {
    const id = newId('buy');
    await sql.query('insert into buyers (id, name) values ($1, $2)', [id, name]);
    return id;
  }
  const rows = await sql.query<{ id: string }>(
    `insert into buyers (id, marketplace_customer_id, name) values ($1, $2, $3)
     on conflict (marketplace_customer_id) do update set name = buyers.name
     returning id`,
    [newId('buy'), customerId, name],
  );
  return rows[0]!.id;
}

/** Issues an API key for a principal. The plain key is returned once and never stored. */
export async function createApiKey(
  sql: Sql,
  principalId: string,
  name?: string,
): Promise<{ id: string; key: string; prefix: string }> {
  const exists = await sql.query('select 1 from principals where id = $1', [principalId]);
  if (exists.length === 0) throw new AppError('NOT_FOUND', `no principal ${principalId}`);
  const prefix = randomBytes(4).toString('hex');
  const key = `ock_${prefix}_${randomBytes(32).toString('base64url')}`;
  const id = newId('key');
  await sql.query(
    'insert into api_keys (id, principal_id, key_hash, prefix, name) values ($1, $2, $3, $4, $5)',
    [id, principalId, hashApiKey(key), prefix, name ?? null],
  );
  return { id, key, prefix };
}

/** The principal owning an unrevoked key, or undefined. */
export function findPrincipalByApiKey(sql: Sql, key: string): Promise<Principal | undefined> {
  return findPrincipalByApiKeyHash(sql, hashApiKey(key));
}

/** The principal owning the unrevoked key with this hash (a codec session names its key so). */
export async function findPrincipalByApiKeyHash(
  sql: Sql,
  keyHash: string,
): Promise<Principal | undefined> {
  const rows = await sql.query<PrincipalRow>(
    `select p.id, p.role, p.name, p.seller_id, p.buyer_id
       from api_keys k join principals p on p.id = k.principal_id
      where k.key_hash = $1 and k.revoked_at is null`,
    [keyHash],
  );
  const row = rows[0];
  return row ? toPrincipal(row) : undefined;
}

export async function revokeApiKey(sql: Sql, keyId: string): Promise<boolean> {
  const rows = await sql.query(
    'update api_keys set revoked_at = now() where id = $1 and revoked_at is null returning id',
    [keyId],
  );
  return rows.length > 0;
}

/** Whether a seller with this id exists. */
export async function sellerExists(sql: Sql, sellerId: string): Promise<boolean> {
  const rows = await sql.query('select 1 from sellers where id = $1', [sellerId]);
  return rows.length > 0;
}

/** Whether any principal exists (false on a fresh install). */
export async function anyPrincipalExists(sql: Sql): Promise<boolean> {
  const rows = await sql.query('select 1 from principals limit 1');
  return rows.length > 0;
}
