import type { Sql } from '../db/sql.js';
import { newId } from '../db/ids.js';
import {
  activateLicenseCode,
  findLicense,
  insertLicenseOnce,
  loadOrderContext,
  updateLicense,
  type ActivationOutcome,
  type ActivationRequest,
  type LicenseRecord,
} from '../db/repositories/licenses.js';
import { AppError } from '../errors.js';
import { appendAudit } from './audit-log.js';
import { formatKooGalleryTime } from '../domain/marketplace-time.js';
import {
  formatLicenseCode,
  generateLicenseCode,
  hashLicenseCode,
  parseLicenseCode,
  sealLicenseCode,
  unsealLicenseCode,
} from './license-code.js';
import type { WrappingKey } from './seal.js';
import { advanceSupervision } from './supervision.js';

/**
 * License 2.0: one authorization code per order line, claimed by the buyer, activated and queried
 * by the seller's software through the open API. Every change is an audit event in the same
 * transaction as the change.
 */
export interface LicenseCodeDeps {
  sql: Sql;
  wraps: readonly WrappingKey[];
  now?: () => Date;
  /** How long after an activation the same request repeated answers success (default 24 h). */
  activationRepeatWindowMs?: number;
}

/**
 * How long an activation repeated with the same request answers success again. KooGallery's
 * request names no machine, so a repeat from another installation looks the same as a retry after
 * a lost reply; the window keeps 92020003 for a code reused later.
 */
export const ACTIVATION_REPEAT_WINDOW_MS = 24 * 60 * 60_000;

/** What KooGallery's activate answers in `license_code_info` (a JSON string on the wire). */
export interface LicenseCodeInfo {
  status: 'ALIVE';
  expire_time: string | null;
  product_id: string;
  order_id: string;
  amount: number;
}

/** What query (formerly heartbeat) answers in `data`. */
export interface LicenseCodeStatusInfo {
  license_code: string;
  status: 'ALIVE' | 'EXPIRED' | 'RELEASED';
  activate_time: string | null;
  expire_time: string | null;
  product_id: string;
  order_id: string;
}

export class LicenseCodeService {
  private readonly now: () => Date;
  constructor(private readonly deps: LicenseCodeDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Issues the order's code, or gives back the one issued before. */
  async issue(
    orderRef: string,
    actor: string,
  ): Promise<{ license: LicenseRecord; code: string; created: boolean }> {
    const { sql, wraps } = this.deps;
    return sql.transaction(async (tx) => {
      const existing = await findLicense(tx, 'order_id', orderRef);
      if (existing) return { license: existing, code: this.reveal(existing), created: false };
      const ctx = await loadOrderContext(tx, orderRef);
      if (ctx.licenseModel !== 'license2') {
        throw new AppError('LICENSE_MODEL_MISMATCH', 'This order is not a License 2.0 order');
      }
      if (ctx.orderStatus !== 'active') {
        throw new AppError('ORDER_NOT_ACTIVE', `The order is ${ctx.orderStatus}`);
      }
      const code = generateLicenseCode();
      const { record, created } = await insertLicenseOnce(tx, {
        id: newId('lic'),
        orderId: orderRef,
        sellerId: ctx.sellerId,
        model: 'license2',
        generatorId: ctx.generatorId,
        codeHash: hashLicenseCode(code),
        sealedCode: sealLicenseCode(code, wraps[0] as WrappingKey),
        status: 'issued',
        expiresAt: ctx.expireTime,
      });
      if (created) {
        await appendAudit(
          tx,
          {
            actor,
            action: 'license.issued',
            subject: record.id,
            data: { orderRef, model: 'license2' },
          },
          this.now(),
        );
      }
      return { license: record, code: this.reveal(record), created };
    });
  }

  /**
   * Whether the order may still be unsubscribed by negotiation: KooGallery closes that door once
   * the buyer has claimed the License 2.0 code (or it was activated, frozen or released).
   */
  async negotiatedUnsubscriptionOpen(orderRef: string): Promise<boolean> {
    const l = await findLicense(this.deps.sql, 'order_id', orderRef);
    return !l || l.model !== 'license2' || l.status === 'issued';
  }

  /** The formatted code of a license (for its buyer and seller only: the caller checks). */
  reveal(license: LicenseRecord): string {
    if (!license.sealedCode)
      throw new AppError('LICENSE_MODEL_MISMATCH', 'This license has no code');
    return formatLicenseCode(unsealLicenseCode(license.sealedCode, this.deps.wraps));
  }

  /** The buyer claims the code: ends negotiated unsubscription. Claiming twice is a no-op. */
  async claim(licenseId: string, actor: string): Promise<LicenseRecord> {
    return this.deps.sql.transaction(async (tx) => {
      const l = await findLicense(tx, 'id', licenseId, true);
      if (!l || l.model !== 'license2') throw new AppError('NOT_FOUND', 'No such license');
      if (l.revokedAt) throw new AppError('LICENSE_REVOKED', 'The license was revoked');
      if (l.status !== 'issued') return l;
      const now = this.now();
      const updated = await updateLicense(tx, l.id, { status: 'claimed', claimed_at: now });
      await advanceSupervision(
        tx,
        l.orderId,
        'code_claimed',
        'buyer claimed the authorization code',
      );
      await appendAudit(tx, { actor, action: 'license.claimed', subject: l.id }, now);
      return updated;
    });
  }

  /**
   * Activation by the seller's software (open API). `sellerId` is the AK's owner: a code of another
   * seller is answered as unknown, so codes cannot be probed across sellers. The same request
   * again (the same code and `real_effect_time`, both absent counting as the same) within
   * `activationRepeatWindowMs` of the activation answers success with the same data, without a
   * second audit event: the software may have lost the first reply. Any other request for an
   * activated code answers LICENSE_CODE_STATE (92020003).
   */
  async activate(
    sellerId: string,
    codeInput: string,
    realEffectTime?: Date,
  ): Promise<{ licenseId: string; info: LicenseCodeInfo; repeated: boolean }> {
    const hash = hashLicenseCode(this.parse(codeInput));
    const now = this.now();
    const effective = realEffectTime ?? now;
    if (effective.getTime() > now.getTime() + 60_000) throw badEffectTime();
    const at = new Date(Math.floor(now.getTime())).toISOString();
    const request: ActivationRequest = {
      real_effect_time: realEffectTime?.toISOString() ?? null,
      at,
    };
    const l = await activateLicenseCode(this.deps.sql, {
      codeHash: hash,
      sellerId,
      effective,
      actor: `seller:${sellerId}`,
      at,
      request,
    });
    if (!l || l.sellerId !== sellerId) throw unknownCode();
    if (!l.activated && this.isRepeat(l, request, now)) {
      return { licenseId: l.id, info: activationInfo(l, l.expiresAt), repeated: true };
    }
    if (!l.activated) {
      if (l.status === 'issued') {
        throw new AppError('LICENSE_CODE_NOT_CLAIMED', 'The buyer has not claimed this code yet');
      }
      if (l.status !== 'claimed' || l.revokedAt !== null) {
        throw new AppError(
          'LICENSE_CODE_STATE',
          `The code cannot be activated (${l.revokedAt !== null ? 'revoked' : l.status})`,
        );
      }
      throw badEffectTime();
    }
    return { licenseId: l.id, info: activationInfo(l, l.newExpiresAt), repeated: false };
  }

  /** Whether an activation that changed nothing repeats the one that made the code ALIVE. */
  private isRepeat(l: ActivationOutcome, request: ActivationRequest, now: Date): boolean {
    const first = l.activationRequest;
    if (l.status !== 'ALIVE' || l.revokedAt !== null || !first) return false;
    const window = this.deps.activationRepeatWindowMs ?? ACTIVATION_REPEAT_WINDOW_MS;
    return (
      first.real_effect_time === request.real_effect_time &&
      now.getTime() - new Date(first.at).getTime() <= window
    );
  }

  /** Query (formerly heartbeat): ALIVE, EXPIRED (after expiry, frozen included) or RELEASED. */
  async query(sellerId: string, codeInput: string): Promise<LicenseCodeStatusInfo> {
    const canonical = this.parse(codeInput);
    const l = await findLicense(this.deps.sql, 'code_hash', hashLicenseCode(canonical));
    if (!l || l.sellerId !== sellerId) throw unknownCode();
    if (l.status === 'issued' || l.status === 'claimed') {
      throw new AppError('LICENSE_CODE_NOT_ACTIVATED', 'The code has not been activated');
    }
    const ctx = await loadOrderContext(this.deps.sql, l.orderId);
    const expired = l.status === 'FROZEN' || (l.expiresAt !== null && l.expiresAt <= this.now());
    return {
      license_code: formatLicenseCode(canonical),
      status: l.status === 'RELEASED' || l.revokedAt ? 'RELEASED' : expired ? 'EXPIRED' : 'ALIVE',
      activate_time: l.activatedAt ? formatKooGalleryTime(l.activatedAt) : null,
      expire_time: l.expiresAt ? formatKooGalleryTime(l.expiresAt) : null,
      product_id: ctx.marketplaceProductId,
      order_id: ctx.marketplaceOrderId,
    };
  }

  private parse(codeInput: string): string {
    try {
      return parseLicenseCode(codeInput);
    } catch (err) {
      // A typo'd code is simply unknown to the caller; only a shape error is a bad parameter.
      if (err instanceof AppError && err.code === 'LICENSE_CODE_CHECK_FAILED') throw unknownCode();
      throw err;
    }
  }
}

/** What activate answers in `license_code_info`, for the first activation and its repeats. */
function activationInfo(l: ActivationOutcome, expiresAt: Date | null): LicenseCodeInfo {
  return {
    status: 'ALIVE',
    expire_time: expiresAt ? formatKooGalleryTime(expiresAt) : null,
    product_id: l.marketplaceProductId,
    order_id: l.marketplaceOrderId,
    amount: 1,
  };
}

function badEffectTime(): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    'real_effect_time must be between the order time and now',
  );
}

function unknownCode(): AppError {
  return new AppError('LICENSE_CODE_UNKNOWN', 'No such authorization code');
}
