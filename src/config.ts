import { z } from 'zod';
import path from 'node:path';

/**
 * The one place that reads the environment. `loadConfig` parses it once per entry point and
 * returns a frozen object that is passed down; a bad value fails start-up listing every bad key.
 */
const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v))
  .pipe(z.url().optional());

const envSchema = z.object({
  ONECLICK_DATA_DIR: z.string().min(1).default('.data'),
  ONECLICK_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  ONECLICK_HTTP_PORT: port.default(8080),
  /** Where links printed to users point; defaults to http://host:port. */
  ONECLICK_PUBLIC_URL: optionalUrl,
  DATABASE_URL: optionalUrl,
  /**
   * PostgreSQL connections one process may hold at most (4 of them kept open). Every node has its
   * own pool: the server's max_connections must cover the sum over all nodes.
   */
  ONECLICK_DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  TEMPORAL_TLS_CA: optionalString,
  TEMPORAL_API_KEY: optionalString,
  /** The Temporal UI of a real cluster, for the operators' console links (the dev server's own otherwise). */
  TEMPORAL_UI_URL: optionalString,
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('oneclick'),
  /** Embedded dev server: gRPC port and Web UI port. */
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_DEV_UI_PORT: port.default(8233),
  /** Path to a Temporal CLI binary; otherwise PATH, then the build cache. */
  TEMPORAL_CLI: optionalString,
  /**
   * Master keys: `kid:base64(32 bytes)` entries separated by commas, the first one active; older
   * ones still decrypt. Unset: generated on first start into the data directory.
   */
  ONECLICK_MASTER_KEY: optionalString,
  /** KooGallery access key used to check inbound marketplace signatures. Unset: generated. */
  MARKETPLACE_ACCESS_KEY: optionalString,
  /**
   * The marketplace's service-supervision endpoint every transition is reported to. Unset: the
   * sandbox's recording marketplace when the sandbox runs, otherwise reports wait in their queue.
   */
  MARKETPLACE_SUPERVISION_URL: optionalUrl,
  /** How often waiting supervision reports are sent (again): KooGallery's 2 minutes. */
  ONECLICK_REPORT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  /** How long a buyer has to accept or reject a License 1.0 delivery before it is accepted. */
  ONECLICK_ACCEPTANCE_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(7 * 24 * 3600),
  /** After an expiry notice, how long a renewal may still come before the order is decommissioned. */
  ONECLICK_EXPIRY_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(15 * 24 * 3600),
  HUAWEICLOUD_AK: optionalString,
  HUAWEICLOUD_SK: optionalString,
  HUAWEICLOUD_PROJECT_ID: optionalString,
  HUAWEICLOUD_REGION: z.string().min(1).default('cn-north-4'),
  /** OneClick's own account (domain) id; unset, it is asked of IAM when an agency is assumed. */
  HUAWEICLOUD_DOMAIN_ID: optionalString,
  /** Custom endpoints override the SDK's region tables for every region. */
  HUAWEICLOUD_ECS_ENDPOINT: optionalUrl,
  HUAWEICLOUD_VPC_ENDPOINT: optionalUrl,
  HUAWEICLOUD_IAM_ENDPOINT: optionalUrl,
  HUAWEICLOUD_IMS_ENDPOINT: optionalUrl,
  /**
   * How OneClick reaches a server over SSH: `public` through its EIP when it has one (else its
   * private address), `private` always through the private address (OneClick runs in the VPC).
   */
  ONECLICK_SSH_VIA: z.enum(['public', 'private']).default('public'),
  /**
   * Whether buyers may deploy into (and list) OneClick's own account when they name no linked
   * account. Unset: yes on the sandbox, no with real credentials, where every buyer would share
   * one account and see each other's servers and groups.
   */
  ONECLICK_OWN_ACCOUNT_FOR_BUYERS: bool.optional(),
  /** Package uploads larger than this are refused. */
  ONECLICK_MAX_PACKAGE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 ** 3),
  /**
   * An object store on the S3 API (Huawei OBS, SeaweedFS, MinIO, ...) for packages, delivery
   * evidence and acceptance reports, shared by every node. Unset: a directory under the data dir.
   */
  ONECLICK_S3_ENDPOINT: optionalUrl,
  /** The S3 endpoint as target servers reach it, for presigned pull URLs; default the endpoint. */
  ONECLICK_S3_PULL_ENDPOINT: optionalUrl,
  ONECLICK_S3_REGION: z.string().min(1).default('us-east-1'),
  ONECLICK_S3_BUCKET: optionalString,
  ONECLICK_S3_ACCESS_KEY_ID: optionalString,
  ONECLICK_S3_SECRET_ACCESS_KEY: optionalString,
  /** Path-style URLs (endpoint/bucket/key); virtual-hosted style (bucket.endpoint) when false. */
  ONECLICK_S3_FORCE_PATH_STYLE: bool.default(true),
  /**
   * `pull`: servers that can reach the object store download their package from a presigned URL
   * (OneClick pushes only to the others); `push`: always push over SSH.
   */
  ONECLICK_PACKAGE_DELIVERY: z.enum(['pull', 'push']).default('pull'),
  /** Prometheus text at `/metrics`, unauthenticated (firewall it, or give it its own port). */
  ONECLICK_METRICS: z.enum(['on', 'off']).default('on'),
  /**
   * A port of its own for `/metrics` on ONECLICK_HTTP_HOST (0: any free one). Unset: the API's
   * port on nodes with the API, 9464 on worker-only nodes.
   */
  ONECLICK_METRICS_PORT: port.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  readonly dataDir: string;
  readonly http: { readonly host: string; readonly port: number; readonly publicUrl?: string };
  /** PostgreSQL URL, or undefined for embedded PGlite under `dataDir/pglite`. */
  readonly databaseUrl?: string;
  /** PostgreSQL pool size of this process. */
  readonly databasePoolMax: number;
  readonly temporal: {
    /** Undefined: OneClick starts the Temporal CLI dev server itself. */
    readonly address?: string;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly tls: boolean;
    readonly tlsCertPath?: string;
    readonly tlsKeyPath?: string;
    readonly tlsCaPath?: string;
    readonly apiKey?: string;
    /** The Temporal UI's base URL (TEMPORAL_UI_URL), linked from the operators' console. */
    readonly uiUrl?: string;
    readonly devPort: number;
    readonly devUiPort: number;
    readonly cliPath?: string;
  };
  readonly masterKey?: string;
  readonly marketplaceAccessKey?: string;
  readonly supervision: {
    readonly reportUrl?: string;
    readonly reportIntervalMs: number;
    readonly acceptanceWindowMs: number;
    readonly expiryGraceMs: number;
  };
  readonly huaweiCloud: {
    readonly ak?: string;
    readonly sk?: string;
    readonly projectId?: string;
    readonly region: string;
    readonly domainId?: string;
    readonly ecsEndpoint?: string;
    readonly vpcEndpoint?: string;
    readonly iamEndpoint?: string;
    readonly imsEndpoint?: string;
    /** True when no credentials are set: OneClick runs the sandbox cloud. */
    readonly sandbox: boolean;
    /** `public`: SSH through the server's EIP when it has one; `private`: its private address. */
    readonly sshVia: 'public' | 'private';
    /** Buyers without a linked account deploy into OneClick's own (sandbox, single-tenant). */
    readonly ownAccountForBuyers: boolean;
  };
  readonly maxPackageBytes: number;
  /** The shared object store; undefined: the directory store under `dataDir/packages`. */
  readonly objectStore?: {
    readonly endpoint: string;
    readonly pullEndpoint?: string;
    readonly region: string;
    readonly bucket: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly forcePathStyle: boolean;
  };
  readonly packageDelivery: 'pull' | 'push';
  /** `/metrics`: whether it is served, and on a port of its own (else the API's, or 9464). */
  readonly metrics: { readonly enabled: boolean; readonly port?: number };
  readonly logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Bad configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment; throws ConfigError naming every bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const hasAk = Boolean(e.HUAWEICLOUD_AK);
  if (hasAk !== Boolean(e.HUAWEICLOUD_SK)) {
    problems.push('HUAWEICLOUD_AK/HUAWEICLOUD_SK: set both or neither');
  }
  if (hasAk && !e.HUAWEICLOUD_PROJECT_ID) {
    problems.push('HUAWEICLOUD_PROJECT_ID: required with HUAWEICLOUD_AK');
  }
  if (Boolean(e.TEMPORAL_TLS_CERT) !== Boolean(e.TEMPORAL_TLS_KEY)) {
    problems.push('TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: set both or neither');
  }
  if (e.ONECLICK_MASTER_KEY) {
    const bad = parseKeyringProblems(e.ONECLICK_MASTER_KEY);
    if (bad) problems.push(`ONECLICK_MASTER_KEY: ${bad}`);
  }
  const s3Keys = [
    e.ONECLICK_S3_BUCKET,
    e.ONECLICK_S3_ACCESS_KEY_ID,
    e.ONECLICK_S3_SECRET_ACCESS_KEY,
  ];
  if (e.ONECLICK_S3_ENDPOINT && s3Keys.some((v) => !v)) {
    problems.push(
      'ONECLICK_S3_ENDPOINT: needs ONECLICK_S3_BUCKET, ONECLICK_S3_ACCESS_KEY_ID and ONECLICK_S3_SECRET_ACCESS_KEY',
    );
  }
  if (!e.ONECLICK_S3_ENDPOINT && (s3Keys.some(Boolean) || e.ONECLICK_S3_PULL_ENDPOINT)) {
    problems.push('ONECLICK_S3_*: set ONECLICK_S3_ENDPOINT too, or none of them');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const config: Config = {
    dataDir: path.resolve(e.ONECLICK_DATA_DIR),
    http: {
      host: e.ONECLICK_HTTP_HOST,
      port: e.ONECLICK_HTTP_PORT,
      publicUrl: e.ONECLICK_PUBLIC_URL,
    },
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.ONECLICK_DATABASE_POOL_MAX,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: e.TEMPORAL_TLS || Boolean(e.TEMPORAL_TLS_CERT) || Boolean(e.TEMPORAL_API_KEY),
      tlsCertPath: e.TEMPORAL_TLS_CERT,
      tlsKeyPath: e.TEMPORAL_TLS_KEY,
      tlsCaPath: e.TEMPORAL_TLS_CA,
      apiKey: e.TEMPORAL_API_KEY,
      uiUrl: e.TEMPORAL_UI_URL,
      devPort: e.TEMPORAL_DEV_PORT,
      devUiPort: e.TEMPORAL_DEV_UI_PORT,
      cliPath: e.TEMPORAL_CLI,
    },
    masterKey: e.ONECLICK_MASTER_KEY,
    marketplaceAccessKey: e.MARKETPLACE_ACCESS_KEY,
    supervision: {
      reportUrl: e.MARKETPLACE_SUPERVISION_URL,
      reportIntervalMs: e.ONECLICK_REPORT_INTERVAL_SECONDS * 1000,
      acceptanceWindowMs: e.ONECLICK_ACCEPTANCE_WINDOW_SECONDS * 1000,
      expiryGraceMs: e.ONECLICK_EXPIRY_GRACE_SECONDS * 1000,
    },
    huaweiCloud: {
      ak: e.HUAWEICLOUD_AK,
      sk: e.HUAWEICLOUD_SK,
      projectId: e.HUAWEICLOUD_PROJECT_ID,
      region: e.HUAWEICLOUD_REGION,
      domainId: e.HUAWEICLOUD_DOMAIN_ID,
      ecsEndpoint: e.HUAWEICLOUD_ECS_ENDPOINT,
      vpcEndpoint: e.HUAWEICLOUD_VPC_ENDPOINT,
      iamEndpoint: e.HUAWEICLOUD_IAM_ENDPOINT,
      imsEndpoint: e.HUAWEICLOUD_IMS_ENDPOINT,
      sandbox: !hasAk,
      sshVia: e.ONECLICK_SSH_VIA,
      ownAccountForBuyers: e.ONECLICK_OWN_ACCOUNT_FOR_BUYERS ?? !hasAk,
    },
    maxPackageBytes: e.ONECLICK_MAX_PACKAGE_BYTES,
    ...(e.ONECLICK_S3_ENDPOINT && {
      objectStore: {
        endpoint: e.ONECLICK_S3_ENDPOINT,
        pullEndpoint: e.ONECLICK_S3_PULL_ENDPOINT,
        region: e.ONECLICK_S3_REGION,
        bucket: e.ONECLICK_S3_BUCKET!,
        accessKeyId: e.ONECLICK_S3_ACCESS_KEY_ID!,
        secretAccessKey: e.ONECLICK_S3_SECRET_ACCESS_KEY!,
        forcePathStyle: e.ONECLICK_S3_FORCE_PATH_STYLE,
      },
    }),
    packageDelivery: e.ONECLICK_PACKAGE_DELIVERY,
    metrics: { enabled: e.ONECLICK_METRICS === 'on', port: e.ONECLICK_METRICS_PORT },
    logLevel: e.LOG_LEVEL,
  };
  return deepFreeze(config);
}

/** Returns a description of what is wrong with a `kid:base64,...` keyring, or undefined. */
export function parseKeyringProblems(text: string): string | undefined {
  for (const entry of text.split(',')) {
    const [kid, b64, ...rest] = entry.trim().split(':');
    if (!kid || !b64 || rest.length > 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
      return 'expected kid:base64 entries separated by commas';
    }
    if (Buffer.from(b64, 'base64').length !== 32) return `key ${kid} is not 32 bytes of base64`;
  }
  return undefined;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
