import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from '../sql.js';
import { newId } from '../ids.js';
import { AppError } from '../../errors.js';
import {
  afterKeyset,
  keysetColumn,
  newestFirst,
  toPage,
  type Keyset,
  type Page,
} from './keyset.js';
import { iso } from './row-values.js';

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

/** An API key as operators see it: never the key, nor its hash. */
export interface ApiKeySummary {
  id: string;
  /** The 8 hex characters after `ock_`, which tell keys apart. */
  prefix: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A principal with its account and its keys, newest key first. */
export interface PrincipalWithKeys extends Principal {
  createdAt: string;
  /** A buyer's marketplace customer id, when it has one. */
  customerId: string | null;
  keys: ApiKeySummary[];
}

interface KeyRow {
  id: string;
  principal_id: string;
  prefix: string;
  name: string | null;
  created_at: Date | string;
  last_used_at: Date | string | null;
  revoked_at: Date | string | null;
}

const toKey = (r: KeyRow): ApiKeySummary => ({
  id: r.id,
  prefix: r.prefix,
  name: r.name,
  createdAt: iso(r.created_at),
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
});

type ListedRow = PrincipalRow & {
  created_at: Date | string;
  customer_id: string | null;
  keyset_at: string;
};

const PRINCIPAL_COLUMNS = `p.id, p.role, p.name, p.seller_id, p.buyer_id, p.created_at,
  b.marketplace_customer_id as customer_id, ${keysetColumn('p')}`;

/** The keys of these principals, grouped by principal, newest first. */
async function keysOf(sql: Sql, principalIds: string[]): Promise<Map<string, ApiKeySummary[]>> {
  const byPrincipal = new Map<string, ApiKeySummary[]>(principalIds.map((id) => [id, []]));
  if (principalIds.length === 0) return byPrincipal;
  const rows = await sql.query<KeyRow>(
    `select id, principal_id, prefix, name, created_at, last_used_at, revoked_at
       from api_keys where principal_id = any($1::text[])
      order by created_at desc, id desc`,
    [principalIds],
  );
  for (const r of rows) byPrincipal.get(r.principal_id)?.push(toKey(r));
  return byPrincipal;
}

/** Principals (of one role, or all), newest first by keyset, each with its keys. */
export async function listPrincipals(
  sql: Sql,
  filter: { role?: Role },
  page: { limit: number; after?: Keyset },
): Promise<Page<PrincipalWithKeys>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.role !== undefined) where.push(`p.role = $${params.push(filter.role)}`);
  if (page.after) where.push(afterKeyset('p', page.after, params));
  const rows = await sql.query<ListedRow>(
    `select ${PRINCIPAL_COLUMNS}
       from principals p left join buyers b on b.id = p.buyer_id
      ${where.length ? `where ${where.join(' and ')}` : ''}
      ${newestFirst('p')} limit $${params.push(page.limit + 1)}`,
    params,
  );
  const listed = toPage(rows, page.limit, (r) => r);
  const keys = await keysOf(
    sql,
    listed.items.map((r) => r.id),
  );
  return {
    items: listed.items.map((r) => ({
      ...toPrincipal(r),
      createdAt: iso(r.created_at),
      customerId: r.customer_id,
      keys: keys.get(r.id) ?? [],
    })),
    ...(listed.next && { next: listed.next }),
  };
}

/** One principal with its keys, or undefined. */
export async function getPrincipalWithKeys(
  sql: Sql,
  id: string,
): Promise<PrincipalWithKeys | undefined> {
  const rows = await sql.query<ListedRow>(
    `select ${PRINCIPAL_COLUMNS}
       from principals p left join buyers b on b.id = p.buyer_id where p.id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r) return undefined;
  const keys = await keysOf(sql, [r.id]);
  return {
    ...toPrincipal(r),
    createdAt: iso(r.created_at),
    customerId: r.customer_id,
    keys: keys.get(r.id) ?? [],
  };
}

export type KeyRevocation =
  | { outcome: 'revoked'; key: ApiKeySummary; endedSessions: number }
  | { outcome: 'already-revoked'; key: ApiKeySummary }
  | { outcome: 'not-found' }
  | { outcome: 'last-operator-key'; key: ApiKeySummary };

/**
 * Revokes one of a principal's keys and deletes the console sessions it opened (they stop
 * working at once anyway: a session is honoured only while its key is unrevoked). The last
 * unrevoked key of any operator is kept, so OneClick is never left without one.
 */
export async function revokePrincipalKey(
  sql: Sql,
  principalId: string,
  keyId: string,
): Promise<KeyRevocation> {
  return sql.transaction(async (tx) => {
    const rows = await tx.query<KeyRow & { key_hash: string; role: Role }>(
      `select k.id, k.principal_id, k.prefix, k.name, k.created_at, k.last_used_at, k.revoked_at,
              k.key_hash, p.role
         from api_keys k join principals p on p.id = k.principal_id
        where k.id = $1 and k.principal_id = $2 for update of k`,
      [keyId, principalId],
    );
    const row = rows[0];
    if (!row) return { outcome: 'not-found' };
    if (row.revoked_at !== null) return { outcome: 'already-revoked', key: toKey(row) };
    if (row.role === 'operator') {
      const others = await tx.query(
        `select 1 from api_keys k join principals p on p.id = k.principal_id
          where p.role = 'operator' and k.revoked_at is null and k.id <> $1 limit 1`,
        [keyId],
      );
      if (others.length === 0) return { outcome: 'last-operator-key', key: toKey(row) };
    }
    const revoked = await tx.query<KeyRow>(
      `update api_keys set revoked_at = now() where id = $1
       returning id, principal_id, prefix, name, created_at, last_used_at, revoked_at`,
      [keyId],
    );
    const ended = await tx.query('delete from console_sessions where key_hash = $1 returning 1', [
      row.key_hash,
    ]);
    return { outcome: 'revoked', key: toKey(revoked[0]!), endedSessions: ended.length };
  });
}

/**
 * Records that a key was used, at most once per `everySeconds` per key (so a busy key costs one
 * write a few minutes, not one per request). For the auth middleware and console sign-in.
 */
export async function markApiKeyUsed(sql: Sql, keyHash: string, everySeconds = 300): Promise<void> {
  await sql.query(
    `update api_keys set last_used_at = now()
      where key_hash = $1 and revoked_at is null
        and (last_used_at is null or last_used_at < now() - make_interval(secs => $2::int))`,
    [keyHash, everySeconds],
  );
}
