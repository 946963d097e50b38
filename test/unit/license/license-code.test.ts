import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET,
  formatLicenseCode,
  generateLicenseCode,
  hashLicenseCode,
  parseLicenseCode,
  sealLicenseCode,
  unsealLicenseCode,
} from '../../../src/license/license-code.js';

describe('License 2.0 codes', () => {
  it('formats codes of at most 64 characters from the unambiguous alphabet', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateLicenseCode();
      const shown = formatLicenseCode(code);
      expect(shown.length).toBeLessThanOrEqual(64);
      expect(shown).toMatch(
        /^PL-[0-9A-HJKMNP-TV-Z]{7}-[0-9A-HJKMNP-TV-Z]{7}-[0-9A-HJKMNP-TV-Z]{7}$/,
      );
      expect(parseLicenseCode(shown)).toBe(code);
    }
  });

  it('reads a code typed in lower case with spaces, O for zero and I or L for one', () => {
    // Find a code holding both 0 and 1 so the look-alike substitutions are exercised.
    let code = generateLicenseCode();
    while (!/0/.test(code.slice(2)) || !/1/.test(code.slice(2))) code = generateLicenseCode();
    const typed = formatLicenseCode(code)
      .toLowerCase()
      .replace(/-/g, ' ')
      .replace('0', 'o')
      .replace('1', 'l');
    expect(parseLicenseCode(typed)).toBe(code);
  });

  it('catches every single-symbol typo with the check symbol', () => {
    const code = generateLicenseCode();
    for (let pos = 2; pos < code.length; pos++) {
      for (const ch of CODE_ALPHABET) {
        if (ch === code[pos]) continue;
        const typo = code.slice(0, pos) + ch + code.slice(pos + 1);
        expect(() => parseLicenseCode(typo)).toThrow(
          expect.objectContaining({ code: 'LICENSE_CODE_CHECK_FAILED' }),
        );
      }
    }
  });

  it('catches a swap of two different neighbours', () => {
    let caught = 0;
    let swaps = 0;
    for (let n = 0; n < 50; n++) {
      const code = generateLicenseCode();
      for (let pos = 2; pos < code.length - 1; pos++) {
        if (code[pos] === code[pos + 1]) continue;
        swaps++;
        const swapped = code.slice(0, pos) + code[pos + 1] + code[pos] + code.slice(pos + 2);
        try {
          parseLicenseCode(swapped);
        } catch {
          caught++;
        }
      }
    }
    // Luhn mod N misses only the swap of the two symbols whose doubled values fold onto each other.
    expect(caught / swaps).toBeGreaterThan(0.95);
  });

  it('refuses too long, wrong-prefix and foreign-character input as malformed', () => {
    for (const bad of [
      '',
      'X'.repeat(65),
      'AB-1234567-1234567-1234567',
      'PL-12345U7-1234567-1234567',
      'PL-123',
    ]) {
      expect(() => parseLicenseCode(bad)).toThrow(
        expect.objectContaining({ code: 'LICENSE_CODE_MALFORMED' }),
      );
    }
  });

  it('hashes a code the same however it was typed, and seals it for display only to the key holder', () => {
    const code = generateLicenseCode();
    expect(hashLicenseCode(parseLicenseCode(formatLicenseCode(code).toLowerCase()))).toBe(
      hashLicenseCode(code),
    );
    const wrap = { kid: 'k1', key: randomBytes(32) };
    const sealed = sealLicenseCode(code, wrap);
    expect(sealed).not.toContain(code);
    expect(unsealLicenseCode(sealed, [wrap])).toBe(code);
    expect(() => unsealLicenseCode(sealed, { kid: 'k1', key: randomBytes(32) })).toThrow(
      expect.objectContaining({ code: 'SEALED_DATA_UNREADABLE' }),
    );
  });
});
