import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { createCloudConnector, type CloudConnectorOptions } from './connector.js';
import { createHuaweiCloud, type HuaweiCloudOptions } from './huawei-cloud.js';
import { endpointsFor } from './regions.js';
import type { CloudAccountSource, CloudAdapter, CloudConnector } from './types.js';

/** Where a sandbox cloud listens and with which credentials (see src/sandbox/sandbox-cloud.ts). */
export interface SandboxEndpoint {
  ecsEndpoint: string;
  vpcEndpoint: string;
  /** IAM and IMS; the ECS endpoint when unset (the emulator serves every service on one port). */
  iamEndpoint?: string;
  imsEndpoint?: string;
  ak: string;
  sk: string;
  projectId: string;
  /** OneClick's domain in the sandbox, when the sandbox says (else asked of its IAM). */
  domainId?: string;
  /** The sandbox's region (else the configured one). */
  region?: string;
}

/**
 * The cloud adapter for a configuration: the real region when credentials are set, otherwise the
 * sandbox cloud the caller started (whose polls can be fast: its delays are its own choice).
 * OneClick's own account only; cloudConnectorFromConfig serves linked accounts too.
 */
export function cloudFromConfig(
  config: Config['huaweiCloud'],
  sandbox?: SandboxEndpoint,
): CloudAdapter {
  return createHuaweiCloud(cloudOptionsFromConfig(config, sandbox));
}

/** The adapter options `cloudFromConfig` uses, for callers that tune them further. */
export function cloudOptionsFromConfig(
  config: Config['huaweiCloud'],
  sandbox?: SandboxEndpoint,
): HuaweiCloudOptions {
  if (config.sandbox) {
    const s = requireSandbox(sandbox);
    return {
      ecsEndpoint: s.ecsEndpoint,
      vpcEndpoint: s.vpcEndpoint,
      imsEndpoint: s.imsEndpoint ?? s.ecsEndpoint,
      ak: s.ak,
      sk: s.sk,
      projectId: s.projectId,
      pollMs: 100,
    };
  }
  const { ak, sk, projectId, region } = config;
  if (!ak || !sk || !projectId) {
    throw new AppError('CLOUD_NOT_CONFIGURED', 'HUAWEICLOUD_AK, _SK and _PROJECT_ID are required');
  }
  const endpoints = endpointsFor(region, customEndpoints(config));
  return {
    ak,
    sk,
    projectId,
    ecsEndpoint: endpoints.ecs,
    vpcEndpoint: endpoints.vpc,
    imsEndpoint: endpoints.ims,
  };
}

/**
 * The connector for a configuration: OneClick's own account (configured, or the sandbox's) in the
 * configured region by default, and the linked accounts `accounts` holds.
 */
export function cloudConnectorFromConfig(
  config: Config['huaweiCloud'],
  sandbox: SandboxEndpoint | undefined,
  accounts: CloudAccountSource,
): CloudConnector {
  return createCloudConnector(connectorOptionsFromConfig(config, sandbox, accounts));
}

/** The connector options `cloudConnectorFromConfig` uses, for callers that tune them further. */
export function connectorOptionsFromConfig(
  config: Config['huaweiCloud'],
  sandbox: SandboxEndpoint | undefined,
  accounts: CloudAccountSource,
): CloudConnectorOptions {
  if (config.sandbox) {
    const s = requireSandbox(sandbox);
    return {
      own: { ak: s.ak, sk: s.sk, projectId: s.projectId, domainId: s.domainId },
      defaultRegion: s.region ?? config.region,
      endpoints: {
        ecs: s.ecsEndpoint,
        vpc: s.vpcEndpoint,
        iam: s.iamEndpoint ?? s.ecsEndpoint,
        ims: s.imsEndpoint ?? s.ecsEndpoint,
      },
      accounts,
      pollMs: 100,
    };
  }
  const { ak, sk } = config;
  if (!ak || !sk) {
    throw new AppError('CLOUD_NOT_CONFIGURED', 'HUAWEICLOUD_AK and _SK are required');
  }
  // Fails start-up on a region neither the tables nor the configured endpoints cover.
  endpointsFor(config.region, customEndpoints(config));
  return {
    own: { ak, sk, projectId: config.projectId, domainId: config.domainId },
    defaultRegion: config.region,
    endpoints: customEndpoints(config),
    accounts,
  };
}

function customEndpoints(config: Config['huaweiCloud']) {
  return {
    ecs: config.ecsEndpoint,
    vpc: config.vpcEndpoint,
    iam: config.iamEndpoint,
    ims: config.imsEndpoint,
  };
}

function requireSandbox(sandbox: SandboxEndpoint | undefined): SandboxEndpoint {
  if (!sandbox) {
    throw new AppError('SANDBOX_NOT_RUNNING', 'no Huawei Cloud credentials and no sandbox cloud');
  }
  return sandbox;
}
