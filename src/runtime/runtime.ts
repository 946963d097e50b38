import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { openDatabase, type Database } from '../db/sql.js';
import { migrate } from '../db/migrate.js';
import { deriveKeyring, formatKeyring, parseKeyring, type Keyring } from '../crypto/keyring.js';
import { loadOrCreateSecretFile } from './data-dir-secret.js';
import { lockDataDir } from './data-dir-lock.js';
import { findOrBuildTemporalCli } from '../temporal/cli-binary.js';
import { freePort, startDevServer, type DevServer } from '../temporal/dev-server.js';
import { createDataConverter } from '../temporal/data-converter.js';
import { EncryptionCodec } from '../temporal/codec.js';
import {
  createNativeConnection,
  createTemporalClient,
  temporalTarget,
} from '../temporal/connection.js';
import { createWorker } from '../temporal/worker.js';
import { installTemporalLogging } from '../temporal/logging.js';
import { createMetrics } from '../metrics/registry.js';
import { DEFAULT_METRICS_PORT, serveMetrics } from '../metrics/metrics-server.js';
import { createTemporalGateway } from '../temporal/gateway/index.js';
import { createApp } from '../api/app.js';
import { serveApi } from '../api/server.js';
import {
  anyPrincipalExists,
  createApiKey,
  createPrincipal,
} from '../db/repositories/principals.js';
import { createActivities } from '../../activities/index.js';
import { createSshSessionPool } from '../ssh/session-pool.js';
import { runSandbox, sandboxStateDir } from '../sandbox/run-sandbox.js';
import { startRecordingMarketplace } from '../sandbox/recording-marketplace.js';
import { cloudConnectorFromConfig, type SandboxEndpoint } from '../cloud/from-config.js';
import type { CloudConnector } from '../cloud/types.js';
import { createCloudAccountSource } from '../db/repositories/cloud-accounts.js';
import { createSqlSecretStore } from '../secrets/secret-store.js';
import { createDirectoryPackageStore } from '../packages/directory-store.js';
import { createS3PackageStore } from '../packages/s3-store.js';
import type { PackageStore } from '../packages/store.js';
import { createSqlHostKeyPins } from '../ssh/host-key.js';
import { createLicenseServices } from '../license/services.js';
import { createEvidenceService } from '../evidence/evidence-service.js';
import { wrappingKeysFrom } from '../license/wrapping-keys.js';

export interface RunningOneClick {
  apiUrl?: string;
  /** What the sandbox cloud prints about itself, when it runs. */
  sandboxBanner?: string;
  /** Set on the very first start only: the first operator's API key. */
  bootstrapOperatorKey?: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  marketplaceAccessKey: string;
  /** Where Prometheus scrapes this node, unless ONECLICK_METRICS=off. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

/** The process-wide pieces every entry point needs: data dir, keys, database. */
export interface Foundation {
  config: Config;
  logger: Logger;
  db: Database;
  masterKeyring: Keyring;
  marketplaceAccessKey: string;
}

/**
 * The master keyring: from configuration when given; otherwise the file `master-keys` in the data
 * directory, generated on first start.
 */
export async function loadOrCreateMasterKeyring(
  configured: string | undefined,
  dataDir: string,
): Promise<{ keyring: Keyring; created: boolean }> {
  if (configured) return { keyring: parseKeyring(configured), created: false };
  const { value, created } = await loadOrCreateSecretFile(dataDir, 'master-keys', () =>
    formatKeyring({ activeId: 'k1', keys: new Map([['k1', randomBytes(32)]]) }),
  );
  return { keyring: parseKeyring(value), created };
}

/** Opens the data directory, keys and database, and runs migrations. */
export async function openFoundation(config: Config, logger: Logger): Promise<Foundation> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const master = await loadOrCreateMasterKeyring(config.masterKey, config.dataDir);
  if (master.created)
    logger.info({ file: path.join(config.dataDir, 'master-keys') }, 'generated a master key');
  const marketplaceAccessKey =
    config.marketplaceAccessKey ??
    (
      await loadOrCreateSecretFile(config.dataDir, 'marketplace-access-key', () =>
        // KooGallery's example keys are 64 upper-case hex characters.
        randomBytes(32).toString('hex').toUpperCase(),
      )
    ).value;
  const unlock = config.databaseUrl ? undefined : await lockDataDir(config.dataDir);
  let opened: Database | undefined;
  try {
    opened = await openDatabase({
      url: config.databaseUrl,
      pgliteDir: path.join(config.dataDir, 'pglite'),
      poolMax: config.databasePoolMax,
    });
    const applied = await migrate(opened);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  } catch (err) {
    await opened?.close();
    await unlock?.();
    throw err;
  }
  const raw = opened;
  const db: Database = {
    ...raw,
    kind: raw.kind,
    close: async () => {
      await raw.close();
      await unlock?.();
    },
  };
  return { config, logger, db, masterKeyring: master.keyring, marketplaceAccessKey };
}

/**
 * On a fresh database, creates the first operator and returns its API key (to be shown once);
 * otherwise undefined. Without it nobody could call the API of a new install.
 */
export async function bootstrapOperator(db: Database): Promise<string | undefined> {
  if (await anyPrincipalExists(db)) return undefined;
  const principal = await createPrincipal(db, { role: 'operator', name: 'first operator' });
  return (await createApiKey(db, principal.id, 'bootstrap')).key;
}

/**
 * `<API url>/codec`, where the embedded UI finds OneClick's codec; undefined while the API's port
 * is only picked when it listens (port 0 without a public URL).
 */
function embeddedCodecEndpoint(config: Config): string | undefined {
  const { host, port, publicUrl } = config.http;
  if (publicUrl) return `${publicUrl.replace(/\/+$/, '')}/codec`;
  return port === 0 ? undefined : `http://${host}:${port}/codec`;
}

/** The active key of a keyring. */
function activeKey(ring: Keyring): Buffer {
  const key = ring.keys.get(ring.activeId);
  if (!key) throw new Error(`keyring has no active key ${ring.activeId}`);
  return key;
}

/** The UI's origin, and its `localhost` twin for a loopback UI (people type either). */
function uiOrigins(uiUrl: string): string[] {
  const url = new URL(uiUrl);
  if (url.hostname !== '127.0.0.1') return [url.origin];
  return [url.origin, `${url.protocol}//localhost:${url.port}`];
}

/**
 * Runs the parts of OneClick named in `parts` in this process: the embedded Temporal dev server
 * (when no TEMPORAL_ADDRESS is set and `devServer` is allowed), the worker, and the API.
 */
export async function runOneClick(
  f: Foundation,
  parts: {
    api: boolean;
    worker: boolean;
    devServer: boolean;
    /** Keep the sandbox cloud under the data directory (default: with the dev server, `start`). */
    persistentSandbox?: boolean;
  },
): Promise<RunningOneClick> {
  const { config, logger } = f;
  // One registry for the whole process, API and worker; the worker's Temporal runtime exports
  // its own metrics on a loopback port that every scrape appends.
  const sdkMetricsPort = config.metrics.enabled && parts.worker ? await freePort() : undefined;
  const telemetry = installTemporalLogging(logger, { prometheusPort: sdkMetricsPort });
  const metrics = config.metrics.enabled
    ? createMetrics({ temporalUrl: telemetry.prometheusUrl })
    : undefined;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
    }
  };
  stops.push(() => f.db.close());
  try {
    let dev: DevServer | undefined;
    if (!config.temporal.address) {
      if (!parts.devServer) {
        throw new Error(
          'TEMPORAL_ADDRESS is not set: run `oneclick start` for the embedded dev server, or point TEMPORAL_ADDRESS at a cluster',
        );
      }
      const cliPath = await findOrBuildTemporalCli({
        explicitPath: config.temporal.cliPath,
        pathEnv: process.env.PATH,
        log: (line) => logger.info(line),
      });
      dev = await startDevServer({
        cliPath,
        dbFile: path.join(config.dataDir, 'temporal', 'temporal.db'),
        namespace: config.temporal.namespace,
        port: config.temporal.devPort,
        uiPort: config.temporal.devUiPort,
        // The UI decodes history through OneClick's own codec when the API runs here too.
        uiCodecEndpoint: parts.api ? embeddedCodecEndpoint(config) : undefined,
        onOutput: (line) => logger.debug({ temporal: line }, 'temporal dev server'),
      });
      stops.push(() => dev!.stop());
      logger.info({ address: dev.address, ui: dev.uiUrl }, 'temporal dev server ready');
    }
    if (!dev && (!config.masterKey || !config.marketplaceAccessKey)) {
      // Nodes of one OneClick must share these keys; a generated one is this node's alone.
      logger.warn(
        'ONECLICK_MASTER_KEY or MARKETPLACE_ACCESS_KEY is not set: this node uses the one generated in its data directory, and every other node of this OneClick must be given the same',
      );
    }
    const target = temporalTarget(config, dev?.address);
    const payloadKeyring = deriveKeyring(f.masterKeyring, 'temporal-payloads');
    const dataConverter = createDataConverter(payloadKeyring);
    const temporal = createTemporalGateway(
      await createTemporalClient(target, dataConverter),
      config.temporal.taskQueue,
    );
    stops.push(() => temporal.close());

    const license = createLicenseServices({
      sql: f.db,
      wraps: wrappingKeysFrom(deriveKeyring(f.masterKeyring, 'license-secrets')),
      issuer: config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`,
      // Only the sandbox (everything on this machine) may call sellers' endpoints on private networks.
      allowPrivateSellerEndpoints: config.huaweiCloud.sandbox,
    });
    const secretsKeyring = deriveKeyring(f.masterKeyring, 'secrets-at-rest');
    // Packages, delivery evidence and acceptance reports: the shared object store when one is
    // configured (every node sees every upload), else a directory of this node's own.
    let packageStore: PackageStore;
    if (config.objectStore) {
      const s3 = createS3PackageStore(config.objectStore);
      // A missing bucket, or a wrong key or region, stops the start, not the first upload.
      await s3.checkBucket();
      stops.push(() => Promise.resolve(s3.client.destroy()));
      packageStore = s3;
    } else {
      packageStore = createDirectoryPackageStore(path.join(config.dataDir, 'packages'));
    }
    let sandboxBanner: string | undefined;
    // Huawei Cloud per account and region for the worker's activities and the API's form lists:
    // OneClick's own account, and the buyers' linked ones (sealed in the database).
    const cloudAccounts = createCloudAccountSource(f.db, secretsKeyring);
    let cloud: CloudConnector | undefined = config.huaweiCloud.sandbox
      ? undefined
      : cloudConnectorFromConfig(config.huaweiCloud, undefined, cloudAccounts);
    if (parts.worker) {
      // No Huawei Cloud credentials: the sandbox cloud stands in for the region (Linux and root).
      let sandbox: SandboxEndpoint | undefined;
      if (config.huaweiCloud.sandbox) {
        if (!parts.devServer) {
          // A worker alone on the sandbox has a cloud of its own: its servers are unknown to any
          // other worker, so a deployment cannot move between them.
          logger.warn(
            'this worker runs a sandbox cloud of its own: for several workers, run `oneclick sandbox` once and point HUAWEICLOUD_AK/SK/PROJECT_ID and HUAWEICLOUD_*_ENDPOINT at it',
          );
        }
        // `start` keeps its cloud under the data directory: a restart finds the same servers.
        const started = await runSandbox({
          stateDir:
            (parts.persistentSandbox ?? parts.devServer)
              ? sandboxStateDir(config.dataDir)
              : undefined,
        });
        sandbox = started.cloud;
        sandboxBanner = started.banner;
        stops.push(() => started.cloud.stop());
      }
      // Supervision reports go to the marketplace's endpoint; the sandbox has a recording one.
      let reportUrl = config.supervision.reportUrl;
      if (!reportUrl && config.huaweiCloud.sandbox) {
        const marketplace = await startRecordingMarketplace({ accessKey: f.marketplaceAccessKey });
        reportUrl = marketplace.url;
        sandboxBanner = `${sandboxBanner ?? ''}\n  Marketplace supervision endpoint (recording): ${marketplace.url} (GET ${marketplace.url.replace(/\/supervision$/, '/reports')})`;
        stops.push(() => marketplace.close());
      }
      // One SSH connection per server for all of this worker's activities (closed at stop).
      const sshSessions = createSshSessionPool({
        log: (message, fields) => logger.debug(fields, message),
      });
      const activities = createActivities({
        sshSessions,
        db: f.db,
        logger,
        cloud: (cloud ??= cloudConnectorFromConfig(config.huaweiCloud, sandbox, cloudAccounts)),
        sshVia: config.huaweiCloud.sshVia,
        secrets: createSqlSecretStore(f.db, secretsKeyring),
        license,
        packages: packageStore,
        packageDelivery: config.packageDelivery,
        hostKeys: createSqlHostKeyPins(f.db),
        metrics: metrics?.deployments,
        marketplaceReports: {
          url: reportUrl,
          accessKey: f.marketplaceAccessKey,
          retryAfterMs: config.supervision.reportIntervalMs,
        },
      });
      const connection = await createNativeConnection(target);
      const worker: Worker = await createWorker({
        connection,
        namespace: target.namespace,
        taskQueue: config.temporal.taskQueue,
        activities,
        dataConverter,
      });
      const running = worker.run();
      stops.push(async () => {
        // Drain: finish in-flight tasks, then close the connection.
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        sshSessions.close();
        await connection.close();
      });
      logger.info({ taskQueue: config.temporal.taskQueue }, 'worker polling');
      // Remote generators are dial-tested twice a day (KooGallery does it every morning and afternoon).
      await temporal.ensureGeneratorProbeSchedule();
      // Supervision reports are sent (and failed ones sent again) every 2 minutes, and at once
      // whenever a transition kicks the schedule.
      await temporal.ensureSupervisionReportSchedule(config.supervision.reportIntervalMs);
    }

    let apiUrl: string | undefined;
    let bootstrapOperatorKey: string | undefined;
    if (parts.api) {
      bootstrapOperatorKey = await bootstrapOperator(f.db);
      const app = createApp({
        db: f.db,
        logger,
        marketplaceAccessKey: f.marketplaceAccessKey,
        temporal,
        license,
        // Signed with the sellers' license keys; the issuer names where their JWKS is published.
        evidence: createEvidenceService({
          db: f.db,
          license,
          issuer: config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`,
        }),
        secretsKeyring,
        // Without a worker on the sandbox there is no cloud to list from: the routes stay off.
        cloud,
        ownAccountForBuyers: config.huaweiCloud.ownAccountForBuyers,
        ...((config.temporal.uiUrl ?? dev?.uiUrl) && {
          temporalUi: { url: (config.temporal.uiUrl ?? dev?.uiUrl)!, namespace: target.namespace },
        }),
        packageStore,
        maxPackageBytes: config.maxPackageBytes,
        acceptanceWindowMs: config.supervision.acceptanceWindowMs,
        expiryGraceMs: config.supervision.expiryGraceMs,
        metrics,
        metricsRoute: config.metrics.port === undefined,
        codec: {
          codec: new EncryptionCodec(payloadKeyring),
          namespace: target.namespace,
          uiOrigins: dev?.uiUrl ? uiOrigins(dev.uiUrl) : [],
          sessionKey: activeKey(deriveKeyring(f.masterKeyring, 'codec-sessions')),
        },
      });
      const server = await serveApi({
        fetch: app.fetch,
        hostname: config.http.host,
        port: config.http.port,
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.http.port;
      apiUrl = config.http.publicUrl ?? `http://${config.http.host}:${port}`;
      stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    }
    let metricsUrl =
      metrics && apiUrl && config.metrics.port === undefined ? `${apiUrl}/metrics` : undefined;
    if (metrics && !metricsUrl) {
      // A port of its own: asked for, or a worker-only node, which has no API to serve it.
      const port = config.metrics.port ?? DEFAULT_METRICS_PORT;
      try {
        const served = await serveMetrics(metrics, { host: config.http.host, port });
        stops.push(() => served.close());
        metricsUrl = served.url;
      } catch (err) {
        // A busy port (two workers on one host) costs this node its metrics, not its work.
        logger.warn({ err, port }, '/metrics not served: set ONECLICK_METRICS_PORT');
      }
    }
    return {
      apiUrl,
      metricsUrl,
      bootstrapOperatorKey,
      sandboxBanner,
      temporalAddress: target.address,
      temporalUiUrl: dev?.uiUrl,
      marketplaceAccessKey: f.marketplaceAccessKey,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
