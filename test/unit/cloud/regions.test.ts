import { describe, expect, it } from 'vitest';
import { GLOBAL_IAM_ENDPOINT, endpointsFor, knownRegions } from '../../../src/cloud/regions.js';
import { AppError } from '../../../src/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? e.code : 'NOT_AN_APP_ERROR';
  }
  return undefined;
}

describe('region endpoints', () => {
  it('takes ECS, VPC and IAM from the SDK tables and derives IMS from ECS', () => {
    expect(endpointsFor('cn-north-4')).toEqual({
      ecs: 'https://ecs.cn-north-4.myhuaweicloud.com',
      vpc: 'https://vpc.cn-north-4.myhuaweicloud.com',
      iam: 'https://iam.cn-north-4.myhuaweicloud.com',
      ims: 'https://ims.cn-north-4.myhuaweicloud.com',
    });
    expect(endpointsFor('ap-southeast-1').ims).toBe('https://ims.ap-southeast-1.myhuaweicloud.com');
  });

  it('falls back to the global IAM endpoint for a region IamRegion does not list', () => {
    // cn-south-4 is in EcsRegion and VpcRegion but not IamRegion (SDK 3.1.172).
    expect(endpointsFor('cn-south-4')).toMatchObject({
      ecs: 'https://ecs.cn-south-4.myhuaweicloud.com',
      iam: GLOBAL_IAM_ENDPOINT,
    });
  });

  it('answers CLOUD_REGION_UNKNOWN for a region no table lists, and for a malformed name', () => {
    expect(codeOf(() => endpointsFor('xx-nowhere-9'))).toBe('CLOUD_REGION_UNKNOWN');
    expect(codeOf(() => endpointsFor('cn-north-4/../x'))).toBe('CLOUD_REGION_UNKNOWN');
    expect(codeOf(() => endpointsFor(''))).toBe('CLOUD_REGION_UNKNOWN');
    const err = (() => {
      try {
        endpointsFor('xx-nowhere-9');
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(err?.retryable).toBe(false);
  });

  it('lets configured endpoints override the tables for any region', () => {
    const url = 'http://127.0.0.1:9999';
    const all = { ecs: url, vpc: url, iam: url, ims: url };
    expect(endpointsFor('cn-north-4', all)).toEqual(all);
    // The sandbox names whatever region it likes: one emulator serves them all.
    expect(endpointsFor('xx-nowhere-9', all)).toEqual(all);
    // Partly configured: the rest still comes from the tables.
    expect(endpointsFor('cn-north-4', { ecs: url })).toMatchObject({
      ecs: url,
      vpc: 'https://vpc.cn-north-4.myhuaweicloud.com',
      ims: 'https://ims.cn-north-4.myhuaweicloud.com',
    });
    expect(codeOf(() => endpointsFor('xx-nowhere-9', { ecs: url }))).toBe('CLOUD_REGION_UNKNOWN');
  });

  it('knows the regions both ECS and VPC list', () => {
    const regions = knownRegions();
    expect(regions).toContain('cn-north-4');
    expect(regions).toContain('ap-southeast-1');
    for (const r of regions) expect(() => endpointsFor(r)).not.toThrow();
  });
});
