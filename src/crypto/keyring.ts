import { hkdfSync } from 'node:crypto';
import {
  envelopeFromBytes,
  envelopeToBytes,
  openEnvelope,
  openText as openEnvelopeText,
  sealEnvelope,
  sealToText,
} from './envelope.js';

/**
 * A set of 256-bit keys by id; the active one encrypts, every one decrypts, so keys rotate by
 * putting a new key first and keeping the old ones until nothing they encrypted is left.
 */
export interface Keyring {
  readonly activeId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** Parses `kid:base64,kid:base64` (first active). Validated already by the config schema. */
export function parseKeyring(text: string): Keyring {
  const keys = new Map<string, Buffer>();
  let activeId: string | undefined;
  for (const entry of text.split(',')) {
    const [kid, b64] = entry.trim().split(':') as [string, string];
    keys.set(kid, Buffer.from(b64, 'base64'));
    activeId ??= kid;
  }
  if (!activeId) throw new Error('empty keyring');
  return { activeId, keys };
}

export function formatKeyring(k: Keyring): string {
  const ordered = [k.activeId, ...[...k.keys.keys()].filter((id) => id !== k.activeId)];
  return ordered.map((id) => `${id}:${k.keys.get(id)!.toString('base64')}`).join(',');
}

/**
 * Keys for one purpose, derived with HKDF from the master keys, so a key used for workflow
 * payloads is never also used for secrets at rest. Key ids are kept: rotation carries over.
 */
export function deriveKeyring(master: Keyring, purpose: string): Keyring {
  const keys = new Map<string, Buffer>();
  for (const [id, key] of master.keys) {
    keys.set(id, Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `oneclick:${purpose}`, 32)));
  }
  return { activeId: master.activeId, keys };
}

const lookup =
  (k: Keyring) =>
  (kid: string): Buffer | undefined =>
    k.keys.get(kid);

const activeKey = (k: Keyring) => ({ kid: k.activeId, key: k.keys.get(k.activeId)! });

/**
 * Seals under the active key (the envelope of `./envelope.ts`): `data` is nonce ‖ ciphertext ‖
 * tag, with the key id returned beside it.
 */
export function seal(
  k: Keyring,
  plain: Uint8Array,
  aad?: Uint8Array,
): { keyId: string; data: Buffer } {
  const envelope = sealEnvelope(activeKey(k), plain, aad);
  return { keyId: envelope.kid, data: envelopeToBytes(envelope) };
}

/** Opens what `seal` produced; throws for an unknown key or tampered data. */
export function open(k: Keyring, keyId: string, sealed: Uint8Array, aad?: Uint8Array): Buffer {
  return openEnvelope(lookup(k), envelopeFromBytes(keyId, sealed), aad);
}

/** Seals a string to the envelope's text form, for secrets stored in database columns. */
export function sealText(k: Keyring, plain: string): string {
  return sealToText(activeKey(k), plain);
}

/** Opens what `sealText` made, in either the current or the older `kid.base64url` form. */
export function openText(k: Keyring, sealed: string): string {
  return openEnvelopeText(lookup(k), sealed).toString('utf8');
}
