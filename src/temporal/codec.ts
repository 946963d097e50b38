import type { Payload, PayloadCodec } from '@temporalio/common';
// A CommonJS module: Node's ESM loader sees only its default export, not `temporal`.
import proto from '@temporalio/proto';
import { open, seal, type Keyring } from '../crypto/keyring.js';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
/**
 * What the sealed bytes hold. Present: the original payload encoded as the protobuf message
 * `temporal.api.common.v1.Payload`, as Temporal's codec servers expect. Absent: the JSON frame
 * that builds before this key wrote (`{"m": {key: base64}, "d": base64 | null}`), still decoded so
 * histories recorded then stay readable.
 */
const FORMAT = 'encryption-format';
const FORMAT_PROTO = 'aes-256-gcm/temporal.api.common.v1.Payload';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const { Payload: PayloadProto } = proto.temporal.api.common.v1;

/**
 * Encrypts every payload with AES-256-GCM (the envelope of `src/crypto/envelope.ts`). The whole
 * original payload (metadata and data) is sealed; the key id travels in clear metadata so older
 * keys keep decrypting after a rotation.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((p) => {
        const { keyId, data } = seal(this.keyring, PayloadProto.encode(p).finish());
        return {
          metadata: {
            encoding: encoder.encode(ENCODING),
            [KEY_ID]: encoder.encode(keyId),
            [FORMAT]: encoder.encode(FORMAT_PROTO),
          },
          data: new Uint8Array(data),
        };
      }),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    // The executor turns a payload that cannot be decoded into a rejection, not a throw.
    return new Promise((resolve) => resolve(payloads.map((p) => this.decodeOne(p))));
  }

  private decodeOne(p: Payload): Payload {
    if (decoder.decode(p.metadata?.encoding) !== ENCODING) return p;
    const keyIdBytes = p.metadata?.[KEY_ID];
    if (!keyIdBytes || !p.data) throw new Error('encrypted payload without key id or data');
    const plain = open(this.keyring, decoder.decode(keyIdBytes), p.data);
    const format = p.metadata?.[FORMAT];
    if (!format) return decodeJsonFrame(plain);
    if (decoder.decode(format) !== FORMAT_PROTO) {
      throw new Error(`encrypted payload in an unknown format ${decoder.decode(format)}`);
    }
    const inner = PayloadProto.decode(plain);
    return { metadata: inner.metadata, data: inner.data };
  }
}

/** The inner payload as builds before the protobuf encoding sealed it. */
function decodeJsonFrame(buf: Buffer): Payload {
  const frame = JSON.parse(buf.toString('utf8')) as { m: Record<string, string>; d: string | null };
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(frame.m))
    metadata[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return {
    metadata,
    data: frame.d === null ? undefined : new Uint8Array(Buffer.from(frame.d, 'base64')),
  };
}
