import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { mappingFailures, toApplicationFailure } from '../../../activities/failures.js';
import { AppError } from '../../../src/errors.js';

describe('toApplicationFailure', () => {
  it('turns a throttled cloud error into a retryable failure whose next delay is the Retry-After', () => {
    const e = new AppError('CLOUD_THROTTLED', 'slow down', {
      retryable: true,
      context: { retryAfterMs: 2500, remoteCode: 'APIGW.0308' },
    });
    const f = toApplicationFailure(e) as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.type).toBe('CLOUD_THROTTLED');
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(2500);
    expect(f.details).toEqual([{ remoteCode: 'APIGW.0308' }]);
  });

  it('stops the retries of a non-retryable code and leaves other errors to Temporal as they are', () => {
    const f = toApplicationFailure(
      new AppError('CLOUD_BAD_PASSWORD', 'weak'),
    ) as ApplicationFailure;
    expect(f.nonRetryable).toBe(true);
    expect(f.nextRetryDelay).toBeUndefined();
    const reset = new Error('ECONNRESET');
    expect(toApplicationFailure(reset)).toBe(reset);
  });

  it('maps what every wrapped activity throws, keeping results', async () => {
    const acts = mappingFailures({
      ok: (n: number) => Promise.resolve(n + 1),
      bad: () => Promise.reject(new AppError('INVALID_COMMAND', 'empty')),
    });
    expect(await acts.ok(1)).toBe(2);
    await expect(acts.bad()).rejects.toMatchObject({ type: 'INVALID_COMMAND', nonRetryable: true });
  });
});
