import { describe, expect, it } from 'vitest';
import {
  deriveKeyring,
  open,
  openText,
  parseKeyring,
  formatKeyring,
  seal,
  sealText,
} from '../../../src/crypto/keyring.js';
import { seal as sealLicenseSecret, unseal } from '../../../src/license/seal.js';
import { FIXED, fixedRing, ring } from '../../helpers/keyrings.js';

describe('keyring', () => {
  it('round-trips text and refuses tampering or an unknown key', () => {
    const k = ring('k1');
    const sealed = sealText(k, 'root-password');
    expect(sealed).not.toContain('root-password');
    expect(openText(k, sealed)).toBe('root-password');
    const { keyId, data } = seal(k, Buffer.from('x'));
    data[data.length - 1]! ^= 1;
    expect(() => open(k, keyId, data)).toThrow(/authentication/);
    expect(() => openText(ring('k9'), sealed)).toThrow(/No encryption key with id k1/);
  });

  it('derives different keys per purpose but keeps key ids', () => {
    const master = ring('k2', 'k1');
    const a = deriveKeyring(master, 'temporal-payloads');
    const b = deriveKeyring(master, 'secrets-at-rest');
    expect(a.activeId).toBe('k2');
    expect(a.keys.get('k1')!.equals(b.keys.get('k1')!)).toBe(false);
    expect(a.keys.get('k1')!.equals(master.keys.get('k1')!)).toBe(false);
  });

  it('still opens secrets at rest sealed in the old kid.base64url text form', () => {
    // Captured from sealText before src/crypto/envelope.ts existed.
    const old = 'k1.QEGi3GJ8NPSUqM6uDHdDCFEcxFSoN_SElqqYsIpkCF5n6LAZ16P5gvY';
    expect(openText(fixedRing, old)).toBe('root-password');
  });

  it('still opens bytes sealed with associated data before the envelope had one owner', () => {
    const old = Buffer.from('A+gMiG8ay9RGnJCOTmAv6yasxTM1xrXuOBlc2C2w3yB+Xgsz5g==', 'base64');
    expect(open(fixedRing, 'k1', old, Buffer.from('aad-1')).toString()).toBe('raw-bytes');
    expect(() => open(fixedRing, 'k1', old, Buffer.from('aad-2'))).toThrow(/authentication/);
  });

  it('seals text in the one envelope format that license secrets use too', () => {
    const sealed = sealText(fixedRing, 'root-password');
    expect(sealed).toMatch(/^oc1:k1:/);
    expect(unseal(sealed, { kid: 'k1', key: FIXED }).toString()).toBe('root-password');
    expect(openText(fixedRing, sealLicenseSecret('pem', { kid: 'k1', key: FIXED }))).toBe('pem');
  });

  it('parses what it formats with the active key first', () => {
    const k = ring('new', 'old');
    const back = parseKeyring(formatKeyring(k));
    expect(back.activeId).toBe('new');
    expect(back.keys.get('old')!.equals(k.keys.get('old')!)).toBe(true);
  });
});
