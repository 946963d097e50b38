import { describe, expect, it } from 'vitest';
import {
  featuresText,
  localTimeToIso,
  parseFeatures,
  reportFileName,
  sparkline,
  utcText,
  wholeNumber,
} from '../../../../../src/web/seller/supervision/format.js';

describe('seller supervision form helpers', () => {
  it('shows a time in UTC to the minute, and leaves a non-time as it is', () => {
    expect(utcText('2025-03-04T05:06:07.890Z')).toBe('2025-03-04 05:06');
    expect(utcText('2025-03-04T13:06:07+08:00')).toBe('2025-03-04 05:06');
    expect(utcText('not a time')).toBe('not a time');
  });

  it('reads whole numbers within bounds, empty as undefined', () => {
    expect(wholeNumber('', 0, 15)).toBeUndefined();
    expect(wholeNumber('  ', 0, 15)).toBeUndefined();
    expect(wholeNumber(undefined, 0, 15)).toBeUndefined();
    expect(wholeNumber('7', 0, 15)).toBe(7);
    expect(wholeNumber('0', 0, 15)).toBe(0);
    expect(wholeNumber('16', 0, 15)).toBe('invalid');
    expect(wholeNumber('-1', 0, 15)).toBe('invalid');
    expect(wholeNumber('1.5', 0, 15)).toBe('invalid');
    expect(wholeNumber('ten', 0, 15)).toBe('invalid');
  });

  it('reads features one per line with typed values, and names a bad line', () => {
    expect(parseFeatures('edition=pro\n\nseats = 10\ntrial=false\nratio=1.5\n')).toEqual({
      ok: true,
      features: { edition: 'pro', seats: 10, trial: false, ratio: 1.5 },
    });
    expect(parseFeatures('')).toEqual({ ok: true, features: {} });
    expect(parseFeatures('a=1\nno equals sign')).toEqual({ ok: false, line: 2 });
    expect(parseFeatures('=value')).toEqual({ ok: false, line: 1 });
    expect(parseFeatures(`${'n'.repeat(65)}=1`)).toEqual({ ok: false, line: 1 });
    expect(featuresText({ edition: 'pro', seats: 10 })).toBe('edition=pro\nseats=10');
  });

  it("turns the browser's local time into UTC with its offset, and refuses impossible dates", () => {
    // China is 8 hours ahead: getTimezoneOffset() says -480.
    const at = (value: string) => ({ ok: true, value });
    expect(localTimeToIso('2025-03-04T13:06', '-480')).toEqual(at('2025-03-04T05:06:00.000Z'));
    expect(localTimeToIso('2025-03-04T13:06:30', '0')).toEqual(at('2025-03-04T13:06:30.000Z'));
    expect(localTimeToIso('2025-03-04T13:06', '')).toEqual(at('2025-03-04T13:06:00.000Z'));
    expect(localTimeToIso('', '-480')).toEqual({ ok: true, value: undefined });
    for (const bad of ['2025-02-30T10:00', '2025-03-04 13:06', '2025-03-04T25:06']) {
      expect(localTimeToIso(bad, '0')).toEqual({ ok: false });
    }
    expect(localTimeToIso('2025-03-04T13:06', '5000')).toEqual({ ok: false });
  });

  it('names an uploaded report the way the API accepts it', () => {
    const accepted = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;
    const cases: [string, string, string][] = [
      ['acceptance.pdf', 'application/pdf', 'acceptance.pdf'],
      ['验收报告.pdf', 'application/pdf', 'acceptance-report.pdf'],
      ['Report v2 (final).PDF', 'application/pdf', 'Report-v2-final.PDF'],
      ['C:\\Users\\li\\scan', 'image/png', 'scan.png'],
      ['.hidden.jpg', 'image/jpeg', 'hidden.jpg'],
      ['photo', 'image/jpeg', 'photo.jpg'],
    ];
    for (const [name, type, expected] of cases) {
      const out = reportFileName(name, type);
      expect(out).toBe(expected);
      expect(out).toMatch(accepted);
    }
    expect(reportFileName('x'.repeat(400) + '.pdf', 'application/pdf')).toMatch(accepted);
  });

  it('draws the sparkline oldest at the left, the slowest call at the top', () => {
    const s = sparkline(
      [
        { ms: 100, passed: true },
        { ms: 50, passed: false },
        { ms: 0, passed: true },
      ],
      100,
      50,
    );
    expect(s.max).toBe(100);
    expect(s.dots.map((d) => d.x)).toEqual([5, 50, 95]);
    expect(s.dots.map((d) => d.y)).toEqual([5, 25, 45]);
    expect(s.dots.map((d) => d.passed)).toEqual([true, false, true]);
    expect(s.line).toBe('5,5 50,25 95,45');
    // One check sits in the middle; all-zero checks stay on the floor.
    expect(sparkline([{ ms: 0, passed: true }], 100, 50).dots).toEqual([
      { x: 50, y: 45, passed: true },
    ]);
  });
});
