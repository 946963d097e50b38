import type { Sql } from '../db/sql.js';
import { AppError } from '../errors.js';
import {
  generateSigningKey,
  importSigningKey,
  loadSigningKey,
  loadVerifyingKey,
  storeSigningKey,
  type KeyImport,
  type SigningAlgorithm,
  type SigningKey,
  type VerifyingKey,
} from './keys.js';
import type { WrappingKey } from './seal.js';

/**
 * Signing keys in the database. Private keys are opened once per process and kept as KeyObjects
 * (parsing per signature would cost 3-14x). Rotation makes the new key active and the old one
 * `retiring`: it keeps verifying until retired, so no license goes unverifiable mid-rotation.
 */
export type KeyStatus = 'active' | 'retiring' | 'retired';

export interface KeyInfo {
  kid: string;
  sellerId: string | null;
  alg: SigningAlgorithm;
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

const info = (r: KeyRow): KeyInfo => ({
  kid: r.kid,
  sellerId: r.seller_id,
  alg: r.alg,
  status: r.status,
  createdAt: new Date(r.created_at).toISOString(),
  retiredAt: r.retired_at === null ? null : new Date(r.retired_at).toISOString(),
});

export class SigningKeyStore {
  private readonly opened = new Map<string, SigningKey>();
  private readonly verifying = new Map<string, VerifyingKey>();

  constructor(
    private readonly sql: Sql,
    private readonly wraps: readonly WrappingKey[],
  ) {
    if (wraps.length === 0) throw new Error('SigningKeyStore needs at least one wrapping key');
  }

  /**
   * Adds a key for an owner (seller id, or null for the platform), generated or imported, and makes
   * it the active one; the previous active key becomes `retiring` in the same transaction.
   */
  async addKey(
    sellerId: string | null,
    source: { generate: SigningAlgorithm } | { import: KeyImport },
  ): Promise<KeyInfo> {
    const key =
      'generate' in source ? generateSigningKey(source.generate) : importSigningKey(source.import);
    const stored = storeSigningKey(key, this.wraps[0] as WrappingKey);
    const row = await this.sql.transaction(async (tx) => {
      const existing = await tx.query<{ kid: string }>(
        'select kid from license_signing_keys where kid = $1',
        [key.kid],
      );
      if (existing.length > 0) {
        throw new AppError('KEY_ALREADY_REGISTERED', 'This key is already registered');
      }
      await tx.query(
        `update license_signing_keys set status = 'retiring'
          where coalesce(seller_id, '') = coalesce($1, '') and status = 'active'`,
        [sellerId],
      );
      const rows = await tx.query<KeyRow>(
        `insert into license_signing_keys (kid, seller_id, alg, public_key_pem, sealed_private_key, status)
         values ($1, $2, $3, $4, $5, 'active') returning *`,
        [stored.kid, sellerId, stored.alg, stored.publicKeyPem, stored.sealedPrivateKey],
      );
      return rows[0] as KeyRow;
    });
    this.opened.set(key.kid, key);
    return info(row);
  }

  /** The owner's active key, creating an Ed25519 one on first use. */
  async activeKey(sellerId: string | null): Promise<SigningKey> {
    const rows = await this.sql.query<KeyRow>(
      `select * from license_signing_keys where coalesce(seller_id, '') = coalesce($1, '') and status = 'active'`,
      [sellerId],
    );
    const row = rows[0];
    if (!row) {
      try {
        const created = await this.addKey(sellerId, { generate: 'EdDSA' });
        return this.signingKey(created.kid);
      } catch (err) {
        // Two first uses at once: the unique index lets one win; use the winner's key.
        const again = await this.sql.query<KeyRow>(
          `select * from license_signing_keys where coalesce(seller_id, '') = coalesce($1, '') and status = 'active'`,
          [sellerId],
        );
        if (again[0]) return this.open(again[0]);
        throw err;
      }
    }
    return this.open(row);
  }

  /** A signing key by kid (opened once). */
  async signingKey(kid: string): Promise<SigningKey> {
    const cached = this.opened.get(kid);
    if (cached) return cached;
    const rows = await this.sql.query<KeyRow>('select * from license_signing_keys where kid = $1', [
      kid,
    ]);
    if (!rows[0]) throw new AppError('NOT_FOUND', `No signing key ${kid}`);
    return this.open(rows[0]);
  }

  /** Every key that still verifies (active and retiring), for the JWKS and verification. */
  async publishedKeys(): Promise<VerifyingKey[]> {
    const rows = await this.sql.query<KeyRow>(
      `select * from license_signing_keys where status <> 'retired' order by created_at desc, kid`,
    );
    return rows.map((r) => this.verifyingKey(r));
  }

  /** A published verifying key by kid, or undefined (retired or unknown). */
  async publishedKey(kid: string): Promise<VerifyingKey | undefined> {
    const rows = await this.sql.query<KeyRow>(
      `select * from license_signing_keys where kid = $1 and status <> 'retired'`,
      [kid],
    );
    return rows[0] ? this.verifyingKey(rows[0]) : undefined;
  }

  /** The keys of one owner, newest first. */
  async list(sellerId: string | null): Promise<KeyInfo[]> {
    const rows = await this.sql.query<KeyRow>(
      `select * from license_signing_keys where coalesce(seller_id, '') = coalesce($1, '')
        order by created_at desc, kid`,
      [sellerId],
    );
    return rows.map(info);
  }

  /** Retires a non-active key of the owner: it stops verifying. The active key cannot be retired. */
  async retire(sellerId: string | null, kid: string): Promise<KeyInfo> {
    const rows = await this.sql.query<KeyRow>(
      `update license_signing_keys set status = 'retired', retired_at = now()
        where kid = $1 and coalesce(seller_id, '') = coalesce($2, '') and status = 'retiring'
        returning *`,
      [kid, sellerId],
    );
    if (rows[0]) {
      this.verifying.delete(kid);
      return info(rows[0]);
    }
    const found = await this.sql.query<KeyRow>(
      `select * from license_signing_keys where kid = $1 and coalesce(seller_id, '') = coalesce($2, '')`,
      [kid, sellerId],
    );
    if (!found[0]) throw new AppError('NOT_FOUND', `No signing key ${kid}`);
    if (found[0].status === 'active') {
      throw new AppError('KEY_IS_ACTIVE', 'Rotate to a new key before retiring the active one');
    }
    return info(found[0]);
  }

  private open(row: KeyRow): SigningKey {
    const cached = this.opened.get(row.kid);
    if (cached) return cached;
    const key = loadSigningKey(
      {
        kid: row.kid,
        alg: row.alg,
        publicKeyPem: row.public_key_pem,
        sealedPrivateKey: row.sealed_private_key,
      },
      this.wraps,
    );
    this.opened.set(row.kid, key);
    return key;
  }

  private verifyingKey(row: KeyRow): VerifyingKey {
    const cached = this.verifying.get(row.kid);
    if (cached) return cached;
    const key = loadVerifyingKey({ kid: row.kid, alg: row.alg, publicKeyPem: row.public_key_pem });
    this.verifying.set(row.kid, key);
    return key;
  }
}
