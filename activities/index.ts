import type { Database } from '../src/db/sql.js';
import type { Logger } from '../src/logger.js';
import type { CloudAdapter, CloudConnector } from '../src/cloud/types.js';
import type { SecretStore } from '../src/secrets/secret-store.js';
import type { PackageStore } from '../src/packages/store.js';
import type { HostKeyPins } from '../src/ssh/host-key.js';
import type { SshSessionPool } from '../src/ssh/session-pool.js';
import { createProvisioningActivities } from './provisioning.js';
import { createDeliveryActivities } from './delivery.js';
import { createLicenseActivities } from './license.js';
import { createDeploymentActivities } from './deployment.js';
import { createSupervisionActivities, type MarketplaceReportSettings } from './supervision.js';
import { createDecommissionActivities } from './decommission.js';
import { recordingSteps } from './step-recording.js';
import type { LicenseServices } from '../src/license/services.js';
import type { DeploymentMetrics } from '../src/metrics/deployment-metrics.js';

/** What the worker builds once and hands to every activity factory. */
export interface ActivityDeps {
  db: Database;
  logger: Logger;
  /** OneClick's own account only, or a connector reaching buyers' linked accounts too. */
  cloud: CloudAdapter | CloudConnector;
  /** How servers are reached: through their EIP when they have one (default) or privately. */
  sshVia?: 'public' | 'private';
  secrets: SecretStore;
  packages: PackageStore;
  /** `pull` (default): servers download from the object store when they can; `push`: never. */
  packageDelivery?: 'pull' | 'push';
  hostKeys: HostKeyPins;
  license: LicenseServices;
  /** The worker's shared SSH connections; it closes them at shutdown. Unset: the activities' own. */
  sshSessions?: SshSessionPool;
  /** Where supervision reports go; unset: they wait in their queue. */
  marketplaceReports?: MarketplaceReportSettings;
  /** Deployments by outcome, step durations, package bytes sent (`/metrics`); unset: none kept. */
  metrics?: DeploymentMetrics;
}

/**
 * All activities the worker registers. Workflows proxy `ReturnType<typeof createActivities>`
 * (types only), so adding a factory here is all it takes to expose its activities. Every one is
 * wrapped so that an activity carrying a deployment step's mark records that step's attempts.
 */
export function createActivities(deps: ActivityDeps) {
  const resolveSecret = (ref: string) => deps.secrets.resolve(ref);
  const deployment = createDeploymentActivities({
    db: deps.db,
    secrets: deps.secrets,
    license: deps.license,
    metrics: deps.metrics,
  });
  const metrics = deps.metrics;
  const recording = { db: deps.db, metrics };
  return recordingSteps(recording, {
    ...createProvisioningActivities({ cloud: deps.cloud, sshVia: deps.sshVia, resolveSecret }),
    ...createDeliveryActivities({
      store: deps.packages,
      hostKeys: deps.hostKeys,
      resolveSecret,
      sessions: deps.sshSessions,
      licenses: deployment.licenses,
      packageDelivery: deps.packageDelivery,
      onPullRefused: ({ serverId, reason, tail }) =>
        deps.logger.warn(
          {
            serverId,
            reason,
            // The download client's own words (the URL is already cut out); the rest of the
            // output is the script's, and output fields are logged by length only.
            client: tail
              .split('\n')
              .filter((l) => /^(curl|wget|download exited)\b/.test(l.trim()))
              .join('; ')
              .slice(0, 500),
          },
          'the server could not pull its package; pushing it instead',
        ),
      onPackageBytesSent: metrics && ((bytes) => metrics.packageBytesSent(bytes)),
    }),
    ...createLicenseActivities(deps.license),
    ...deployment.activities,
    ...createSupervisionActivities({ db: deps.db, reports: deps.marketplaceReports }),
    ...createDecommissionActivities({ db: deps.db, license: deps.license }),
  });
}

export type Activities = ReturnType<typeof createActivities>;
