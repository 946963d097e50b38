import type { Sql } from '../db/sql.js';
import {
  findActiveSigningKey,
  findSigningKey,
  insertActiveSigningKey,
  listPublishedSigningKeys,
  listSigningKeys,
  retireSigningKey,
  type KeyStatus,
  type SigningKeyRecord,
} from '../db/repositories/signing-keys.js';
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
export interface KeyInfo {
  kid: string;
  sellerId: string | null;
  alg: SigningAlgorithm;
  status: KeyStatus;
  createdAt: string;
  retiredAt: string | null;
}

const info = (r: SigningKeyRecord): KeyInfo => ({
  kid: r.kid,
  sellerId: r.sellerId,
  alg: r.alg,
  status: r.status,
  createdAt: r.createdAt,
  retiredAt: r.retiredAt,
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
    const record = await this.sql.transaction(async (tx) => {
      if (await findSigningKey(tx, key.kid)) {
        throw new AppError('KEY_ALREADY_REGISTERED', 'This key is already registered');
      }
      return insertActiveSigningKey(tx, { ...stored, sellerId });
    });
    this.opened.set(key.kid, key);
    return info(record);
  }

  /** The owner's active key, creating an Ed25519 one on first use. */
  async activeKey(sellerId: string | null): Promise<SigningKey> {
    const record = await findActiveSigningKey(this.sql, sellerId);
    if (record) return this.open(record);
    try {
      const created = await this.addKey(sellerId, { generate: 'EdDSA' });
      return await this.signingKey(created.kid);
    } catch (err) {
      // Two first uses at once: the unique index lets one win; use the winner's key.
      const winner = await findActiveSigningKey(this.sql, sellerId);
      if (winner) return this.open(winner);
      throw err;
    }
  }

  /** A signing key by kid (opened once). */
  async signingKey(kid: string): Promise<SigningKey> {
    const cached = this.opened.get(kid);
    if (cached) return cached;
    const record = await findSigningKey(this.sql, kid);
    if (!record) throw noKey(kid);
    return this.open(record);
  }

  /** Every key that still verifies (active and retiring), for the JWKS and verification. */
  async publishedKeys(): Promise<VerifyingKey[]> {
    return (await listPublishedSigningKeys(this.sql)).map((r) => this.verifyingKey(r));
  }

  /** A published verifying key by kid, or undefined (retired or unknown). */
  async publishedKey(kid: string): Promise<VerifyingKey | undefined> {
    const [record] = await listPublishedSigningKeys(this.sql, kid);
    return record && this.verifyingKey(record);
  }

  /** The keys of one owner, newest first. */
  async list(sellerId: string | null): Promise<KeyInfo[]> {
    return (await listSigningKeys(this.sql, sellerId)).map(info);
  }

  /** Retires a non-active key of the owner: it stops verifying. The active key cannot be retired. */
  async retire(sellerId: string | null, kid: string): Promise<KeyInfo> {
    const retired = await retireSigningKey(this.sql, sellerId, kid);
    if (retired) {
      this.verifying.delete(kid);
      return info(retired);
    }
    const found = await findSigningKey(this.sql, kid, { sellerId });
    if (!found) throw noKey(kid);
    if (found.status === 'active') {
      throw new AppError('KEY_IS_ACTIVE', 'Rotate to a new key before retiring the active one');
    }
    return info(found);
  }

  private open(record: SigningKeyRecord): SigningKey {
    const cached = this.opened.get(record.kid);
    if (cached) return cached;
    const key = loadSigningKey(record, this.wraps);
    this.opened.set(record.kid, key);
    return key;
  }

  private verifyingKey(record: SigningKeyRecord): VerifyingKey {
    const cached = this.verifying.get(record.kid);
    if (cached) return cached;
    const key = loadVerifyingKey(record);
    this.verifying.set(record.kid, key);
    return key;
  }
}

const noKey = (kid: string) => new AppError('NOT_FOUND', `No signing key ${kid}`);
