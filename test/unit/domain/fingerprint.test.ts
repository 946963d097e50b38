import { describe, expect, it } from 'vitest';
import {
  canonicalFingerprint,
  fingerprintDiff,
  isSentinelValue,
  normalizeFingerprint,
  parseFingerprint,
} from '../../../src/domain/fingerprint.js';
import { AppError } from '../../../src/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? e.code : 'NOT_APP_ERROR';
  }
  return undefined;
}

describe('canonicalFingerprint', () => {
  it('upper-cases, sorts and de-duplicates the values of each part', () => {
    expect(
      canonicalFingerprint({
        mac: ['52:54:00:ab:cd:02', '52-54-00-AB-CD-01', '525400abcd02'],
        diskId: ['vol-b', 'vol-a'],
        boardId: ['c0ffee00-1234-5678-9abc-def012345678'],
        cpuId: ['bfebfbff00050657'],
      }),
    ).toBe(
      '52:54:00:AB:CD:01,52:54:00:AB:CD:02|VOL-A,VOL-B|C0FFEE00-1234-5678-9ABC-DEF012345678|BFEBFBFF00050657',
    );
  });

  it('leaves a missing part empty', () => {
    expect(
      canonicalFingerprint({ mac: ['02:fc:00:00:00:01'], diskId: [], boardId: [], cpuId: ['x'] }),
    ).toBe('02:FC:00:00:00:01|||X');
  });

  it('rejects an empty MAC part', () => {
    expect(
      codeOf(() => canonicalFingerprint({ mac: [], diskId: ['a'], boardId: [], cpuId: [] })),
    ).toBe('INVALID_FINGERPRINT');
  });

  it.each([
    ['all-F board UUID', { boardId: ['FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'] }],
    ['all-0 board UUID', { boardId: ['00000000-0000-0000-0000-000000000000'] }],
    ['O.E.M. placeholder', { boardId: ['To be filled by O.E.M.'] }],
    ['all-zero MAC', { mac: ['00:00:00:00:00:00'] }],
    ['broadcast MAC', { mac: ['ff:ff:ff:ff:ff:ff'] }],
    ['blank disk serial', { diskId: ['   '] }],
    ['separator inside a value', { diskId: ['a|b'] }],
    ['non-ASCII value', { cpuId: ['ç'] }],
    ['malformed MAC', { mac: ['52:54:00:ab:cd'] }],
  ])('rejects a fingerprint with a %s', (_name, override) => {
    const parts = { mac: ['52:54:00:ab:cd:01'], diskId: [], boardId: [], cpuId: [], ...override };
    expect(codeOf(() => canonicalFingerprint(parts))).toBe('INVALID_FINGERPRINT');
  });

  it('rejects a fingerprint longer than 1024 characters', () => {
    const disks = Array.from({ length: 60 }, (_, i) => `DISK-SERIAL-NUMBER-${i}`);
    expect(
      codeOf(() =>
        canonicalFingerprint({ mac: ['52:54:00:ab:cd:01'], diskId: disks, boardId: [], cpuId: [] }),
      ),
    ).toBe('INVALID_FINGERPRINT');
  });
});

describe('parseFingerprint', () => {
  it('accepts what a buyer types: lower case, spaces, dashed MACs', () => {
    expect(normalizeFingerprint(' 52-54-00-ab-cd-01 , 52:54:00:ab:cd:00| vol-1 |board|cpu ')).toBe(
      '52:54:00:AB:CD:00,52:54:00:AB:CD:01|VOL-1|BOARD|CPU',
    );
  });

  it('round-trips a canonical fingerprint unchanged', () => {
    const text = '52:54:00:AB:CD:01|VOL-1,VOL-2|BOARD|BFEBFBFF00050657';
    expect(canonicalFingerprint(parseFingerprint(text))).toBe(text);
  });

  it.each(['', 'just-text', 'a|b|c', 'a|b|c|d|e', '|disk|board|cpu', 'x'.repeat(2000)])(
    'rejects %j with INVALID_FINGERPRINT',
    (text) => {
      expect(codeOf(() => parseFingerprint(text))).toBe('INVALID_FINGERPRINT');
    },
  );

  it('rejects a non-string without crashing', () => {
    expect(codeOf(() => parseFingerprint(42 as unknown as string))).toBe('INVALID_FINGERPRINT');
  });
});

describe('fingerprintDiff', () => {
  const base = '52:54:00:AB:CD:01|VOL-1|BOARD-1|CPU-1';

  it('names no part for the same machine written differently', () => {
    expect(fingerprintDiff(base, '52-54-00-ab-cd-01|vol-1|board-1|cpu-1')).toEqual([]);
  });

  it('names exactly the parts that changed', () => {
    expect(fingerprintDiff(base, '52:54:00:AB:CD:02|VOL-1|BOARD-1|CPU-2')).toEqual([
      'mac',
      'cpuId',
    ]);
  });

  it('counts an added disk as a diskId change', () => {
    expect(
      fingerprintDiff(base, {
        mac: ['52:54:00:AB:CD:01'],
        diskId: ['VOL-1', 'VOL-2'],
        boardId: ['BOARD-1'],
        cpuId: ['CPU-1'],
      }),
    ).toEqual(['diskId']);
  });
});

describe('isSentinelValue', () => {
  it('tells placeholders from real identifiers', () => {
    expect(isSentinelValue('Default string')).toBe(true);
    expect(isSentinelValue('ffffffff')).toBe(true);
    expect(isSentinelValue('0000-0000')).toBe(true);
    expect(isSentinelValue('PF2ABCDE')).toBe(false);
    expect(isSentinelValue('c0ffee00-1234-5678-9abc-def012345678')).toBe(false);
  });
});
