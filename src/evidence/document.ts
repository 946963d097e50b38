import type { DeployLicenseInput, StepProgress } from '../domain/deployment.js';
import type { LicenseModel } from '../domain/supervision.js';
import type { RecordedTails } from './step-tails.js';

/**
 * The delivery evidence of one deployment: what a seller uploads as the delivery report and a
 * buyer checks. Built only from what the database recorded; it names the license (id, model)
 * but never carries its code, text or any key. Versioned: a reader checks `type` and `version`
 * before anything else, and a later shape gets a new version.
 */
export const EVIDENCE_TYPE = 'oneclick.delivery-evidence';
export const EVIDENCE_VERSION = 1;
/** The JWS `typ` of signed evidence. */
export const EVIDENCE_JWS_TYP = 'oneclick-evidence+json';

/** A cloud resource the deployment used: the buyer's own, or one OneClick created. */
export interface EvidenceResource {
  /** Null when the deployment did not record it. */
  id: string | null;
  buyerOwned: boolean;
}

export interface EvidenceStep {
  step: StepProgress['step'];
  status: StepProgress['status'];
  attempts: number;
  startedAt: string;
  endedAt: string | null;
}

export interface EvidenceDocument {
  type: typeof EVIDENCE_TYPE;
  version: typeof EVIDENCE_VERSION;
  generatedAt: string;
  /** OneClick's public URL, whose `/.well-known/jwks.json` holds the signing key. */
  issuer: string | null;
  order: {
    ref: string;
    marketplaceOrderId: string;
    orderLineId: string;
    buyerId: string;
    sellerId: string;
  };
  product: { id: string; name: string; marketplaceProductId: string; skuCode: string | null };
  deployment: {
    id: string;
    workflowId: string;
    runId: string | null;
    state: string;
    startedAt: string;
    finishedAt: string | null;
  };
  resources: {
    vpc: EvidenceResource;
    subnet: EvidenceResource;
    securityGroup: EvidenceResource;
    server: EvidenceResource;
  };
  server: {
    id: string | null;
    /** The address OneClick reached the server at. */
    address: string | null;
    /** As OpenSSH prints it: `SHA256:` and unpadded base64. */
    hostKeyFingerprint: string | null;
  };
  package: {
    fileName: string | null;
    sha256: string;
    sizeBytes: number | null;
    /** Where it was put on the server. */
    remotePath: string | null;
  } | null;
  license: {
    id: string;
    model: LicenseModel;
    status: string;
    expiresAt: string | null;
    /**
     * When the seller's software activated it (License 2.0) or the service started as confirmed
     * (License 1.0); null until then.
     */
    activatedAt: string | null;
  } | null;
  steps: EvidenceStep[];
  verify: { outputTail: string | null };
}

/** What the database holds about a succeeded deployment, gathered by the evidence service. */
export interface EvidenceFacts {
  generatedAt: Date;
  issuer?: string | null;
  order: EvidenceDocument['order'] & { serviceStartTime: string | null };
  product: EvidenceDocument['product'];
  deployment: EvidenceDocument['deployment'] & { request: DeployLicenseInput | null };
  steps: readonly StepProgress[];
  tails: RecordedTails;
  /** The fingerprint pinned for the server now (used when the ssh step recorded none). */
  pinnedHostKey?: string | null;
  /** The package record matching the pushed digest. */
  packageRecord?: { fileName: string; sizeBytes: number } | null;
  license?: {
    id: string;
    model: LicenseModel;
    status: string;
    expiresAt: Date | null;
    activatedAt: Date | null;
  } | null;
  /** Texts that must not appear in the evidence (the license code or text), scrubbed from tails. */
  secrets?: readonly string[];
}

const REDACTED = '[redacted]';
/** Shorter strings are not worth scrubbing (and would scrub ordinary words). */
const MIN_SECRET_LENGTH = 8;

/** `text` with every occurrence of each secret (any letter case) replaced. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    const pattern = new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
    out = out.replace(pattern, REDACTED);
  }
  return out;
}

/** The evidence document from the recorded facts (pure: same facts, same document). */
export function buildEvidenceDocument(f: EvidenceFacts): EvidenceDocument {
  const choices = f.deployment.request?.choices;
  const { tails } = f;
  const own = (choice: object | undefined): string | undefined =>
    choice && 'existingId' in choice && typeof choice.existingId === 'string'
      ? choice.existingId
      : undefined;
  const resource = (choice: object | undefined, recorded: string | undefined) => {
    const existing = own(choice);
    return { id: existing ?? recorded ?? null, buyerOwned: existing !== undefined };
  };
  const buyerServer = choices && 'existingId' in choices.server ? choices.server : undefined;
  const server = resource(choices?.server, tails.server?.id);
  const secrets = f.secrets ?? [];
  const license = f.license;
  const activatedAt = license?.activatedAt?.toISOString() ?? f.order.serviceStartTime ?? null;
  return {
    type: EVIDENCE_TYPE,
    version: EVIDENCE_VERSION,
    generatedAt: f.generatedAt.toISOString(),
    issuer: f.issuer ?? null,
    order: {
      ref: f.order.ref,
      marketplaceOrderId: f.order.marketplaceOrderId,
      orderLineId: f.order.orderLineId,
      buyerId: f.order.buyerId,
      sellerId: f.order.sellerId,
    },
    product: { ...f.product },
    deployment: {
      id: f.deployment.id,
      workflowId: f.deployment.workflowId,
      runId: f.deployment.runId,
      state: f.deployment.state,
      startedAt: f.deployment.startedAt,
      finishedAt: f.deployment.finishedAt,
    },
    resources: {
      vpc: resource(choices?.vpc, tails.network?.vpcId),
      subnet: resource(choices?.subnet, tails.network?.subnetId),
      securityGroup: resource(choices?.securityGroup, tails.network?.securityGroupId),
      server,
    },
    server: {
      id: server.id,
      address: buyerServer?.host ?? tails.server?.ip ?? null,
      hostKeyFingerprint: tails.hostKey ?? f.pinnedHostKey ?? null,
    },
    package: tails.push
      ? {
          fileName: f.packageRecord?.fileName ?? null,
          sha256: tails.push.sha256,
          sizeBytes: f.packageRecord?.sizeBytes ?? null,
          remotePath: tails.push.remotePath,
        }
      : null,
    license: license
      ? {
          id: license.id,
          model: license.model,
          status: license.status,
          expiresAt: license.expiresAt?.toISOString() ?? null,
          activatedAt,
        }
      : null,
    steps: f.steps.map((s) => ({
      step: s.step,
      status: s.status,
      attempts: s.attempts,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
    })),
    verify: { outputTail: tails.verify === undefined ? null : redact(tails.verify, secrets) },
  };
}
