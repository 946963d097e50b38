import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
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
import { EncryptionCodec } from '../../src/temporal/codec.js';

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
    expect(() => openText(ring('k9'), sealed)).toThrow(/unknown encryption key id/);
  });

  it('derives different keys per purpose but keeps key ids', () => {
    const master = ring('k2', 'k1');
    const a = deriveKeyring(master, 'temporal-payloads');
    const b = deriveKeyring(master, 'secrets-at-rest');
    expect(a.activeId).toBe('k2');
    expect(a.keys.get('k1')!.equals(b.keys.get('k1')!)).toBe(false);
    expect(a.keys.get('k1')!.equals(master.keys.get('k1')!)).toBe(false);
  });

  it('parses what it formats with the active key first', () => {
    const k = ring('new', 'old');
    const back = parseKeyring(formatKeyring(k));
    expect(back.activeId).toBe('new');
    expect(back.keys.get('old')!.equals(k.keys.get('old')!)).toBe(true);
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

  it('leaves payloads that are not encrypted alone', async () => {
    const plain = { metadata: { encoding: new TextEncoder().encode('binary/null') } };
    expect(await new EncryptionCodec(ring('k1')).decode([plain])).toEqual([plain]);
  });
});
