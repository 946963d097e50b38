import { randomUUID } from 'node:crypto';
import { isAppError } from '../errors.js';
import {
  callSeller,
  SELLER_TIMEOUT_MS,
  type GetLicenseRequest,
  type SellerAnswer,
  type SellerEndpoint,
} from './generator-client.js';
import { formatKooGalleryTime } from '../domain/marketplace-time.js';

/**
 * The check a remote generator must pass before it becomes active, and that the generatorProbe
 * schedule repeats: every call is a debug call (`testFlag=1`).
 *  1. a signed getLicenseAsync answers 000000 with a license, a valid Body-Sign, within 5 s;
 *  2. the same eventId again answers the same license (KooGallery's idempotency rule);
 *  3. a request with a wrong signature is refused (the seller must check signatures).
 */
export type ConformanceCheckName =
  'issues-license' | 'idempotent-per-event' | 'refuses-bad-signature';

export interface ConformanceCheck {
  name: ConformanceCheckName;
  ok: boolean;
  /** Short reason; never contains the access key or the license itself. */
  detail: string;
}

export interface ConformanceReport {
  passed: boolean;
  checks: ConformanceCheck[];
  /** Slowest call, for the health view (informational). */
  slowestMs: number;
  checkedAt: string;
}

/** A fingerprint that is clearly a test value, not a real machine. */
const TEST_FINGERPRINT =
  '02:00:00:00:00:01|ONECLICK-CONFORMANCE-DISK|ONECLICK-CONFORMANCE-BOARD|ONECLICK-CONFORMANCE-CPU';

/** Runs the three checks against a generator; never throws for the generator's faults. */
export async function runConformance(
  endpoint: SellerEndpoint,
  options: { timeoutMs?: number; now?: () => Date } = {},
): Promise<ConformanceReport> {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? SELLER_TIMEOUT_MS;
  const start = now();
  const request: GetLicenseRequest = {
    activity: 'getLicenseAsync',
    orderId: `TEST-${randomUUID()}`,
    instanceId: `TEST-${randomUUID()}`,
    eventId: randomUUID(),
    deviceFingerprint: TEST_FINGERPRINT,
    effectiveTime: formatKooGalleryTime(start),
    expireTime: formatKooGalleryTime(new Date(start.getTime() + 30 * 86_400_000)),
    testFlag: '1',
  };
  const checks: ConformanceCheck[] = [];
  let slowestMs = 0;
  const call = async (corruptSignature = false): Promise<SellerAnswer | string> => {
    try {
      const a = await callSeller(endpoint, request, { timeoutMs, corruptSignature });
      slowestMs = Math.max(slowestMs, a.elapsedMs);
      return a;
    } catch (err) {
      if (isAppError(err)) return `${err.code}: ${err.message}`;
      throw err;
    }
  };

  const first = await call();
  const firstOk = judgeIssue(first);
  checks.push({ name: 'issues-license', ...firstOk });

  if (firstOk.ok && typeof first !== 'string') {
    const second = await call();
    const secondOk = judgeIssue(second);
    const same = secondOk.ok && typeof second !== 'string' && second.license === first.license;
    checks.push({
      name: 'idempotent-per-event',
      ok: same,
      detail: !secondOk.ok
        ? `repeat call failed: ${secondOk.detail}`
        : same
          ? 'same eventId gave the same license'
          : 'same eventId gave a different license',
    });
  } else {
    checks.push({
      name: 'idempotent-per-event',
      ok: false,
      detail: 'not run: the first call failed',
    });
  }

  const forged = await call(true);
  const refusedForged =
    typeof forged === 'string'
      ? // A 401/403 without JSON also counts as refusing; only a timeout or an outage does not.
        !/GENERATOR_(TIMEOUT|UNREACHABLE)/.test(forged)
      : forged.resultCode !== '000000';
  checks.push({
    name: 'refuses-bad-signature',
    ok: refusedForged,
    detail: refusedForged
      ? 'a wrongly signed request was refused'
      : typeof forged === 'string'
        ? forged
        : 'a wrongly signed request was answered with success',
  });

  return {
    passed: checks.every((c) => c.ok),
    checks,
    slowestMs: Math.round(slowestMs),
    checkedAt: start.toISOString(),
  };
}

function judgeIssue(answer: SellerAnswer | string): { ok: boolean; detail: string } {
  if (typeof answer === 'string') return { ok: false, detail: answer };
  if (answer.resultCode !== '000000') {
    return {
      ok: false,
      detail: `resultCode ${answer.resultCode}: ${answer.resultMsg.slice(0, 120)}`,
    };
  }
  if (!answer.license) return { ok: false, detail: 'success without a license' };
  if (!answer.bodySigned) return { ok: false, detail: 'the answer has no Body-Sign header' };
  return { ok: true, detail: 'signed license within the time limit' };
}
