import { proxyActivities, sleep } from '@temporalio/workflow';
import type { SupervisionActivities } from '../activities/supervision.js';

/**
 * Service supervision's durable parts: the buyer's acceptance window (a timer per confirmation,
 * not a cron), and the run that sends supervision reports to the marketplace (started by the
 * `supervision-reports` schedule and whenever a transition asks for it).
 */

export interface AcceptanceTimerInput {
  orderRef: string;
  /** The seller's confirming transition; a later confirmation has a timer of its own. */
  confirmEventId: number;
  /** ISO-8601: when silence becomes acceptance. */
  dueAt: string;
}

export const acceptanceTimerWorkflowId = (orderRef: string, confirmEventId: number) =>
  `acceptance-${orderRef}-${confirmEventId}`;

export const SUPERVISION_REPORTS_SCHEDULE_ID = 'supervision-reports';

const { acceptDeliveryAutomatically } = proxyActivities<SupervisionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '10 minutes' },
});

const { sendSupervisionReports } = proxyActivities<SupervisionActivities>({
  // Each report waits at most 10 s; a long queue sends many.
  startToCloseTimeout: '30 minutes',
  retry: { maximumAttempts: 3 },
});

/** Waits out the buyer's acceptance window, then accepts a delivery nobody answered. */
export async function acceptanceTimer(input: AcceptanceTimerInput): Promise<{ accepted: boolean }> {
  const left = Date.parse(input.dueAt) - Date.now();
  if (left > 0) await sleep(left);
  return acceptDeliveryAutomatically({
    orderRef: input.orderRef,
    confirmEventId: input.confirmEventId,
  });
}

/** Sends the marketplace every supervision report that waits, in order per order. */
export async function supervisionReports(): Promise<{ sent: number; failed: number }> {
  return sendSupervisionReports();
}
