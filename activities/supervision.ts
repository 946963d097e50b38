import type { Database } from '../src/db/sql.js';
import { createMarketplaceReporter } from '../src/supervision/marketplace-reporter.js';
import { createSupervisionService } from '../src/supervision/supervision-service.js';

/** Where supervision reports go, and with which shared key they are signed. */
export interface MarketplaceReportSettings {
  url?: string;
  accessKey: string;
  /** Sends per report before it is abandoned (KooGallery: 60). */
  maxAttempts?: number;
  /** Wait after a failed send (KooGallery: 2 minutes). */
  retryAfterMs?: number;
}

/** The activities of service supervision's workflows (workflows/supervision.ts). */
export function createSupervisionActivities(deps: {
  db: Database;
  reports?: MarketplaceReportSettings;
}) {
  const supervision = createSupervisionService({ db: deps.db });
  const reporter = createMarketplaceReporter({
    db: deps.db,
    url: deps.reports?.url,
    accessKey: deps.reports?.accessKey ?? '',
    maxAttempts: deps.reports?.maxAttempts,
    retryAfterMs: deps.reports?.retryAfterMs,
  });
  return {
    /** The end of an acceptance window: accepts, unless the buyer answered or it was overtaken. */
    acceptDeliveryAutomatically: (input: { orderRef: string; confirmEventId: number }) =>
      supervision.acceptAutomatically(input),
    /** Sends what waits in the supervision report queues. */
    sendSupervisionReports: () => reporter.sendPending(),
  };
}

export type SupervisionActivities = ReturnType<typeof createSupervisionActivities>;
