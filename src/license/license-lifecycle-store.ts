import type { Sql } from '../db/sql.js';
import {
  insertSellerCall,
  listSellerCalls,
  type SellerCall,
} from '../db/repositories/license-seller-calls.js';
import {
  findLicense,
  loadOrderContext,
  updateLicense,
  type LicenseStatus,
} from '../db/repositories/licenses.js';
import { AppError } from '../errors.js';
import { appendAudit } from './audit-log.js';
import { notifySeller, type LifecycleRequest, type SellerAnswer } from './generator-client.js';
import type { GeneratorStore } from './generator-store.js';
import { formatKooGalleryTime } from '../domain/marketplace-time.js';
import { parseLicenseCode } from './license-code.js';
import type { LicenseCodeService } from './license-code-service.js';

/**
 * What the licenseLifecycle workflow does to the database and to the seller's endpoint. The
 * workflow passes only ids and times; the code and the access key are read here, inside the
 * activity, so they never enter workflow history.
 */
export interface LifecycleSnapshot {
  status: LicenseStatus;
  expiresAt: string | null;
  graceDays: number;
  retentionDays: number;
  /** Whether lifecycle calls go to a seller endpoint (License 2.0 with a remote generator). */
  notifies: boolean;
}

/** A lifecycle call as the workflow describes it: everything but the code. */
export type LifecycleNotice =
  | {
      activity: 'refreshLicenseCode';
      scene: 'RENEWAL' | 'UNSUBSCRIBE_RENEWAL_PERIOD';
      orderId: string;
      orderLineId: string;
      expiresAt: string;
    }
  | { activity: 'updateLicenseCodeStatus'; status: 'FREEZE' | 'UNFREEZE' }
  | { activity: 'releaseLicenseCode'; orderId?: string; orderLineId?: string };

export class LicenseLifecycleStore {
  constructor(
    private readonly sql: Sql,
    private readonly codes: LicenseCodeService,
    private readonly generators: GeneratorStore,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  async snapshot(licenseId: string): Promise<LifecycleSnapshot> {
    const l = await findLicense(this.sql, 'id', licenseId);
    if (!l) throw new AppError('NOT_FOUND', 'No such license');
    const ctx = await loadOrderContext(this.sql, l.orderId);
    const generator = l.generatorId ? await this.generators.get(l.generatorId) : undefined;
    return {
      status: l.status,
      expiresAt: l.expiresAt?.toISOString() ?? null,
      graceDays: Math.min(ctx.graceDays, 15),
      retentionDays: ctx.retentionDays,
      notifies: l.model === 'license2' && generator?.kind === 'remote',
    };
  }

  /** Moves the expiry (renewal); a frozen license comes back to ALIVE. Returns whether it was frozen. */
  async renew(licenseId: string, expiresAt: Date, actor: string): Promise<{ wasFrozen: boolean }> {
    return this.sql.transaction(async (tx) => {
      const l = await findLicense(tx, 'id', licenseId, true);
      if (!l) throw new AppError('NOT_FOUND', 'No such license');
      if (l.status === 'RELEASED') {
        throw new AppError('LICENSE_RELEASED', 'A released license cannot be renewed');
      }
      const wasFrozen = l.status === 'FROZEN';
      await updateLicense(tx, licenseId, {
        expires_at: expiresAt,
        ...(wasFrozen ? { status: 'ALIVE' as const } : {}),
      });
      await appendAudit(tx, {
        actor,
        action: 'license.renewed',
        subject: licenseId,
        data: { expiresAt: expiresAt.toISOString(), unfrozen: wasFrozen },
      });
      return { wasFrozen };
    });
  }

  /** Freezes or releases (idempotent: the same status again changes nothing). */
  async setStatus(licenseId: string, status: 'FROZEN' | 'RELEASED', actor: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const l = await findLicense(tx, 'id', licenseId, true);
      if (!l) throw new AppError('NOT_FOUND', 'No such license');
      if (l.status === status || l.status === 'RELEASED') return;
      await updateLicense(tx, licenseId, { status });
      await appendAudit(tx, {
        actor,
        action: status === 'FROZEN' ? 'license.frozen' : 'license.released',
        subject: licenseId,
      });
    });
  }

  /** Sends one lifecycle call to the seller's endpoint and records the attempt. */
  async notify(
    licenseId: string,
    notice: LifecycleNotice,
    attempt: number,
    testFlag = false,
  ): Promise<SellerAnswer | undefined> {
    const l = await findLicense(this.sql, 'id', licenseId);
    if (!l) throw new AppError('NOT_FOUND', 'No such license');
    const generator = l.generatorId ? await this.generators.get(l.generatorId) : undefined;
    if (l.model !== 'license2' || generator?.kind !== 'remote') return undefined;
    const license = parseLicenseCode(this.codes.reveal(l));
    const flag: '0' | '1' = testFlag ? '1' : '0';
    const request: LifecycleRequest =
      notice.activity === 'refreshLicenseCode'
        ? {
            activity: notice.activity,
            scene: notice.scene,
            orderId: notice.orderId,
            orderLineId: notice.orderLineId,
            license,
            expireTime: formatKooGalleryTime(new Date(notice.expiresAt)),
            testFlag: flag,
          }
        : notice.activity === 'updateLicenseCodeStatus'
          ? { activity: notice.activity, license, status: notice.status, testFlag: flag }
          : {
              activity: notice.activity,
              license,
              ...(notice.orderId ? { orderId: notice.orderId } : {}),
              ...(notice.orderLineId ? { orderLineId: notice.orderLineId } : {}),
              testFlag: flag,
            };
    try {
      const answer = await notifySeller(await this.generators.endpoint(generator.id), request, {
        timeoutMs: this.options.timeoutMs,
      });
      await insertSellerCall(this.sql, licenseId, {
        activity: notice.activity,
        attempt,
        resultCode: answer.resultCode,
        errorCode: null,
      });
      return answer;
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'INTERNAL';
      const resultCode =
        err instanceof AppError ? ((err.context?.resultCode as string | undefined) ?? null) : null;
      await insertSellerCall(this.sql, licenseId, {
        activity: notice.activity,
        attempt,
        resultCode,
        errorCode: code,
      });
      throw err;
    }
  }

  /** The recorded calls of a license, oldest first (seller's "production interface messages"). */
  calls(licenseId: string): Promise<SellerCall[]> {
    return listSellerCalls(this.sql, licenseId);
  }
}
