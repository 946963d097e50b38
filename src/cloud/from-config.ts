import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { createHuaweiCloud, type HuaweiCloudOptions } from './huawei-cloud.js';
import type { CloudAdapter } from './types.js';

/** Where a sandbox cloud listens and with which credentials (see src/sandbox/sandbox-cloud.ts). */
export interface SandboxEndpoint {
  ecsEndpoint: string;
  vpcEndpoint: string;
  ak: string;
  sk: string;
  projectId: string;
}

/**
 * The cloud adapter for a configuration: the real region when credentials are set, otherwise the
 * sandbox cloud the caller started (whose polls can be fast: its delays are its own choice).
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
    if (!sandbox) {
      throw new AppError('SANDBOX_NOT_RUNNING', 'no Huawei Cloud credentials and no sandbox cloud');
    }
    return { ...sandbox, pollMs: 100 };
  }
  const { ak, sk, projectId, region } = config;
  if (!ak || !sk || !projectId) {
    throw new AppError('CLOUD_NOT_CONFIGURED', 'HUAWEICLOUD_AK, _SK and _PROJECT_ID are required');
  }
  return {
    ak,
    sk,
    projectId,
    ecsEndpoint: config.ecsEndpoint ?? `https://ecs.${region}.myhuaweicloud.com`,
    vpcEndpoint: config.vpcEndpoint ?? `https://vpc.${region}.myhuaweicloud.com`,
  };
}
