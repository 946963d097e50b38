import { describe, expect, it } from 'vitest';
import { translator } from '../../../../../src/web/i18n/index.js';
import {
  firstLine,
  formatDuration,
  formatTime,
  listQueryOf,
  listSearch,
  toneOf,
} from '../../../../../src/web/operator/deployments/format.js';

describe('operator deployment page formats', () => {
  const en = translator('en');
  const zh = translator('zh');

  it('writes times in UTC to the second, and leaves what is not a time as it is', () => {
    expect(formatTime('2026-05-01T10:00:00.123456Z')).toBe('2026-05-01 10:00:00 UTC');
    expect(formatTime('2026-05-01T12:00:00+02:00')).toBe('2026-05-01 10:00:00 UTC');
    expect(formatTime(null)).toBe('');
    expect(formatTime('soon')).toBe('soon');
  });

  it('writes durations in the unit that reads best, in each language', () => {
    expect(formatDuration(en, 0)).toBe('0 ms');
    expect(formatDuration(en, 850.4)).toBe('850 ms');
    expect(formatDuration(en, 1_000)).toBe('1.0 s');
    expect(formatDuration(en, 9_999)).toBe('9.9 s');
    expect(formatDuration(en, 12_400)).toBe('12 s');
    expect(formatDuration(en, 185_000)).toBe('3 min 05 s');
    expect(formatDuration(en, 2 * 3_600_000 + 7 * 60_000)).toBe('2 h 07 min');
    expect(formatDuration(zh, 185_000)).toBe('3 分 05 秒');
    expect(formatDuration(en, null)).toBe('');
    expect(formatDuration(en, -5)).toBe('');
  });

  it('keeps the filters a list URL names, blank ones dropped, and writes them back', () => {
    const query = listQueryOf({
      status: 'failed',
      step: '',
      sellerId: '  slr_1 ',
      productId: undefined,
      other: 'ignored',
      cursor: 'abc',
    });
    expect(query).toEqual({ status: 'failed', sellerId: 'slr_1', cursor: 'abc' });
    expect(listSearch(query)).toBe('?status=failed&sellerId=slr_1&cursor=abc');
    expect(listSearch({ ...query, cursor: undefined }, { cursor: 'next' })).toBe(
      '?status=failed&sellerId=slr_1&cursor=next',
    );
    expect(listSearch({})).toBe('');
    expect(listSearch({ orderId: 'a&b=c' })).toBe('?orderId=a%26b%3Dc');
  });

  it('shows the first line of a failure, cut short', () => {
    expect(firstLine('COMMAND failed (exit 1)\nunpacking\nboom')).toBe('COMMAND failed (exit 1)');
    expect(firstLine('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('colours outcomes: good, bad, set aside, under way', () => {
    expect(toneOf('succeeded')).toBe('badge ok');
    expect(toneOf('completed')).toBe('badge ok');
    expect(toneOf('failed')).toBe('badge bad');
    expect(toneOf('terminated')).toBe('badge bad');
    expect(toneOf('cancelled')).toBe('badge muted');
    expect(toneOf('running')).toBe('badge warn');
  });
});
