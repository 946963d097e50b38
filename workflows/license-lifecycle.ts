import {
  ActivityFailure,
  condition,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { LicenseActivities } from '../activities/license.js';
import type { LifecycleNotice } from '../src/license/license-lifecycle-store.js';

/**
 * licenseLifecycle (`license-<licenseId>`): expiry → FROZEN after the grace period → RELEASED after
 * retention; renewal and unsubscription arrive as signals. Every change is told to the seller's
 * endpoint in order, with KooGallery's retry rule (60 tries, 2 minutes apart), without holding up
 * the timers: notices queue behind each other while the lifecycle goes on.
 */
export interface RenewalSignal {
  /** The renewal's (new) marketplace order id and line. */
  orderId: string;
  orderLineId: string;
  /** New expiry, ISO-8601. */
  expiresAt: string;
  scene?: 'RENEWAL' | 'UNSUBSCRIBE_RENEWAL_PERIOD';
}

export interface UnsubscribeSignal {
  orderId: string;
  orderLineId: string;
}

export const renewSignal = defineSignal<[RenewalSignal]>('renew');
export const unsubscribeSignal = defineSignal<[UnsubscribeSignal]>('unsubscribe');

export type LifecyclePhase = 'alive' | 'grace' | 'frozen' | 'released';
export interface LifecycleState {
  phase: LifecyclePhase;
  expiresAt: string | null;
  noticesSent: number;
  noticesFailed: number;
}
export const lifecycleStateQuery = defineQuery<LifecycleState>('state');

/** The workflow id of a license's lifecycle: one per license. */
export const licenseLifecycleWorkflowId = (licenseId: string): string => `license-${licenseId}`;

export interface LicenseLifecycleInput {
  licenseId: string;
  /** Overrides for tests and demos; production reads grace and retention from the product. */
  durations?: {
    graceMs?: number;
    retentionMs?: number;
    /** KooGallery: 2 minutes between tries. */
    notifyIntervalMs?: number;
    /** KooGallery: 60 tries. */
    notifyAttempts?: number;
  };
}

const DAY = 86_400_000;

const { loadLicenseLifecycle, renewLicense, setLicenseStatus } = proxyActivities<LicenseActivities>(
  {
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 10 },
  },
);

/** The license lifecycle workflow. */
export async function licenseLifecycle(input: LicenseLifecycleInput): Promise<LifecycleState> {
  const d = input.durations ?? {};
  const interval = d.notifyIntervalMs ?? 2 * 60_000;
  const { notifyLicenseSeller } = proxyActivities<LicenseActivities>({
    // The call itself times out at 5 s; the margin covers reading the license and recording.
    startToCloseTimeout: '20 seconds',
    retry: {
      initialInterval: interval,
      backoffCoefficient: 1,
      maximumInterval: interval,
      maximumAttempts: d.notifyAttempts ?? 60,
    },
  });

  // Handlers first: a query or signal may arrive before the first activity returns.
  const state: LifecycleState = {
    phase: 'alive',
    expiresAt: null,
    noticesSent: 0,
    noticesFailed: 0,
  };
  setHandler(lifecycleStateQuery, () => state);
  const renewals: RenewalSignal[] = [];
  let unsubscribed: UnsubscribeSignal | undefined;
  setHandler(renewSignal, (r) => void renewals.push(r));
  setHandler(unsubscribeSignal, (u) => {
    unsubscribed ??= u;
  });

  const snap = await loadLicenseLifecycle(input.licenseId);
  const graceMs = Math.min(d.graceMs ?? snap.graceDays * DAY, 15 * DAY);
  const retentionMs = d.retentionMs ?? snap.retentionDays * DAY;
  state.phase =
    snap.status === 'RELEASED' ? 'released' : snap.status === 'FROZEN' ? 'frozen' : 'alive';
  state.expiresAt = snap.expiresAt;

  let notices: Promise<void> = Promise.resolve();
  const tell = (notice: LifecycleNotice): void => {
    if (!snap.notifies) return;
    notices = notices.then(async () => {
      try {
        await notifyLicenseSeller(input.licenseId, notice);
        state.noticesSent++;
      } catch (err) {
        // After KooGallery's 60 tries the lifecycle still goes on; the failed call stays on record.
        if (!(err instanceof ActivityFailure)) throw err;
        state.noticesFailed++;
        log.warn('seller endpoint did not take a lifecycle notice', { activity: notice.activity });
      }
    });
  };

  // The phase timer: until expiry (alive), for the grace period, or for the retention period.
  let phaseStarted = Date.now();
  while (state.phase !== 'released') {
    const deadline =
      state.phase === 'alive'
        ? state.expiresAt === null
          ? undefined
          : new Date(state.expiresAt).getTime()
        : phaseStarted + (state.phase === 'grace' ? graceMs : retentionMs);
    const woke =
      deadline === undefined
        ? await condition(() => renewals.length > 0 || unsubscribed !== undefined).then(() => true)
        : await condition(
            () => renewals.length > 0 || unsubscribed !== undefined,
            Math.max(deadline - Date.now(), 0),
          );

    if (unsubscribed) {
      await setLicenseStatus(input.licenseId, 'RELEASED');
      tell({
        activity: 'releaseLicenseCode',
        orderId: unsubscribed.orderId,
        orderLineId: unsubscribed.orderLineId,
      });
      state.phase = 'released';
      break;
    }
    const renewal = renewals.shift();
    if (woke && renewal) {
      const { wasFrozen } = await renewLicense(input.licenseId, renewal.expiresAt);
      state.expiresAt = renewal.expiresAt;
      tell({
        activity: 'refreshLicenseCode',
        scene: renewal.scene ?? 'RENEWAL',
        orderId: renewal.orderId,
        orderLineId: renewal.orderLineId,
        expiresAt: renewal.expiresAt,
      });
      if (wasFrozen) tell({ activity: 'updateLicenseCodeStatus', status: 'UNFREEZE' });
      // A renewal that still ends in the past keeps counting from where the license stood.
      if (new Date(renewal.expiresAt).getTime() > Date.now()) state.phase = 'alive';
      continue;
    }
    if (woke) continue;
    // The phase's time ran out.
    phaseStarted = Date.now();
    if (state.phase === 'alive') {
      state.phase = 'grace';
    } else if (state.phase === 'grace') {
      await setLicenseStatus(input.licenseId, 'FROZEN');
      tell({ activity: 'updateLicenseCodeStatus', status: 'FREEZE' });
      state.phase = 'frozen';
    } else {
      await setLicenseStatus(input.licenseId, 'RELEASED');
      tell({ activity: 'releaseLicenseCode' });
      state.phase = 'released';
    }
  }
  await notices;
  return state;
}
