import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/sql.js';
import {
  findActiveApiCredential,
  insertApiCredential,
  listApiCredentials,
  revokeApiCredential,
} from '../db/repositories/api-credentials.js';
import { AppError } from '../errors.js';
import { appendAudit } from './audit-log.js';
import { seal, unseal, type WrappingKey } from './seal.js';

/**
 * AK/SK pairs that sellers' software signs open-API calls with (SDK-HMAC-SHA256). The SK is shown
 * once at creation and kept sealed; lookups are cached briefly because every open-API call needs
 * one, and a revoked AK stops working within the cache lifetime.
 */
const CACHE_MS = 30_000;

export class ApiCredentialStore {
  private readonly cache = new Map<
    string,
    { sellerId: string; sk: string; until: number } | null
  >();

  constructor(
    private readonly sql: Sql,
    private readonly wraps: readonly WrappingKey[],
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a pair for a seller; the SK is returned here and never again. */
  async create(sellerId: string): Promise<{ ak: string; sk: string }> {
    // Huawei-style shapes: a 20-character upper-case AK, a 40-character SK.
    const ak = randomBytes(15)
      .toString('base64url')
      .toUpperCase()
      .replace(/[-_]/g, 'X')
      .slice(0, 20);
    const sk = randomBytes(30).toString('base64url').slice(0, 40);
    await this.sql.transaction(async (tx) => {
      await insertApiCredential(tx, {
        ak,
        sellerId,
        sealedSk: seal(sk, this.wraps[0] as WrappingKey, `api-credential:${ak}`),
      });
      await appendAudit(tx, {
        actor: `seller:${sellerId}`,
        action: 'credential.created',
        subject: ak,
      });
    });
    return { ak, sk };
  }

  /** The seller and SK of an active AK, or undefined. */
  async lookup(ak: string): Promise<{ sellerId: string; sk: string } | undefined> {
    if (!/^[A-Z0-9]{1,64}$/.test(ak)) return undefined;
    const hit = this.cache.get(ak);
    if (hit !== undefined && (hit === null || hit.until > this.now())) return hit ?? undefined;
    const row = await findActiveApiCredential(this.sql, ak);
    if (!row) {
      this.cache.delete(ak); // unknown AKs are not cached, so the map cannot be grown by strangers
      return undefined;
    }
    const entry = {
      sellerId: row.sellerId,
      sk: unseal(row.sealedSk, this.wraps, `api-credential:${ak}`).toString('utf8'),
      until: this.now() + CACHE_MS,
    };
    this.cache.set(ak, entry);
    return { sellerId: entry.sellerId, sk: entry.sk };
  }

  /** Revokes a seller's AK. */
  async revoke(sellerId: string, ak: string): Promise<void> {
    if (!(await revokeApiCredential(this.sql, sellerId, ak))) {
      throw new AppError('NOT_FOUND', 'No such access key');
    }
    this.cache.delete(ak);
  }

  /** A seller's AKs (never the SKs). */
  list(sellerId: string): Promise<{ ak: string; createdAt: string; revokedAt: string | null }[]> {
    return listApiCredentials(this.sql, sellerId);
  }
}
