import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { httpStatusFor, onError } from '../../../src/api/errors.js';
import type { AppEnv } from '../../../src/api/context.js';
import { AppError } from '../../../src/errors.js';

describe('the error status table', () => {
  it.each([
    ['LICENSE_CODE_UNKNOWN', 404],
    ['LICENSE_BOUND_TO_OTHER_MACHINE', 409],
    ['REBIND_LIMIT_REACHED', 429],
    ['PACKAGE_TOO_LARGE', 413],
    ['GENERATOR_REFUSED', 502],
    ['CLOUD_NOT_FOUND', 404],
    ['CLOUD_THROTTLED', 429],
    ['CLOUD_QUOTA_EXCEEDED', 502],
  ])('answers %s with %i', (code, status) => {
    expect(httpStatusFor(new AppError(code, 'x'))).toBe(status);
    expect(httpStatusFor(code)).toBe(status);
  });

  it('answers 400 for a code it does not list', () => {
    expect(httpStatusFor(new AppError('SOMETHING_NEW', 'x'))).toBe(400);
  });

  it("answers a domain error with its code's status in the one envelope", async () => {
    const app = new Hono<AppEnv>();
    app.onError(onError);
    app.get('/', () => {
      throw new AppError('LICENSE_REVOKED', 'The license was revoked');
    });
    const res = await app.request('/');
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: { code: 'LICENSE_REVOKED', message: 'The license was revoked', requestId: 'unknown' },
    });
  });
});
