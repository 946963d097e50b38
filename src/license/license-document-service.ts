import { createHash } from 'node:crypto';
import type { Sql } from '../db/sql.js';
import { newId } from '../db/ids.js';
import {
  countLicenseBindings,
  insertLicenseBinding,
  rebindsSince,
} from '../db/repositories/license-bindings.js';
import {
  findLicense,
  insertLicenseOnce,
  loadOrderContext,
  updateLicense,
  type LicenseRecord,
  type OrderContext,
} from '../db/repositories/licenses.js';
import { fingerprintDiff, normalizeFingerprint } from '../domain/fingerprint.js';
import { AppError } from '../errors.js';
import { appendAudit } from './audit-log.js';
import { requestRemoteLicense } from './generator-client.js';
import type { GeneratorStore } from './generator-store.js';
import { formatKooGalleryTime } from '../domain/marketplace-time.js';
import { buildLicenseClaims, signLicense } from './license-document.js';
import type { SigningKeyStore } from './signing-key-store.js';
import { advanceSupervision } from './supervision.js';

/**
 * License 1.0: a license bound to one machine's canonical fingerprint. The same order and machine
 * always get the same license back; another machine needs an explicit rebind, limited per license
 * in a sliding window, and every answer about another machine names the parts that changed.
 */
export interface LicenseDocumentDeps {
  sql: Sql;
  keys: SigningKeyStore;
  generators: GeneratorStore;
  /** The `iss` of every license: OneClick's public URL. */
  issuer: string;
  now?: () => Date;
  remoteTimeoutMs?: number;
}

export interface IssuedDocument {
  license: LicenseRecord;
  document: string;
  /** Parts that differ from the previous binding (empty for a first issue or a repeat). */
  changedParts: string[];
  rebound: boolean;
}

const DEFAULT_VALIDITY_DAYS = 365;

export class LicenseDocumentService {
  private readonly now: () => Date;
  constructor(private readonly deps: LicenseDocumentDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Issues (or gives back) the order's license for a machine; `rebind` allows another machine. */
  async issueForMachine(
    orderRef: string,
    fingerprintInput: string,
    options: { rebind?: boolean; actor: string },
  ): Promise<IssuedDocument> {
    const fingerprint = normalizeFingerprint(fingerprintInput);
    const { sql } = this.deps;
    const ctx = await loadOrderContext(sql, orderRef);
    if (ctx.licenseModel !== 'license1') {
      throw new AppError('LICENSE_MODEL_MISMATCH', 'This order is not a License 1.0 order');
    }
    const existing = await findLicense(sql, 'order_id', orderRef);
    let changedParts: string[] = [];
    let bindingNumber = 1;
    if (existing) {
      if (existing.revokedAt) throw new AppError('LICENSE_REVOKED', 'The license was revoked');
      if (existing.fingerprint === fingerprint && existing.document) {
        return { license: existing, document: existing.document, changedParts: [], rebound: false };
      }
      changedParts = existing.fingerprint ? fingerprintDiff(existing.fingerprint, fingerprint) : [];
      if (!options.rebind) {
        throw new AppError(
          'LICENSE_BOUND_TO_OTHER_MACHINE',
          `The license is bound to another machine (changed: ${changedParts.join(', ')})`,
          {
            context: { changedParts },
          },
        );
      }
      bindingNumber = (await countLicenseBindings(sql, existing.id)) + 1;
      await this.checkRebindLimit(existing.id, ctx, changedParts);
    } else if (ctx.orderStatus !== 'active') {
      throw new AppError('ORDER_NOT_ACTIVE', `The order is ${ctx.orderStatus}`);
    }
    const licenseId = existing?.id ?? newId('lic');
    const generator = ctx.generatorId ? await this.deps.generators.get(ctx.generatorId) : undefined;
    const now = this.now();
    const notBefore = now;
    const validityDays = generator?.template.validityDays ?? DEFAULT_VALIDITY_DAYS;
    const expiresAt = ctx.expireTime ?? new Date(now.getTime() + validityDays * 86_400_000);
    const features = generator?.template.features ?? {};

    let remote: { generatorId: string; eventId: string; license: string } | undefined;
    if (generator?.kind === 'remote') {
      if (generator.status !== 'active') {
        throw new AppError(
          'GENERATOR_NOT_ACTIVE',
          `The seller's generator is ${generator.status}`,
          {
            retryable: true,
          },
        );
      }
      // Deterministic per (order, machine, binding): a retried call is the same KooGallery event.
      const eventId = createHash('sha256')
        .update(`${orderRef}|${fingerprint}|${bindingNumber}`)
        .digest('hex')
        .slice(0, 32);
      const answer = await requestRemoteLicense(
        await this.deps.generators.endpoint(generator.id),
        {
          activity: 'getLicenseAsync',
          orderId: ctx.marketplaceOrderId,
          instanceId: licenseId,
          eventId,
          deviceFingerprint: fingerprint,
          effectiveTime: formatKooGalleryTime(notBefore),
          expireTime: formatKooGalleryTime(expiresAt),
          testFlag: ctx.testFlag ? '1' : '0',
        },
        { timeoutMs: this.deps.remoteTimeoutMs },
      );
      remote = { generatorId: generator.id, eventId, license: answer.license };
    }

    const key = await this.deps.keys.activeKey(ctx.sellerId);
    const document = signLicense(
      key,
      buildLicenseClaims({
        issuer: this.deps.issuer,
        licenseId,
        orderId: ctx.marketplaceOrderId,
        orderLineId: ctx.orderLineId,
        productId: ctx.marketplaceProductId,
        ...(ctx.skuCode ? { sku: ctx.skuCode } : {}),
        fingerprint,
        notBefore,
        expiresAt,
        features,
        issuedAt: now,
        ...(remote ? { remote } : {}),
      }),
    );

    return sql.transaction(async (tx) => {
      let license: LicenseRecord;
      if (!existing) {
        const inserted = await insertLicenseOnce(tx, {
          id: licenseId,
          orderId: orderRef,
          sellerId: ctx.sellerId,
          model: 'license1',
          generatorId: ctx.generatorId,
          status: 'ALIVE',
          expiresAt,
          fingerprint,
          document,
          kid: key.kid,
          features,
        });
        if (!inserted.created) {
          // A concurrent first issue won: answer as a repeat or as another machine would.
          if (inserted.record.fingerprint === fingerprint && inserted.record.document) {
            return {
              license: inserted.record,
              document: inserted.record.document,
              changedParts: [],
              rebound: false,
            };
          }
          throw new AppError(
            'LICENSE_BOUND_TO_OTHER_MACHINE',
            'The license was just bound to another machine',
            {
              context: {
                changedParts: fingerprintDiff(
                  inserted.record.fingerprint ?? fingerprint,
                  fingerprint,
                ),
              },
            },
          );
        }
        license = inserted.record;
        await advanceSupervision(tx, orderRef, 'awaiting_delivery', 'hardware id received');
      } else {
        const locked = await findLicense(tx, 'id', licenseId, true);
        if (locked?.fingerprint !== existing.fingerprint) {
          throw new AppError('CONFLICT', 'The license changed meanwhile; try again', {
            retryable: true,
          });
        }
        license = await updateLicense(tx, licenseId, {
          fingerprint,
          document,
          kid: key.kid,
          expires_at: expiresAt,
        });
      }
      await insertLicenseBinding(tx, {
        licenseId,
        fingerprint,
        document,
        kid: key.kid,
        remoteEventId: remote?.eventId ?? null,
        remoteLicenseSha256: remote
          ? createHash('sha256').update(remote.license).digest('hex')
          : null,
      });
      await appendAudit(
        tx,
        {
          actor: options.actor,
          action: existing ? 'license.rebound' : 'license.issued',
          subject: licenseId,
          data: {
            orderRef,
            model: 'license1',
            kid: key.kid,
            source: remote ? 'remote' : 'built-in',
            changedParts,
          },
        },
        now,
      );
      return { license, document, changedParts, rebound: existing !== undefined };
    });
  }

  // Rebinds are the bindings after the first one; the window slides, so old rebinds age out.
  private async checkRebindLimit(
    licenseId: string,
    ctx: OrderContext,
    changedParts: string[],
  ): Promise<void> {
    const since = new Date(this.now().getTime() - ctx.rebindWindowDays * 86_400_000);
    const used = await rebindsSince(this.deps.sql, licenseId, since);
    if (used.count >= ctx.rebindLimit) {
      const oldest = used.oldest ?? this.now();
      const retryAt = new Date(oldest.getTime() + ctx.rebindWindowDays * 86_400_000);
      throw new AppError(
        'REBIND_LIMIT_REACHED',
        `This license was moved ${used.count} times in ${ctx.rebindWindowDays} days (limit ${ctx.rebindLimit})`,
        {
          context: { changedParts, limit: ctx.rebindLimit, retryAt: retryAt.toISOString() },
        },
      );
    }
  }
}
