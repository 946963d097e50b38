import { describe, expect, it } from 'vitest';
import { translator } from '../../../../../src/web/i18n/index.js';
import {
  formatSeconds,
  formatTime,
  listUrl,
  param,
} from '../../../../../src/web/operator/admin/shared.js';

describe('operator admin helpers', () => {
  it('says durations in words, in each language', () => {
    const en = translator('en');
    expect(formatSeconds(en, 0.25)).toBe('0.3 s');
    expect(formatSeconds(en, 2)).toBe('2 s');
    expect(formatSeconds(en, 45.4)).toBe('45 s');
    expect(formatSeconds(en, 120)).toBe('2 min');
    expect(formatSeconds(en, 125)).toBe('2 min 5 s');
    expect(formatSeconds(translator('zh'), 125)).toBe('2 分 5 秒');
  });

  it('shows times in UTC to the minute', () => {
    expect(formatTime('2026-05-14T12:03:59.123Z')).toBe('2026-05-14 12:03 UTC');
    expect(formatTime(null)).toBe('');
  });

  it('keeps a list query, changes what it is told, and drops empty values', () => {
    expect(listUrl('/l', { role: 'buyer', cursor: 'abc' }, { cursor: undefined })).toBe(
      '/l?role=buyer',
    );
    expect(listUrl('/l', { subject: 'a b&c' }, { cursor: 'x' })).toBe(
      '/l?subject=a+b%26c&cursor=x',
    );
    expect(listUrl('/l', {})).toBe('/l');
    expect(param('  x  ')).toBe('x');
    expect(param('   ')).toBeUndefined();
    expect(param('x'.repeat(300))).toBeUndefined();
  });
});
