import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { open, type Keyring } from '../../../src/crypto/keyring.js';
import { EncryptionCodec } from '../../../src/temporal/codec.js';
import { fixedRing, ring } from '../../helpers/keyrings.js';

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
