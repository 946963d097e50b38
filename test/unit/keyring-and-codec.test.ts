import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  deriveKeyring,
  open,
  openText,
  parseKeyring,
  formatKeyring,
  seal,
  sealText,
  type Keyring,
} from '../../src/crypto/keyring.js';
import { seal as sealLicenseSecret, unseal } from '../../src/license/seal.js';
import { EncryptionCodec } from '../../src/temporal/codec.js';

/** The key every value below was sealed with, before the envelope had one owner. */
const FIXED = Buffer.alloc(32, 7);
const fixedRing: Keyring = { activeId: 'k1', keys: new Map([['k1', FIXED]]) };

const ring = (...ids: string[]): Keyring => ({
  activeId: ids[0]!,
  keys: new Map(ids.map((id) => [id, randomBytes(32)])),
});

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

describe('EncryptionCodec', () => {
  it('encrypts metadata and data and decodes with a rotated keyring', async () => {
    const old = ring('k1');
    const payload = {
      metadata: { encoding: new TextEncoder().encode('json/plain') },
      data: new TextEncoder().encode('"s3cret"'),
    };
    const [encoded] = await new EncryptionCodec(old).encode([payload]);
    expect(Buffer.from(encoded!.data!).toString()).not.toContain('s3cret');
    expect(new TextDecoder().decode(encoded!.metadata!.encoding)).toBe('binary/encrypted');
    const rotated: Keyring = {
      activeId: 'k2',
      keys: new Map([
        ['k2', randomBytes(32)],
        ['k1', old.keys.get('k1')!],
      ]),
    };
    const [decoded] = await new EncryptionCodec(rotated).decode([encoded!]);
    expect(new TextDecoder().decode(decoded!.data)).toBe('"s3cret"');
    expect(new TextDecoder().decode(decoded!.metadata!.encoding)).toBe('json/plain');
  });

  it('seals the inner payload as a temporal.api.common.v1.Payload protobuf, marked in metadata', async () => {
    const payload = {
      metadata: { encoding: new TextEncoder().encode('json/plain') },
      data: new TextEncoder().encode('"s3cret"'),
    };
    const [encoded] = await new EncryptionCodec(fixedRing).encode([payload]);
    expect(new TextDecoder().decode(encoded!.metadata!['encryption-format'])).toBe(
      'aes-256-gcm/temporal.api.common.v1.Payload',
    );
    const inner = temporal.api.common.v1.Payload.decode(open(fixedRing, 'k1', encoded!.data!));
    expect(new TextDecoder().decode(inner.metadata.encoding)).toBe('json/plain');
    expect(new TextDecoder().decode(inner.data)).toBe('"s3cret"');
  });

  it('still decodes payloads encrypted by the JSON-frame codec before the protobuf encoding', async () => {
    // Captured from EncryptionCodec.encode before it encoded the inner payload as protobuf.
    const captured = (data: string): Payload => ({
      metadata: {
        encoding: Buffer.from('YmluYXJ5L2VuY3J5cHRlZA==', 'base64'),
        'encryption-key-id': Buffer.from('azE=', 'base64'),
      },
      data: Buffer.from(data, 'base64'),
    });
    const codec = new EncryptionCodec(fixedRing);
    const [json, none] = await codec.decode([
      captured(
        'JZKNM3a7jWyr80USlkcrW+IY8iCotDqix+au+G/HfYZmIr0Reub4L0Y0ytYCPv0qTdMh0FB2p1Ue/tNzOGZdWE3RVzdK14k0QJTCEIjdZR0u4N5y',
      ),
      captured(
        'kfxDBIV+JgvFldkRWtUeq5OaaIlPTNh+qcRwqOlq3zn5I0BFMifv3wJ9T7MldkoPOkbE46/L9ICFQS1cONI6srh7PE4UihB/Bd0=',
      ),
    ]);
    expect(new TextDecoder().decode(json!.metadata!.encoding)).toBe('json/plain');
    expect(new TextDecoder().decode(json!.data)).toBe('"s3cret"');
    expect(new TextDecoder().decode(none!.metadata!.encoding)).toBe('binary/null');
    expect(none!.data).toBeUndefined();
  });

  it('refuses an encrypted payload in a format it does not know', async () => {
    const [encoded] = await new EncryptionCodec(fixedRing).encode([{ metadata: {} }]);
    encoded!.metadata!['encryption-format'] = new TextEncoder().encode('rot13');
    await expect(new EncryptionCodec(fixedRing).decode([encoded!])).rejects.toThrow(/rot13/);
  });

  it('leaves payloads that are not encrypted alone', async () => {
    const plain = { metadata: { encoding: new TextEncoder().encode('binary/null') } };
    expect(await new EncryptionCodec(ring('k1')).decode([plain])).toEqual([plain]);
  });
});
