import { describe, expect, it } from 'vitest';
import { formatBytes, formatTime } from '../../../../../src/web/seller/catalog/format.js';

describe('catalog formatting', () => {
  it('writes sizes as people read them', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(6 * 1024 * 1024)).toBe('6 MiB');
    expect(formatBytes(150 * 1024 * 1024)).toBe('150 MiB');
    expect(formatBytes(10 * 1024 ** 3)).toBe('10 GiB');
  });

  it('writes times in UTC to the minute, and leaves what is not a time as it is', () => {
    expect(formatTime('2026-12-04T12:47:41.123Z')).toBe('2026-12-04 12:47 UTC');
    expect(formatTime(null)).toBe('');
    expect(formatTime('soon')).toBe('soon');
  });
});
