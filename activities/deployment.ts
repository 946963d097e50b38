import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../src/db/sql.js';
import type { SecretStore } from '../src/secrets/secret-store.js';
import type { LicenseServices } from '../src/license/services.js';
import { findLicense } from '../src/db/repositories/licenses.js';
import { getOrder } from '../src/db/repositories/orders.js';
import { getProduct } from '../src/db/repositories/products.js';
import { latestPackageForProduct } from '../src/db/repositories/packages.js';
import {
  endStep,
  finishDeployment,
  recordSupervisionNote,
  setDeploymentState,
  startStep,
} from '../src/db/repositories/deployments.js';
import {
  whyNotDeployable,
  type DeploymentPlan,
  type DeploymentStep,
  type StepStatus,
} from '../src/domain/deployment.js';
import { isAppError } from '../src/errors.js';

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
}

/** How long a staged license text lives in the secret store if nobody discards it. */
const STAGED_LICENSE_TTL_MS = 60 * 60_000;

/** Builds the deployment bookkeeping activities. */
export function createDeploymentActivities(deps: DeploymentActivityDeps) {
  const { db, secrets } = deps;
  return {
    /** Step 1: the order, product and package; refuses (non-retryable) what cannot deploy. */
    async loadDeploymentPlan(orderRef: string): Promise<DeploymentPlan> {
      const order = await getOrder(db, orderRef);
      if (!order) throw ApplicationFailure.nonRetryable('no such order', 'ORDER_NOT_DEPLOYABLE');
      const product = await getProduct(db, order.productId);
      if (!product) {
        throw ApplicationFailure.nonRetryable('the order has no product', 'ORDER_NOT_DEPLOYABLE');
      }
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
        throw ApplicationFailure.nonRetryable(
          `cannot deploy: ${why ?? 'incomplete product'}`,
          'ORDER_NOT_DEPLOYABLE',
        );
      }
      return {
        orderRef,
        sellerId: order.sellerId,
        productId: product.id,
        licenseModel: product.licenseModel,
        ports: product.ports,
        installCommand: product.installCommand,
        verifyCommand: product.verifyCommand,
        installDir: product.installDir,
        licensePath: product.licensePath,
        variables: product.variables,
        package: pkg,
      };
    },

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
      await finishDeployment(db, input.deploymentId, input);
    },

    /**
     * A fresh Ed25519 key for this deployment's server: the private key (OpenSSH format) goes
     * into the secret store, the workflow gets its reference and the public key for user data.
     */
    async createDeploymentKey(input: {
      deploymentId: string;
    }): Promise<{ privateKeyRef: string; publicKey: string }> {
      const comment = `oneclick-${input.deploymentId}`;
      const pair = generateEd25519OpenSsh(comment);
      const privateKeyRef = await secrets.put('deployment-ssh-key', pair.privateKey);
      return { privateKeyRef, publicKey: pair.publicKey };
    },

    /**
     * Puts the license's text (the 2.0 code or the 1.0 document) into the secret store for
     * `writeLicenseFile`, so the text itself never enters workflow history.
     */
    async stageLicenseContent(input: { licenseId: string }): Promise<{ contentRef: string }> {
      const license = deps.license;
      if (!license) {
        throw ApplicationFailure.nonRetryable(
          'deployment activities built without license',
          'INTERNAL',
        );
      }
      const record = await findLicense(db, 'id', input.licenseId);
      if (!record) throw ApplicationFailure.nonRetryable('no such license', 'LICENSE_NOT_FOUND');
      let text: string;
      try {
        text = record.model === 'license2' ? license.codes.reveal(record) : (record.document ?? '');
      } catch (e) {
        if (isAppError(e)) throw ApplicationFailure.nonRetryable(e.message, e.code);
        throw e;
      }
      if (!text)
        throw ApplicationFailure.nonRetryable('the license has no text', 'LICENSE_NOT_FOUND');
      const body = record.model === 'license2' ? `${text}\n` : text;
      const contentRef = await secrets.put('license-staged', body, {
        ttlMs: STAGED_LICENSE_TTL_MS,
      });
      return { contentRef };
    },

    /** Deletes a secret this deployment made (a staged license, an unused key). */
    async discardSecret(input: { ref: string }): Promise<void> {
      await secrets.delete(input.ref);
    },

    /** A supervision event: `deploying`, `delivered` (with the report) or `failed` (the reason). */
    async reportSupervision(input: {
      orderRef: string;
      event: 'deploying' | 'delivered' | 'failed' | 'cancelled';
      deploymentId: string;
      detail?: string;
    }): Promise<void> {
      const note = `deployment ${input.deploymentId} ${input.event}${
        input.detail ? `: ${input.detail}` : ''
      }`;
      await recordSupervisionNote(db, input.orderRef, note);
    },
  };
}

export type DeploymentActivities = ReturnType<typeof createDeploymentActivities>;

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
