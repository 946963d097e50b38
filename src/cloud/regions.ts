import { EcsRegion } from '@huaweicloud/huaweicloud-sdk-ecs';
import { IamRegion } from '@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js';
import { VpcRegion } from '@huaweicloud/huaweicloud-sdk-vpc';
import { AppError } from '../errors.js';

/**
 * A region's endpoints from the SDKs' own region tables (`EcsRegion`, `VpcRegion`, `IamRegion`),
 * so a region name is enough. IMS has no SDK here: its endpoint is the ECS one with `ims` for
 * `ecs` (`https://ims.{region}.myhuaweicloud.com`, and the same swap for the regions on other
 * domains). An endpoint given in the configuration wins for every region: that is how the sandbox
 * runs, one emulator URL for all of them.
 */

export interface RegionEndpoints {
  ecs: string;
  vpc: string;
  iam: string;
  ims: string;
}

/** IAM is global; regions IamRegion does not list are served by the global endpoint. */
export const GLOBAL_IAM_ENDPOINT = 'https://iam.myhuaweicloud.com';

const REGION_NAME = /^[a-z]{2,}(-[a-z0-9]+){1,4}$/;

function unknownRegion(region: string): AppError {
  return new AppError(
    'CLOUD_REGION_UNKNOWN',
    `unknown Huawei Cloud region "${region.slice(0, 64)}"`,
    { context: { region: region.slice(0, 64) } },
  );
}

/** The endpoint the SDK's table lists for a region, or undefined (`valueOf` throws for unknown). */
function fromTable(
  table: { valueOf(region: string): { endpoints: string[] } },
  region: string,
): string | undefined {
  try {
    return table.valueOf(region).endpoints[0];
  } catch {
    return undefined;
  }
}

/** Endpoints for a region; throws CLOUD_REGION_UNKNOWN for a region the tables do not know. */
export function endpointsFor(
  region: string,
  custom: Partial<RegionEndpoints> = {},
): RegionEndpoints {
  if (!REGION_NAME.test(region)) throw unknownRegion(region);
  const { ecs, vpc, iam, ims } = custom;
  if (ecs && vpc && iam && ims) return { ecs, vpc, iam, ims };
  const ecsTable = fromTable(EcsRegion, region);
  const vpcTable = fromTable(VpcRegion, region);
  if (!ecsTable || !vpcTable) throw unknownRegion(region);
  return {
    ecs: ecs ?? ecsTable,
    vpc: vpc ?? vpcTable,
    iam: iam ?? fromTable(IamRegion, region) ?? GLOBAL_IAM_ENDPOINT,
    ims: ims ?? imsFromEcs(ecsTable),
  };
}

/** `https://ecs.<region>.<domain>` → `https://ims.<region>.<domain>`. */
function imsFromEcs(ecsEndpoint: string): string {
  const url = new URL(ecsEndpoint);
  url.hostname = url.hostname.replace(/^ecs\./, 'ims.');
  return url.origin;
}

/** Regions OneClick can name without a custom endpoint (ECS and VPC both list them). */
export function knownRegions(): string[] {
  const table = (EcsRegion as unknown as { REGION_MAP?: Record<string, unknown> }).REGION_MAP ?? {};
  return Object.keys(table).filter((r) => fromTable(VpcRegion, r) !== undefined);
}
