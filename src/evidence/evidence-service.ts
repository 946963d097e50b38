import type { Sql } from '../db/sql.js';
import { getDeployment, listSteps } from '../db/repositories/deployments.js';
import { findPackageByDigest, latestSucceededDeploymentId } from '../db/repositories/evidence.js';
import { findLicense, type LicenseRecord } from '../db/repositories/licenses.js';
import { getOrder } from '../db/repositories/orders.js';
import { getProduct } from '../db/repositories/products.js';
import { getHostKeyFingerprint } from '../db/repositories/ssh-host-keys.js';
import { AppError } from '../errors.js';
import { signCompact } from '../license/jws.js';
import type { LicenseServices } from '../license/services.js';
import { buildEvidenceDocument, EVIDENCE_JWS_TYP, type EvidenceDocument } from './document.js';
import { renderEvidenceHtml } from './html.js';
import { readStepTails } from './step-tails.js';

/** A deployment's evidence: the document, its compact JWS and the readable page. */
export interface DeliveryEvidence {
  document: EvidenceDocument;
  /** The document signed with the seller's license key; verifies with `/.well-known/jwks.json`. */
  jws: string;
  html: string;
}

export interface EvidenceService {
  /** The evidence of a succeeded deployment (NOT_FOUND, or NO_DELIVERY when it did not succeed). */
  forDeployment(deploymentId: string): Promise<DeliveryEvidence>;
  /** The evidence of the order's newest succeeded deployment (NOT_FOUND, NO_DELIVERY). */
  forOrder(orderRef: string): Promise<DeliveryEvidence>;
}

export interface EvidenceServiceDeps {
  db: Sql;
  license: LicenseServices;
  /** OneClick's public URL, named in the document as where its keys are published. */
  issuer?: string;
  now?: () => Date;
}

/**
 * Delivery evidence built from what the database recorded, signed with the seller's license
 * signing key (the key License 1.0 documents are signed with), so anyone holding the published
 * JWKS can tell it was not edited.
 */
export function createEvidenceService(deps: EvidenceServiceDeps): EvidenceService {
  const { db, license } = deps;
  const now = deps.now ?? (() => new Date());

  /** What the evidence must not show even when a verify command printed it. */
  function licenseSecrets(record: LicenseRecord | undefined): string[] {
    if (!record) return [];
    if (record.model === 'license1') return record.document ? [record.document] : [];
    if (!record.sealedCode) return [];
    try {
      const code = license.codes.reveal(record);
      return [code, code.replace(/-/g, '')];
    } catch {
      // A code sealed under a key no longer held cannot be printed by anyone either.
      return [];
    }
  }

  async function forDeployment(deploymentId: string): Promise<DeliveryEvidence> {
    const d = await getDeployment(db, deploymentId);
    if (!d) throw new AppError('NOT_FOUND', 'no such deployment');
    if (d.state !== 'succeeded') {
      throw new AppError('NO_DELIVERY', `deployment ${d.id} has not delivered (it is ${d.state})`);
    }
    const order = await getOrder(db, d.orderRef);
    const product = order && (await getProduct(db, order.productId));
    if (!order || !product) throw new AppError('NOT_FOUND', 'no such order');
    const steps = await listSteps(db, d.id);
    const tails = readStepTails(steps);
    const server = d.request?.choices.server;
    const serverId =
      (server && 'existingId' in server ? server.existingId : tails.server?.id) ?? '';
    const [record, pinnedHostKey, packageRecord] = await Promise.all([
      tails.license
        ? findLicense(db, 'id', tails.license.licenseId)
        : findLicense(db, 'order_id', order.id),
      serverId ? getHostKeyFingerprint(db, serverId) : undefined,
      tails.push ? findPackageByDigest(db, product.id, tails.push.sha256) : undefined,
    ]);
    // A license of another order is never shown, whatever a tail says.
    const ownLicense = record?.orderId === order.id ? record : undefined;
    const document = buildEvidenceDocument({
      generatedAt: now(),
      issuer: deps.issuer ?? null,
      order: {
        ref: order.id,
        marketplaceOrderId: order.orderId,
        orderLineId: order.orderLineId,
        buyerId: order.buyerId,
        sellerId: order.sellerId,
        serviceStartTime: order.supervision.serviceStartTime,
      },
      product: {
        id: product.id,
        name: product.name,
        marketplaceProductId: product.marketplaceProductId,
        skuCode: order.skuCode ?? product.skuCode,
      },
      deployment: {
        id: d.id,
        workflowId: d.workflowId,
        runId: d.runId,
        state: d.state,
        startedAt: d.createdAt,
        finishedAt: d.finishedAt,
        request: d.request,
      },
      steps,
      tails,
      pinnedHostKey: pinnedHostKey ?? null,
      packageRecord: packageRecord ?? null,
      license: ownLicense && {
        id: ownLicense.id,
        model: ownLicense.model,
        status: ownLicense.status,
        expiresAt: ownLicense.expiresAt,
        activatedAt: ownLicense.activatedAt,
      },
      secrets: licenseSecrets(ownLicense),
    });
    const key = await license.keys.activeKey(order.sellerId);
    const jws = signCompact(key, document, EVIDENCE_JWS_TYP);
    return { document, jws, html: renderEvidenceHtml(document, jws) };
  }

  return {
    forDeployment,
    async forOrder(orderRef) {
      const order = await getOrder(db, orderRef);
      if (!order) throw new AppError('NOT_FOUND', 'no such order');
      const id = await latestSucceededDeploymentId(db, order.id);
      if (!id) throw new AppError('NO_DELIVERY', 'the order has no delivered deployment');
      return forDeployment(id);
    },
  };
}
