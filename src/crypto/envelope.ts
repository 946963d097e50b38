import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

/**
 * The one AES-256-GCM envelope of OneClick: a ciphertext, the 12-byte nonce and 16-byte tag that
 * go with it, and the id of the key that sealed it (so a rotated keyring still opens old values).
 * Associated data binds a sealed value to where it belongs (e.g. a key record's id); it is not
 * stored, the opener must pass the same bytes again.
 *
 * Two serializations, one envelope:
 * - text, for database columns: `oc1:<kid>:<nonce>:<ciphertext>:<tag>` (base64url parts);
 * - bytes, for Temporal payloads: `nonce ‖ ciphertext ‖ tag`, with the key id carried beside it
 *   (payload metadata), the layout of Temporal's encryption samples.
 * The text form older builds wrote for secrets at rest, `<kid>.<base64url(nonce ‖ ciphertext ‖
 * tag)>`, still opens; nothing writes it any more.
 */
export interface Envelope {
  readonly kid: string;
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

/** A 256-bit key and its short id. */
export interface EnvelopeKey {
  /** 1-64 of [A-Za-z0-9._-], stored beside every ciphertext. */
  readonly kid: string;
  /** 32 bytes. */
  readonly key: Uint8Array;
}

/** Finds the key a sealed value names, or undefined when it is not (or no longer) configured. */
export type KeyLookup = (kid: string) => Uint8Array | undefined;

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const TEXT_PREFIX = 'oc1';
const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

type Bytes = string | Uint8Array;
const bytesOf = (b: Bytes | undefined): Buffer =>
  typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b ?? new Uint8Array(0));

/** Encrypts `plaintext` under `key` with a fresh random nonce; `aad` is bound, not stored. */
export function sealEnvelope(key: EnvelopeKey, plaintext: Bytes, aad?: Bytes): Envelope {
  assertKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
  // An empty AAD authenticates exactly as no AAD, so values sealed without one open either way.
  cipher.setAAD(bytesOf(aad));
  const ciphertext = Buffer.concat([cipher.update(bytesOf(plaintext)), cipher.final()]);
  return { kid: key.kid, nonce, ciphertext, tag: cipher.getAuthTag() };
}

/**
 * Decrypts an envelope with the key it names. An unknown key id fails with
 * ENCRYPTION_KEY_UNKNOWN; a wrong key, a wrong `aad` or an edited ciphertext all fail the same way,
 * with SEALED_DATA_UNREADABLE.
 */
export function openEnvelope(keys: KeyLookup, envelope: Envelope, aad?: Bytes): Buffer {
  const key = keys(envelope.kid);
  if (!key) {
    throw new AppError('ENCRYPTION_KEY_UNKNOWN', `No encryption key with id ${envelope.kid}`, {
      context: { kid: envelope.kid },
    });
  }
  assertKey({ kid: envelope.kid, key });
  if (envelope.nonce.length !== NONCE_BYTES || envelope.tag.length !== TAG_BYTES) {
    throw malformed('wrong nonce or tag length');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, envelope.nonce);
    decipher.setAAD(bytesOf(aad));
    decipher.setAuthTag(envelope.tag);
    return Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  } catch (cause) {
    throw new AppError('SEALED_DATA_UNREADABLE', 'Sealed data failed authentication', { cause });
  }
}

/** The text form: `oc1:<kid>:<nonce>:<ciphertext>:<tag>`, base64url. */
export function envelopeToText(envelope: Envelope): string {
  const parts = [envelope.nonce, envelope.ciphertext, envelope.tag].map((b) =>
    b.toString('base64url'),
  );
  return [TEXT_PREFIX, envelope.kid, ...parts].join(':');
}

/** Parses the text form, or the `<kid>.<base64url>` form older builds wrote. */
export function envelopeFromText(text: string): Envelope {
  if (text.startsWith(`${TEXT_PREFIX}:`)) {
    const [, kid, nonce, ciphertext, tag, ...rest] = text.split(':');
    if (!kid || !nonce || ciphertext === undefined || !tag || rest.length > 0) {
      throw malformed('not in the oc1 format');
    }
    return {
      kid,
      nonce: Buffer.from(nonce, 'base64url'),
      ciphertext: Buffer.from(ciphertext, 'base64url'),
      tag: Buffer.from(tag, 'base64url'),
    };
  }
  // Legacy: key ids never hold a dot or a colon, base64url never a colon.
  const dot = text.indexOf('.');
  if (dot <= 0 || text.includes(':')) throw malformed('not a sealed value');
  return envelopeFromBytes(text.slice(0, dot), Buffer.from(text.slice(dot + 1), 'base64url'));
}

/** The byte form: `nonce ‖ ciphertext ‖ tag` (the key id travels separately). */
export function envelopeToBytes(envelope: Envelope): Buffer {
  return Buffer.concat([envelope.nonce, envelope.ciphertext, envelope.tag]);
}

/** Splits the byte form back into an envelope sealed under `kid`. */
export function envelopeFromBytes(kid: string, bytes: Uint8Array): Envelope {
  if (bytes.length < NONCE_BYTES + TAG_BYTES) throw malformed('ciphertext too short');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    kid,
    nonce: buf.subarray(0, NONCE_BYTES),
    ciphertext: buf.subarray(NONCE_BYTES, buf.length - TAG_BYTES),
    tag: buf.subarray(buf.length - TAG_BYTES),
  };
}

/** Seals to the text form in one step. */
export function sealToText(key: EnvelopeKey, plaintext: Bytes, aad?: Bytes): string {
  return envelopeToText(sealEnvelope(key, plaintext, aad));
}

/** Opens the text form (either generation) in one step. */
export function openText(keys: KeyLookup, text: string, aad?: Bytes): Buffer {
  return openEnvelope(keys, envelopeFromText(text), aad);
}

function assertKey(key: EnvelopeKey): void {
  if (key.key.length !== 32) {
    throw new AppError('ENCRYPTION_KEY_INVALID', 'An encryption key must be 32 bytes', {
      context: { kid: key.kid },
    });
  }
  if (!KID_PATTERN.test(key.kid)) {
    throw new AppError('ENCRYPTION_KEY_INVALID', 'A key id must be 1-64 of [A-Za-z0-9._-]');
  }
}

function malformed(why: string): AppError {
  return new AppError('SEALED_DATA_MALFORMED', `Sealed data is malformed: ${why}`);
}
