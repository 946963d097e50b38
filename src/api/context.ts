import type { Logger } from '../logger.js';
import type { Database } from '../db/sql.js';
import type { Principal } from '../db/repositories/principals.js';
import type { LicenseServices } from '../license/services.js';
import type { Keyring } from '../crypto/keyring.js';
import type { PackageStore } from '../packages/store.js';
import type { TemporalGateway } from '../temporal/gateway/index.js';
import type { CodecServer } from './routes/codec.js';
import type { EvidenceService } from '../evidence/evidence-service.js';
import type { CloudConnector } from '../cloud/types.js';
import type { CatalogueOptions } from './routes/cloud-catalogue.js';
import type { Metrics } from '../metrics/registry.js';

/** What route handlers may reach; built once by the entry point and handed to `createApp`. */
export interface AppDeps {
  db: Database;
  logger: Logger;
  /** KooGallery access key that signs the marketplace's inbound calls. */
  marketplaceAccessKey: string;
  /** Absent when the API runs without Temporal (then /healthz reports it as down). */
  temporal?: TemporalGateway;
  /** The license engine; its routes are mounted when present. */
  license?: LicenseServices;
  /** Seals stored idempotent answers that carry secrets (`Cache-Control: no-store`). */
  secretsKeyring?: Keyring;
  /** Signed delivery evidence; its routes are mounted when present. */
  evidence?: EvidenceService;
  /** Where seller uploads go; the upload route is mounted when present. */
  packageStore?: PackageStore;
  /** Largest package upload, bytes (config ONECLICK_MAX_PACKAGE_BYTES). */
  maxPackageBytes?: number;
  /** How long a buyer has to answer a License 1.0 delivery (default 7 days). */
  acceptanceWindowMs?: number;
  /** After an expiry notice, how long a renewal may still come before decommission (15 days). */
  expiryGraceMs?: number;
  /** Clock, injectable so signature-window tests need no sleeping. */
  now?: () => number;
  /** Largest JSON body accepted, bytes. */
  maxBodyBytes?: number;
  /** Temporal's remote codec for operators (`/codec/decode`); mounted when present. */
  codec?: CodecServer;
  /**
   * Huawei Cloud per account and region: the cloud account routes and the form lists are mounted
   * when present, and Start Deployment checks a requested account and region against it.
   */
  cloud?: CloudConnector;
  /**
   * Whether a buyer naming no linked account deploys into (and lists) OneClick's own account
   * (default true: the sandbox and single-tenant installs); false: CLOUD_ACCOUNT_REQUIRED.
   */
  ownAccountForBuyers?: boolean;
  /** The form lists' cache (default 30 s per node); tests shorten it or move its clock. */
  cloudCatalogue?: CatalogueOptions;
  /** The Temporal UI's base URL and namespace: the operators' console links a deployment there. */
  temporalUi?: { url: string; namespace: string };
  /** The console (`/console`); off only where a test wants the bare API. Default on. */
  console?: { sessionMs?: number } | false;
  /** This process's metrics, into which every request is timed; unset with ONECLICK_METRICS=off. */
  metrics?: Metrics;
  /** `GET /metrics` on the API's port (default true with `metrics`); false: a port of its own. */
  metricsRoute?: boolean;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    log: Logger;
    principal: Principal;
  };
}
