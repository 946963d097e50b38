import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/sql.js';
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
      await tx.query(
        'insert into license_api_credentials (ak, seller_id, sealed_sk) values ($1, $2, $3)',
        [ak, sellerId, seal(sk, this.wraps[0] as WrappingKey, `api-credential:${ak}`)],
      );
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
    const rows = await this.sql.query<{ seller_id: string; sealed_sk: string }>(
      'select seller_id, sealed_sk from license_api_credentials where ak = $1 and revoked_at is null',
      [ak],
    );
    const row = rows[0];
    if (!row) {
      this.cache.delete(ak); // unknown AKs are not cached, so the map cannot be grown by strangers
      return undefined;
    }
    const entry = {
      sellerId: row.seller_id,
      sk: unseal(row.sealed_sk, this.wraps, `api-credential:${ak}`).toString('utf8'),
      until: this.now() + CACHE_MS,
    };
    this.cache.set(ak, entry);
    return { sellerId: entry.sellerId, sk: entry.sk };
  }

  /** Revokes a seller's AK. */
  async revoke(sellerId: string, ak: string): Promise<void> {
    const rows = await this.sql.query(
      `update license_api_credentials set revoked_at = now()
        where ak = $1 and seller_id = $2 and revoked_at is null returning ak`,
      [ak, sellerId],
    );
    if (rows.length === 0) throw new AppError('NOT_FOUND', 'No such access key');
    this.cache.delete(ak);
  }

  /** A seller's AKs (never the SKs). */
  async list(
    sellerId: string,
  ): Promise<{ ak: string; createdAt: string; revokedAt: string | null }[]> {
    const rows = await this.sql.query<{
      ak: string;
      created_at: Date | string;
      revoked_at: Date | string | null;
    }>(
      'select ak, created_at, revoked_at from license_api_credentials where seller_id = $1 order by created_at desc',
      [sellerId],
    );
    return rows.map((r) => ({
      ak: r.ak,
      createdAt: new Date(r.created_at).toISOString(),
      revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
    }));
  }
}
