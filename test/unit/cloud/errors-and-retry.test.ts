import { describe, expect, it } from 'vitest';
import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js';
import { ServerResponseException } from '@huaweicloud/huaweicloud-sdk-core/exception/ServerResponseException.js';
import { ServiceResponseException } from '@huaweicloud/huaweicloud-sdk-core/exception/ServiceResponseException.js';
import { classifyCloudError, parseRetryAfter } from '../../../src/cloud/errors.js';
import { withRetry, type RetryPolicy } from '../../../src/cloud/retry.js';
import { AppError } from '../../../src/errors.js';

describe('classifyCloudError', () => {
  it.each([
    [new ClientRequestException(429, 'throttled', 'APIGW.0308', 'r1'), 'CLOUD_THROTTLED', true],
    [new ServerResponseException(503, 'busy', 'SYS.0500', 'r2'), 'CLOUD_SERVER_ERROR', true],
    [
      new ServiceResponseException(undefined, 'timeout of 300ms exceeded', undefined, undefined),
      'CLOUD_TIMEOUT',
      true,
    ],
    [
      new ServiceResponseException(undefined, 'connect ECONNREFUSED', undefined, undefined),
      'CLOUD_UNAVAILABLE',
      true,
    ],
    [new ClientRequestException(401, 'bad sig', 'APIGW.0301', 'r3'), 'CLOUD_AUTH_FAILED', false],
    [new ClientRequestException(400, 'password', 'Ecs.0011', 'r4'), 'CLOUD_BAD_PASSWORD', false],
    [new ClientRequestException(400, 'quota', 'Ecs.0001', 'r5'), 'CLOUD_QUOTA_EXCEEDED', false],
    [
      new ClientRequestException(403, 'arrears', 'Ecs.0003', 'r6'),
      'CLOUD_ACCOUNT_RESTRICTED',
      false,
    ],
    [new ClientRequestException(404, 'gone', 'Ecs.0114', 'r7'), 'CLOUD_NOT_FOUND', false],
    [new ClientRequestException(409, 'in use', undefined, 'r8'), 'CLOUD_CONFLICT', false],
  ])('maps %o to %s', (e, code, retryable) => {
    expect(classifyCloudError('Op', e)).toMatchObject({ code, retryable });
  });

  it('reads the VPC v1 body and Retry-After the SDK drops', () => {
    const e = new ClientRequestException(
      400,
      'Request failed with status code 400',
      undefined,
      'r',
    );
    const err = classifyCloudError('CreateSubnet', e, {
      status: 400,
      data: { code: 'VPC.0004', message: 'VPC is not active.' },
    });
    expect(err).toMatchObject({ code: 'CLOUD_NOT_READY', retryable: true });
    expect(err.message).toContain('VPC is not active.');
    const throttled = classifyCloudError(
      'X',
      new ClientRequestException(429, 'slow down', 'APIGW.0308', 'r'),
      {
        status: 429,
        retryAfter: '7',
      },
    );
    expect(throttled.context?.retryAfterMs).toBe(7000);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(
      parseRetryAfter('Tue, 24 Nov 2026 09:00:10 GMT', Date.parse('2026-11-24T09:00:00Z')),
    ).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('withRetry', () => {
  const waits: number[] = [];
  const policy: RetryPolicy = {
    attempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    maxRetryAfterMs: 5000,
    random: () => 1,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
  const failing = (errors: AppError[]) => {
    let i = 0;
    return () => {
      const e = errors[i++];
      return e ? Promise.reject(e) : Promise.resolve('done');
    };
  };
  const transient = (retryAfterMs?: number) =>
    new AppError('CLOUD_THROTTLED', 't', { retryable: true, context: { retryAfterMs } });

  it('backs off exponentially, and waits exactly what Retry-After asks', async () => {
    waits.length = 0;
    const out = await withRetry('op', policy, failing([transient(), transient(), transient(2500)]));
    expect(out).toBe('done');
    expect(waits).toEqual([100, 200, 2500]);
  });

  it('does not retry a non-retryable error and gives up after the last attempt', async () => {
    waits.length = 0;
    const fatal = new AppError('CLOUD_BAD_PASSWORD', 'no');
    await expect(withRetry('op', policy, failing([fatal]))).rejects.toBe(fatal);
    const many = Array.from({ length: 9 }, () => transient());
    await expect(withRetry('op', policy, failing(many))).rejects.toMatchObject({
      code: 'CLOUD_THROTTLED',
    });
    expect(waits).toHaveLength(3);
  });

  it('leaves a Retry-After longer than it will wait to the caller (Temporal)', async () => {
    waits.length = 0;
    await expect(withRetry('op', policy, failing([transient(60_000)]))).rejects.toMatchObject({
      code: 'CLOUD_THROTTLED',
    });
    expect(waits).toEqual([]);
  });
});
