import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isAppError } from '../src/errors.js';
import type { GeneratorStore } from '../src/license/generator-store.js';
import type {
  LicenseLifecycleStore,
  LifecycleNotice,
  LifecycleSnapshot,
} from '../src/license/license-lifecycle-store.js';

/**
 * Activities of the licenseLifecycle and generatorProbe workflows: thin adapters over
 * src/license. A non-retryable AppError becomes a non-retryable ApplicationFailure typed with its
 * code; anything else is rethrown for Temporal to retry under the workflow's policy.
 */
export interface LicenseActivityDeps {
  lifecycle: LicenseLifecycleStore;
  generators: GeneratorStore;
}

/** Builds the license activities. */
export function createLicenseActivities(deps: LicenseActivityDeps) {
  return {
    async loadLicenseLifecycle(licenseId: string): Promise<LifecycleSnapshot> {
      return adapt(() => deps.lifecycle.snapshot(licenseId));
    },

    async renewLicense(licenseId: string, expiresAt: string): Promise<{ wasFrozen: boolean }> {
      return adapt(() => deps.lifecycle.renew(licenseId, new Date(expiresAt), 'marketplace'));
    },

    async setLicenseStatus(licenseId: string, status: 'FROZEN' | 'RELEASED'): Promise<void> {
      return adapt(() => deps.lifecycle.setStatus(licenseId, status, 'system:lifecycle'));
    },

    /** One try of a lifecycle call; the workflow's retry policy is KooGallery's 60 × 2 min. */
    async notifyLicenseSeller(licenseId: string, notice: LifecycleNotice): Promise<string | null> {
      const attempt = Context.current().info.attempt;
      return adapt(async () => {
        const answer = await deps.lifecycle.notify(licenseId, notice, attempt);
        return answer?.resultCode ?? null;
      }, true);
    },

    async listProbeTargets(): Promise<string[]> {
      return adapt(() => deps.generators.probeTargets());
    },

    /** Dial-tests one generator; returns whether it passed (its health is recorded either way). */
    async probeGenerator(generatorId: string): Promise<boolean> {
      return adapt(async () => (await deps.generators.recheck(generatorId)).report.passed);
    },
  };
}

export type LicenseActivities = ReturnType<typeof createLicenseActivities>;

/**
 * Maps errors for Temporal. `sellerCall`: every seller-side failure is worth retrying (KooGallery
 * retries any failed call), except a URL OneClick will never call.
 */
async function adapt<T>(fn: () => Promise<T>, sellerCall = false): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isAppError(err)) throw err;
    const retry = err.retryable || (sellerCall && !err.code.startsWith('GENERATOR_URL_'));
    if (retry) throw ApplicationFailure.retryable(err.message, err.code);
    throw ApplicationFailure.nonRetryable(err.message, err.code);
  }
}
