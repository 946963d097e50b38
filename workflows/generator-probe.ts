import { proxyActivities } from '@temporalio/workflow';
import type { LicenseActivities } from '../activities/license.js';

/**
 * generatorProbe: run by a Temporal schedule twice a day (as KooGallery dial-tests sellers' saved
 * debug cases every morning and afternoon). Every active or failing remote generator gets the
 * conformance check with `testFlag=1`; the result is its recorded health.
 */
const { listProbeTargets, probeGenerator } = proxyActivities<LicenseActivities>({
  // Three calls of at most 5 s each, plus recording.
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

export interface GeneratorProbeResult {
  checked: number;
  passed: number;
  failed: string[];
}

/** Dial-tests every remote generator, a few at a time. */
export async function generatorProbe(): Promise<GeneratorProbeResult> {
  const ids = await listProbeTargets();
  const failed: string[] = [];
  let passed = 0;
  const parallel = 4;
  for (let i = 0; i < ids.length; i += parallel) {
    const batch = ids.slice(i, i + parallel);
    const results = await Promise.all(batch.map((id) => probeGenerator(id).catch(() => false)));
    results.forEach((ok, j) => (ok ? passed++ : failed.push(batch[j] as string)));
  }
  return { checked: ids.length, passed, failed };
}
