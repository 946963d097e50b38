import type { Sql } from '../db/sql.js';
import {
  findLicense,
  listRevokedLicenses,
  updateLicense,
  type LicenseRecord,
} from '../db/repositories/licenses.js';
import { AppError } from '../errors.js';
import { appendAudit, auditHead } from './audit-log.js';
import { checkLicense, type LicenseCheck } from './license-document.js';
import { signRevocationList } from './revocation-list.js';
import type { SigningKeyStore } from './signing-key-store.js';

/** Revocation by sellers, the signed status list offline software fetches, and online verify. */
export class RevocationService {
  constructor(
    private readonly sql: Sql,
    private readonly keys: SigningKeyStore,
    private readonly issuer: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Revokes a seller's license (idempotent); foreign licenses answer NOT_FOUND. */
  async revoke(sellerId: string, licenseId: string, reason: string): Promise<LicenseRecord> {
    if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 500) {
      throw new AppError('VALIDATION_FAILED', 'reason must be 1 to 500 characters');
    }
    return this.sql.transaction(async (tx) => {
      const l = await findLicense(tx, 'id', licenseId, true);
      if (!l || l.sellerId !== sellerId) throw new AppError('NOT_FOUND', 'No such license');
      if (l.revokedAt) return l;
      const now = this.now();
      const updated = await updateLicense(tx, l.id, {
        revoked_at: now,
        revoke_reason: reason.trim(),
      });
      await appendAudit(
        tx,
        {
          actor: `seller:${sellerId}`,
          action: 'license.revoked',
          subject: l.id,
          data: { reason: reason.trim() },
        },
        now,
      );
      return updated;
    });
  }

  /** The signed revocation list, under the platform key. */
  async statusList(ttlSeconds = 3600): Promise<string> {
    const [revoked, head, key] = await Promise.all([
      listRevokedLicenses(this.sql),
      auditHead(this.sql),
      this.keys.activeKey(null),
    ]);
    return signRevocationList(key, {
      issuer: this.issuer,
      revoked,
      auditHead: head,
      now: this.now(),
      ttlSeconds,
    });
  }

  /** Online verification: signature against published keys, time window, revocation, machine. */
  async verify(token: string, fingerprint?: string): Promise<LicenseCheck> {
    const keys = await this.keys.publishedKeys();
    const revoked = new Set((await listRevokedLicenses(this.sql)).map((r) => r.id));
    return checkLicense(token, keys, {
      now: this.now(),
      revoked,
      ...(fingerprint ? { fingerprint } : {}),
    });
  }
}
