import { describe, expect, it } from 'vitest';
import {
  MAX_PAGE,
  decodePageMarker,
  encodePageMarker,
  idMarker,
  pageLimit,
} from '../../../src/cloud/page-markers.js';
import { AppError } from '../../../src/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? e.code : 'NOT_AN_APP_ERROR';
  }
  return undefined;
}

describe('page markers', () => {
  it('round-trips a page number with its page size', () => {
    const m = encodePageMarker(3, 25);
    expect(m).not.toContain('3:25');
    expect(decodePageMarker(m)).toEqual({ page: 3, limit: 25 });
    expect(decodePageMarker(encodePageMarker(1, MAX_PAGE))).toEqual({ page: 1, limit: MAX_PAGE });
  });

  it('refuses markers it did not hand out with INVALID_PAGE_MARKER', () => {
    for (const bad of [
      'abc',
      'p1.',
      `p1.${Buffer.from('0:25').toString('base64url')}`,
      `p1.${Buffer.from('2:0').toString('base64url')}`,
      `p1.${Buffer.from(`2:${MAX_PAGE + 1}`).toString('base64url')}`,
      `p1.${Buffer.from('2:25;drop').toString('base64url')}`,
      `p2.${Buffer.from('2:25').toString('base64url')}`,
    ]) {
      expect(codeOf(() => decodePageMarker(bad))).toBe('INVALID_PAGE_MARKER');
    }
  });

  it('caps page sizes to 1..MAX_PAGE with a default', () => {
    expect(pageLimit(undefined)).toBe(50);
    expect(pageLimit(0)).toBe(1);
    expect(pageLimit(7.9)).toBe(7);
    expect(pageLimit(10_000)).toBe(MAX_PAGE);
    expect(pageLimit(Number.NaN)).toBe(50);
  });

  it('passes id markers through and refuses ones that could change the query', () => {
    expect(idMarker(undefined)).toBeUndefined();
    expect(idMarker('')).toBeUndefined();
    expect(idMarker('0b6d0f25-3a49-4a5e-8a2e-6f3b1d2a9c11')).toBe(
      '0b6d0f25-3a49-4a5e-8a2e-6f3b1d2a9c11',
    );
    expect(codeOf(() => idMarker('x&limit=9999'))).toBe('INVALID_PAGE_MARKER');
    expect(codeOf(() => idMarker('a'.repeat(300)))).toBe('INVALID_PAGE_MARKER');
  });
});
