import type { Payload, PayloadCodec } from '@temporalio/common';
import { seal, open, type Keyring } from '../crypto/keyring.js';

const ENCODING = 'binary/encrypted';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encrypts every payload with AES-256-GCM. The whole original payload (metadata and data) is
 * sealed; the key id travels in clear metadata so older keys keep decrypting after a rotation.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((p) => {
        const { keyId, data } = seal(this.keyring, encodePayload(p));
        return {
          metadata: {
            encoding: encoder.encode(ENCODING),
            'encryption-key-id': encoder.encode(keyId),
          },
          data: new Uint8Array(data),
        };
      }),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((p) => {
        if (decoder.decode(p.metadata?.encoding) !== ENCODING) return p;
        const keyIdBytes = p.metadata?.['encryption-key-id'];
        if (!keyIdBytes || !p.data) throw new Error('encrypted payload without key id or data');
        return decodePayload(open(this.keyring, decoder.decode(keyIdBytes), p.data));
      }),
    );
  }
}

// A payload is metadata (string → bytes) plus data; a small JSON frame carries both so the codec
// needs no protobuf dependency of its own.
function encodePayload(p: Payload): Buffer {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) {
    if (v) metadata[k] = Buffer.from(v).toString('base64');
  }
  return Buffer.from(
    JSON.stringify({ m: metadata, d: p.data ? Buffer.from(p.data).toString('base64') : null }),
  );
}

function decodePayload(buf: Buffer): Payload {
  const frame = JSON.parse(buf.toString('utf8')) as { m: Record<string, string>; d: string | null };
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(frame.m))
    metadata[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return {
    metadata,
    data: frame.d === null ? undefined : new Uint8Array(Buffer.from(frame.d, 'base64')),
  };
}
