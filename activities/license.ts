import { Context } from '@temporalio/activity';
import { AppError, isAppError } from '../src/errors.js';
import { mappingFailures } from './failures.js';
import type { GeneratorStore } from '../src/license/generator-store.js';
import type { LicenseCodeService } from '../src/license/license-code-service.js';
import type { LicenseDocumentService } from '../src/license/license-document-service.js';
import type {
  LicenseLifecycleStore,
  LifecycleNotice,
  LifecycleSnapshot,
} from '../src/license/license-lifecycle-store.js';

/**
 * Activities of the licenseLifecycle and generatorProbe workflows and of the deployment's license
 * step: thin adapters over src/license. A non-retryable AppError becomes a non-retryable
 * ApplicationFailure typed with its code; anything else is rethrown for Temporal to retry under
 * the workflow's policy. Arrow functions, so they can be passed around unbound.
 */
export interface LicenseActivityDeps {
  lifecycle: LicenseLifecycleStore;
  generators: GeneratorStore;
  /** For the deployment's license step; optional so lifecycle-only workers need not build it. */
  codes?: LicenseCodeService;
  documents?: LicenseDocumentService;
}

/** Builds the license activities. */
export function createLicenseActivities(deps: LicenseActivityDeps) {
  return mappingFailures({
    loadLicenseLifecycle: (licenseId: string): Promise<LifecycleSnapshot> =>
      deps.lifecycle.snapshot(licenseId),

    renewLicense: (licenseId: string, expiresAt: string): Promise<{ wasFrozen: boolean }> =>
      deps.lifecycle.renew(licenseId, new Date(expiresAt), 'marketplace'),

    setLicenseStatus: (licenseId: string, status: 'FROZEN' | 'RELEASED'): Promise<void> =>
      deps.lifecycle.setStatus(licenseId, status, 'system:lifecycle'),

    /** One try of a lifecycle call; the workflow's retry policy is KooGallery's 60 × 2 min. */
    notifyLicenseSeller: async (
      licenseId: string,
      notice: LifecycleNotice,
    ): Promise<string | null> => {
      const attempt = Context.current().info.attempt;
      try {
        const answer = await deps.lifecycle.notify(licenseId, notice, attempt);
        return answer?.resultCode ?? null;
      } catch (err) {
        throw sellerCallFailure(err);
      }
    },

    /**
     * Deployment step 8 (License 2.0): issues the order's code, idempotently. Only the id comes
     * back: the code stays out of workflow history; the activity that writes it to the server
     * reads it with `codes.reveal`.
     */
    issueLicenseCode: async (
      orderRef: string,
    ): Promise<{ licenseId: string; created: boolean }> => {
      const r = await required(deps.codes, 'codes').issue(orderRef, 'system:deploy');
      return { licenseId: r.license.id, created: r.created };
    },

    /** Deployment step 8 (License 1.0): the order's license for the collected fingerprint. */
    issueLicenseForMachine: async (
      orderRef: string,
      fingerprint: string,
    ): Promise<{ licenseId: string; rebound: boolean; changedParts: string[] }> => {
      const r = await required(deps.documents, 'documents').issueForMachine(orderRef, fingerprint, {
        actor: 'system:deploy',
      });
      return { licenseId: r.license.id, rebound: r.rebound, changedParts: r.changedParts };
    },

    listProbeTargets: (): Promise<string[]> => deps.generators.probeTargets(),

    /** Dial-tests one generator; returns whether it passed (its health is recorded either way). */
    probeGenerator: async (generatorId: string): Promise<boolean> =>
      (await deps.generators.recheck(generatorId)).report.passed,
  });
}

export type LicenseActivities = ReturnType<typeof createLicenseActivities>;

function required<T>(dep: T | undefined, name: string): T {
  if (!dep) throw new AppError('INTERNAL', `license activities built without ${name}`);
  return dep;
}

/**
 * Every seller-side failure is worth retrying (KooGallery retries any failed call), except a URL
 * OneClick will never call.
 */
function sellerCallFailure(err: unknown): unknown {
  if (!isAppError(err) || err.retryable || err.code.startsWith('GENERATOR_URL_')) return err;
  return new AppError(err.code, err.message, { retryable: true, cause: err });
}
