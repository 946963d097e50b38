import type { Sql } from '../sql.js';
import type { SigningAlgorithm } from '../../license/keys.js';
import { iso } from './row-values.js';

/**
 * License signing keys (`license_signing_keys`), one owner each: a seller, or null for the
 * platform. At most one key per owner is `active`; `retiring` keys still verify; `retired` do not.
 */
export type KeyStatus = 'active' | 'retiring' | 'retired';

export interface SigningKeyRecord {
  kid: string;
  sellerId: string | null;
  alg: SigningAlgorithm;
  publicKeyPem: string;
  sealedPrivateKey: string;
  status: KeyStatus;
  createdAt: string;
  retiredAt: string | null;
}

interface KeyRow {
  kid: string;
  seller_id: string | null;
  alg: SigningAlgorithm;
  public_key_pem: string;
  sealed_private_key: string;
  status: KeyStatus;
  created_at: Date | string;
  retired_at: Date | string | null;
}

const toRecord = (r: KeyRow): SigningKeyRecord => ({
  kid: r.kid,
  sellerId: r.seller_id,
  alg: r.alg,
  publicKeyPem: r.public_key_pem,
  sealedPrivateKey: r.sealed_private_key,
  status: r.status,
  createdAt: iso(r.created_at),
  retiredAt: iso(r.retired_at),
});

// The platform's keys have no seller: owners compare with coalesce so null matches null.
const ownerIs = (n: number) => `coalesce(seller_id, '') = coalesce($${n}, '')`;

export async function findSigningKey(
  sql: Sql,
  kid: string,
  owner?: { sellerId: string | null },
): Promise<SigningKeyRecord | undefined> {
  const rows = await sql.query<KeyRow>(
    owner === undefined
      ? 'select * from license_signing_keys where kid = $1'
      : `select * from license_signing_keys where kid = $1 and ${ownerIs(2)}`,
    owner === undefined ? [kid] : [kid, owner.sellerId],
  );
  return rows[0] && toRecord(rows[0]);
}

/** The owner's active key, if it has one. */
export async function findActiveSigningKey(
  sql: Sql,
  sellerId: string | null,
): Promise<SigningKeyRecord | undefined> {
  const rows = await sql.query<KeyRow>(
    `select * from license_signing_keys where ${ownerIs(1)} and status = 'active'`,
    [sellerId],
  );
  return rows[0] && toRecord(rows[0]);
}

/**
 * Makes a new key the owner's active one, demoting the previous active key to `retiring`; call
 * inside a transaction so the owner never has two active keys or none.
 */
export async function insertActiveSigningKey(
  tx: Sql,
  k: {
    kid: string;
    sellerId: string | null;
    alg: SigningAlgorithm;
    publicKeyPem: string;
    sealedPrivateKey: string;
  },
): Promise<SigningKeyRecord> {
  await tx.query(
    `update license_signing_keys set status = 'retiring' where ${ownerIs(1)} and status = 'active'`,
    [k.sellerId],
  );
  const rows = await tx.query<KeyRow>(
    `insert into license_signing_keys (kid, seller_id, alg, public_key_pem, sealed_private_key, status)
     values ($1, $2, $3, $4, $5, 'active') returning *`,
    [k.kid, k.sellerId, k.alg, k.publicKeyPem, k.sealedPrivateKey],
  );
  return toRecord(rows[0]!);
}

/** Keys that still verify (active and retiring), newest first; or the one with `kid`. */
export async function listPublishedSigningKeys(
  sql: Sql,
  kid?: string,
): Promise<SigningKeyRecord[]> {
  const rows = await sql.query<KeyRow>(
    kid === undefined
      ? `select * from license_signing_keys where status <> 'retired' order by created_at desc, kid`
      : `select * from license_signing_keys where kid = $1 and status <> 'retired'`,
    kid === undefined ? [] : [kid],
  );
  return rows.map(toRecord);
}

/** The keys of one owner, newest first. */
export async function listSigningKeys(
  sql: Sql,
  sellerId: string | null,
): Promise<SigningKeyRecord[]> {
  const rows = await sql.query<KeyRow>(
    `select * from license_signing_keys where ${ownerIs(1)} order by created_at desc, kid`,
    [sellerId],
  );
  return rows.map(toRecord);
}

/** Retires the owner's `retiring` key `kid`; undefined when it is not one. */
export async function retireSigningKey(
  sql: Sql,
  sellerId: string | null,
  kid: string,
): Promise<SigningKeyRecord | undefined> {
  const rows = await sql.query<KeyRow>(
    `update license_signing_keys set status = 'retired', retired_at = now()
      where kid = $1 and ${ownerIs(2)} and status = 'retiring'
      returning *`,
    [kid, sellerId],
  );
  return rows[0] && toRecord(rows[0]);
}
