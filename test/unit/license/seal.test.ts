import { describe, expect, it } from 'vitest';
import { seal as sealLicenseSecret, unseal } from '../../../src/license/seal.js';
import { FIXED } from '../../helpers/keyrings.js';

describe('license secret sealing', () => {
  const wrap = { kid: 'k1', key: FIXED };

  it('still opens oc1 values sealed before the envelope had one owner, context bound', () => {
    // Captured from src/license/seal.ts as it was before src/crypto/envelope.ts.
    const withContext = 'oc1:k1:kkzH1Cpab3ylX8Ny:7Puy0V14tIWiyzdcEhdf:TpCp9rIXTOUYWCg-fmmxrQ';
    const noContext = 'oc1:k1:fLg9euQ0ahXzhhIY:71_zjUYI2qRZwlMK:N1dgfKTe5OMvuLWcHszG2g';
    expect(unseal(withContext, [wrap], 'kid-abc').toString()).toBe('signing-key-pem');
    expect(unseal(noContext, wrap).toString()).toBe('license-code');
    expect(() => unseal(withContext, wrap, 'kid-other')).toThrow(
      expect.objectContaining({ code: 'SEALED_DATA_UNREADABLE' }),
    );
  });

  it('refuses malformed text and a key id it does not have, each with its own code', () => {
    expect(() => unseal('oc1:k1:only-two', wrap)).toThrow(
      expect.objectContaining({ code: 'SEALED_DATA_MALFORMED' }),
    );
    expect(() => unseal(sealLicenseSecret('x', wrap), { kid: 'k2', key: FIXED })).toThrow(
      expect.objectContaining({ code: 'ENCRYPTION_KEY_UNKNOWN' }),
    );
  });
});
