import type { Sql } from '../db/sql.js';
import {
  headsOfReportQueues,
  markReported,
  noteReportFailure,
  type PendingReport,
} from '../db/repositories/supervision.js';
import { signedQuery } from '../marketplace/signing.js';

/**
 * Tells the marketplace every supervision transition. Each transition is a row of
 * supervision_events (written in the transaction that made it: an outbox), with its own report
 * id; this sends each record's reports in order, signed the KooGallery way (§2.4 of the
 * reference: `signature`, `timestamp`, `nonce` over the body with the shared access key), and
 * marks each one when the marketplace answers 2xx. A report that fails stays at the head of its
 * record's queue (the record's later reports wait behind it) and is sent again on the next run;
 * it is not sent before `retryAfterMs` has passed, however often runs are kicked, and
 * after `maxAttempts` sends it is abandoned, as KooGallery gives up on a seller notice after 60
 * tries 2 minutes apart. A resend carries the same report id, so the marketplace recognises a
 * duplicate whose acknowledgement was lost.
 */

/** The body of one report, as the marketplace receives it. */
export interface SupervisionReportBody {
  reportId: string;
  /** Increases with every transition of the order: the marketplace can order and dedupe by it. */
  sequence: number;
  orderId: string;
  orderLineId: string;
  licenseModel: string;
  fromState: string | null;
  state: string;
  actor: string;
  detail: Record<string, unknown> | null;
  at: string;
}

export interface MarketplaceReporterOptions {
  db: Sql;
  /** The marketplace's supervision endpoint; unset: reports wait (nothing is lost). */
  url?: string;
  accessKey: string;
  maxAttempts?: number;
  /** How long a failed report waits before its next send (KooGallery: 2 minutes). */
  retryAfterMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface ReportRun {
  sent: number;
  failed: number;
}

export const REPORT_MAX_ATTEMPTS = 60;
export const REPORT_RETRY_AFTER_MS = 2 * 60_000;

export function reportBody(r: PendingReport): SupervisionReportBody {
  return {
    reportId: r.reportId,
    sequence: r.eventId,
    orderId: r.orderId,
    orderLineId: r.orderLineId,
    licenseModel: r.licenseModel,
    fromState: r.fromState,
    state: r.toState,
    actor: r.actor ?? 'system',
    detail: r.detail,
    at: r.at,
  };
}

export function createMarketplaceReporter(o: MarketplaceReporterOptions) {
  const doFetch = o.fetch ?? fetch;
  const maxAttempts = o.maxAttempts ?? REPORT_MAX_ATTEMPTS;

  async function send(url: string, r: PendingReport): Promise<string | undefined> {
    const raw = JSON.stringify(reportBody(r));
    try {
      const res = await doFetch(`${url}?${signedQuery(o.accessKey, raw).toString()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: raw,
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? undefined : `HTTP ${res.status}`;
    } catch (err) {
      return (err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message;
    }
  }

  return {
    /** Sends what waits, record by record in order, until every queue is empty or stuck. */
    async sendPending(): Promise<ReportRun> {
      const run: ReportRun = { sent: 0, failed: 0 };
      if (!o.url) return run;
      const stuck = new Set<string>();
      for (;;) {
        const heads = (await headsOfReportQueues(o.db, 200)).filter((h) => !stuck.has(h.recordId));
        if (heads.length === 0) return run;
        for (const head of heads) {
          const error = await send(o.url, head);
          if (error === undefined) {
            await markReported(o.db, head.eventId);
            run.sent++;
          } else {
            await noteReportFailure(
              o.db,
              head.eventId,
              error,
              maxAttempts,
              o.retryAfterMs ?? REPORT_RETRY_AFTER_MS,
            );
            stuck.add(head.recordId);
            run.failed++;
          }
        }
      }
    },
  };
}

export type MarketplaceReporter = ReturnType<typeof createMarketplaceReporter>;
