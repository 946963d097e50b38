import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Database } from '../src/db/sql.js';
import type { SecretStore } from '../src/secrets/secret-store.js';
import type { LicenseServices } from '../src/license/services.js';
import { findLicense } from '../src/db/repositories/licenses.js';
import { getOrder } from '../src/db/repositories/orders.js';
import { getProduct } from '../src/db/repositories/products.js';
import { latestPackageForProduct } from '../src/db/repositories/packages.js';
import {
  endStep,
  failRunningSteps,
  finishDeployment,
  recordSupervisionNote,
  setDeploymentState,
  startStep,
} from '../src/db/repositories/deployments.js';
import {
  whyNotDeployable,
  type DeploymentPlan,
  type DeploymentStep,
  type StepMark,
  type StepStatus,
} from '../src/domain/deployment.js';
import { AppError } from '../src/errors.js';
import { mappingFailures } from './failures.js';
import type { LicenseIssuer } from './delivery.js';
import { observeClosedSteps } from './step-recording.js';
import type { DeploymentMetrics } from '../src/metrics/deployment-metrics.js';

/**
 * Activities of the deployLicense workflow's own bookkeeping: load and check the order, keep the
 * `deployments` row and its `deployment_steps` current, make the per-deployment SSH key, stage a
 * license's text in the secret store for the activity that writes it, and note deploying /
 * delivered / failed on the order's supervision. Secrets leave here as `sec_…` references only.
 */
export interface DeploymentActivityDeps {
  db: Database;
  secrets: SecretStore;
  /** To reveal a license's code or document for writing; absent workers cannot stage licenses. */
  license?: LicenseServices;
  /** Deployments by outcome, and the steps an ending closes (`/metrics`). */
  metrics?: DeploymentMetrics;
}

/** How long a staged license text lives in the secret store if nobody discards it. */
const STAGED_LICENSE_TTL_MS = 60 * 60_000;

/** A supervision event of a deployment, as a note on the order's supervision record. */
export interface SupervisionReport {
  orderRef: string;
  event: 'deploying' | 'delivered' | 'failed' | 'cancelled';
  deploymentId: string;
  detail?: string;
}

/** How a deployment ended, for `finishDeployment`. */
export interface DeploymentEnding {
  deploymentId: string;
  orderRef: string;
  state: 'succeeded' | 'failed' | 'cancelled';
  code?: string;
  message?: string;
  /** The supervision note's detail. */
  detail?: string;
  /** Secrets the deployment no longer needs (the ECS password, an unused key). */
  discardSecrets?: string[];
  /** Secrets kept after the deployment (a key for continued access), each until a time. */
  keepSecrets?: { ref: string; until: string }[];
  mark?: StepMark;
}

/** How long a kept key outlives its access, so its removal from the server can still log in. */
const KEPT_SECRET_GRACE_MS = 24 * 60 * 60_000;

/** Builds the deployment bookkeeping activities. */
export function createDeploymentActivities(deps: DeploymentActivityDeps) {
  const { db, secrets } = deps;

  /** The order, product and package; refuses (non-retryable) what cannot deploy. */
  async function loadPlan(orderRef: string): Promise<DeploymentPlan> {
    const order = await getOrder(db, orderRef);
    if (!order) throw new AppError('ORDER_NOT_DEPLOYABLE', 'no such order');
    const product = await getProduct(db, order.productId);
    if (!product) throw new AppError('ORDER_NOT_DEPLOYABLE', 'the order has no product');
    const latest = await latestPackageForProduct(db, product.id);
    const pkg = latest && {
      storageKey: latest.storageKey,
      sha256: latest.sha256,
      sizeBytes: latest.sizeBytes,
      fileName: latest.fileName,
    };
    const why = whyNotDeployable({
      orderStatus: order.status,
      installCommand: product.installCommand,
      licensePath: product.licensePath,
      hasPackage: pkg !== undefined,
    });
    if (why || !pkg || !product.installCommand || !product.licensePath) {
      throw new AppError('ORDER_NOT_DEPLOYABLE', `cannot deploy: ${why ?? 'incomplete product'}`);
    }
    return {
      orderRef,
      sellerId: order.sellerId,
      productId: product.id,
      licenseModel: product.licenseModel,
      ports: product.ports,
      installCommand: product.installCommand,
      verifyCommand: product.verifyCommand,
      postLicenseCommand: product.postLicenseCommand,
      continuedAccessDays: product.continuedAccessDays,
      installDir: product.installDir,
      licensePath: product.licensePath,
      variables: product.variables,
      package: pkg,
    };
  }

  /**
   * A fresh Ed25519 key for this deployment's server: the private key (OpenSSH format) goes
   * into the secret store, the workflow gets its reference and the public key for user data.
   */
  async function makeKey(deploymentId: string): Promise<DeploymentKey> {
    const pair = generateEd25519OpenSsh(`oneclick-${deploymentId}`);
    const privateKeyRef = await secrets.put('deployment-ssh-key', pair.privateKey);
    return { privateKeyRef, publicKey: pair.publicKey };
  }

  async function report(input: SupervisionReport): Promise<void> {
    const note = `deployment ${input.deploymentId} ${input.event}${
      input.detail ? `: ${input.detail}` : ''
    }`;
    await recordSupervisionNote(db, input.orderRef, note);
  }

  /**
   * The license's text (the 2.0 code or the 1.0 document), as written to the server. It stays
   * inside activities: the workflow sees the license id only.
   */
  async function licenseText(licenseId: string): Promise<string> {
    const license = deps.license;
    if (!license) throw new AppError('INTERNAL', 'deployment activities built without license');
    const record = await findLicense(db, 'id', licenseId);
    if (!record) throw new AppError('LICENSE_NOT_FOUND', 'no such license');
    const text =
      record.model === 'license2' ? license.codes.reveal(record) : (record.document ?? '');
    if (!text) throw new AppError('LICENSE_NOT_FOUND', 'the license has no text');
    return record.model === 'license2' ? `${text}\n` : text;
  }

  const activities = mappingFailures({
    /**
     * Step "requested": the plan, the supervision note `deploying`, and, for a new server, its
     * key, made last so that nothing after it can fail and leave it unreferenced.
     */
    async prepareDeployment(input: {
      deploymentId: string;
      orderRef: string;
      makeKey: boolean;
      mark?: StepMark;
    }): Promise<{ plan: DeploymentPlan; key?: DeploymentKey }> {
      const plan = await loadPlan(input.orderRef);
      await report({
        orderRef: input.orderRef,
        deploymentId: input.deploymentId,
        event: 'deploying',
      });
      return input.makeKey ? { plan, key: await makeKey(input.deploymentId) } : { plan };
    },

    /**
     * Ends a deployment in one call: a step left running is closed as failed, the row gets its
     * end, supervision its note, and the secrets it no longer needs are deleted.
     */
    async finishDeployment(input: DeploymentEnding): Promise<void> {
      const { metrics } = deps;
      if (input.state !== 'succeeded') {
        // Steps closed here never recorded their own end (cancelled, timed out): observed here.
        observeClosedSteps(
          metrics,
          await failRunningSteps(db, input.deploymentId, `${input.code}: ${input.message}`),
        );
      }
      // Counted by the one update that ends the row, so a retried or replayed end counts once.
      if (await finishDeployment(db, input.deploymentId, input)) {
        metrics?.deploymentFinished(input.state);
      }
      await report({
        orderRef: input.orderRef,
        deploymentId: input.deploymentId,
        event: input.state === 'succeeded' ? 'delivered' : input.state,
        detail: input.detail,
      });
      for (const ref of input.discardSecrets ?? []) await secrets.delete(ref);
      for (const kept of input.keepSecrets ?? []) {
        await secrets.expireAt(kept.ref, new Date(Date.parse(kept.until) + KEPT_SECRET_GRACE_MS));
      }
    },

    /** Deletes secrets nobody needs any more (a continued-access key at its end). */
    async discardSecrets(input: { refs: string[] }): Promise<void> {
      for (const ref of input.refs) await secrets.delete(ref);
    },

    // Activities of deployments started before prepareDeployment and finishDeployment existed
    // (see workflows/deploy-license/legacy.ts): kept while such runs may still be open.

    loadDeploymentPlan: (orderRef: string): Promise<DeploymentPlan> => loadPlan(orderRef),

    /** Moves the deployment to a step and records the step's (re)start. */
    async startDeploymentStep(input: {
      deploymentId: string;
      step: DeploymentStep;
      attempts: number;
    }): Promise<void> {
      await setDeploymentState(db, input.deploymentId, input.step);
      await startStep(db, input.deploymentId, input.step, input.attempts);
    },

    /** Records a step's end: status, attempts and a short log tail. */
    async endDeploymentStep(input: {
      deploymentId: string;
      step: DeploymentStep;
      status: Exclude<StepStatus, 'running'>;
      attempts: number;
      logTail?: string;
    }): Promise<void> {
      await endStep(db, input.deploymentId, input.step, {
        status: input.status,
        attempts: input.attempts,
        logTail: input.logTail?.slice(-4000),
      });
    },

    /** Ends the deployment row (succeeded, failed after compensation, or cancelled). */
    async finishDeploymentRecord(input: {
      deploymentId: string;
      state: 'succeeded' | 'failed' | 'cancelled';
      code?: string;
      message?: string;
    }): Promise<void> {
      if (await finishDeployment(db, input.deploymentId, input)) {
        deps.metrics?.deploymentFinished(input.state);
      }
    },

    createDeploymentKey: (input: { deploymentId: string }): Promise<DeploymentKey> =>
      makeKey(input.deploymentId),

    /** Stages a license's text in the secret store for `writeLicenseFile`. */
    async stageLicenseContent(input: { licenseId: string }): Promise<{ contentRef: string }> {
      const contentRef = await secrets.put('license-staged', await licenseText(input.licenseId), {
        ttlMs: STAGED_LICENSE_TTL_MS,
      });
      return { contentRef };
    },

    /** Deletes a secret this deployment made (a staged license, an unused key). */
    async discardSecret(input: { ref: string }): Promise<void> {
      await secrets.delete(input.ref);
    },

    reportSupervision: (input: SupervisionReport): Promise<void> => report(input),
  });
  /** The license a deployment writes to its server, issued idempotently for the order. */
  const licenses: LicenseIssuer = {
    async issue({ orderRef, model, fingerprint }) {
      const license = deps.license;
      if (!license) throw new AppError('INTERNAL', 'deployment activities built without license');
      let licenseId: string;
      if (model === 'license2') {
        licenseId = (await license.codes.issue(orderRef, 'system:deploy')).license.id;
      } else {
        if (!fingerprint)
          throw new AppError('INVALID_FINGERPRINT', 'License 1.0 needs a fingerprint');
        const issued = await license.documents.issueForMachine(orderRef, fingerprint, {
          actor: 'system:deploy',
        });
        licenseId = issued.license.id;
      }
      return { licenseId, text: await licenseText(licenseId) };
    },

    async handedOver({ licenseId, model }) {
      // The deployment put the License 2.0 code on the buyer's server: that is the buyer's claim
      // (supervision code_claimed), so the seller's software can activate it straight away.
      if (model !== 'license2') return;
      const license = deps.license;
      if (!license) throw new AppError('INTERNAL', 'deployment activities built without license');
      await license.codes.claim(licenseId, 'system:deploy');
    },
  };
  return { activities, licenses };
}

/** The per-deployment SSH key: the private half by reference only. */
export interface DeploymentKey {
  privateKeyRef: string;
  publicKey: string;
}

export type DeploymentActivities = ReturnType<typeof createDeploymentActivities>['activities'];

/** An Ed25519 key pair made by node:crypto, both halves in OpenSSH's formats. */
export function generateEd25519OpenSsh(comment: string): { privateKey: string; publicKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const keyType = Buffer.from('ssh-ed25519');
  const pubBlob = Buffer.concat([sshString(keyType), sshString(pub)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([
    check,
    check,
    sshString(keyType),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(Buffer.from(comment)),
  ]);
  // openssh-key-v1 pads the private section to the cipher block size (8 for "none") with 1, 2, 3…
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const none = sshString(Buffer.from('none'));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    none,
    none,
    sshString(Buffer.alloc(0)),
    uint32(1),
    sshString(pubBlob),
    sshString(secret),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${pubBlob.toString('base64')} ${comment}`,
  };
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function sshString(b: Buffer): Buffer {
  return Buffer.concat([uint32(b.length), b]);
}
