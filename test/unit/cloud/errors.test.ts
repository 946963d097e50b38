import { describe, expect, it } from 'vitest';
import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js';
import { ServerResponseException } from '@huaweicloud/huaweicloud-sdk-core/exception/ServerResponseException.js';
import { ServiceResponseException } from '@huaweicloud/huaweicloud-sdk-core/exception/ServiceResponseException.js';
import { classifyCloudError, parseRetryAfter } from '../../../src/cloud/errors.js';

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

  it.each([
    ['VPC.0512', 'Resource status is busy, try it again later.', 'CLOUD_NOT_READY', true],
    [
      'VPC.0517',
      'Floatingip has associated with port, please disassociate it firstly.',
      'CLOUD_NOT_READY',
      true,
    ],
    ['VPC.0510', 'Floatingip has already associated with port.', 'CLOUD_CONFLICT', false],
  ])('maps a 409 %s (%s) in the VPC v1 body to %s', (remoteCode, message, code, retryable) => {
    const e = new ClientRequestException(
      409,
      'Request failed with status code 409',
      undefined,
      'r',
    );
    const err = classifyCloudError('DeletePublicip', e, {
      status: 409,
      data: { code: remoteCode, message },
    });
    expect(err).toMatchObject({ code, retryable, context: { httpStatus: 409, remoteCode } });
    expect(err.message).toContain(message);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(
      parseRetryAfter('Tue, 24 Nov 2026 09:00:10 GMT', Date.parse('2026-11-24T09:00:00Z')),
    ).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
