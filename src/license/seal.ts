import { envelopeFromText, openText, sealToText, type EnvelopeKey } from '../crypto/envelope.js';

/**
 * Sealing for license secrets at rest (signing private keys, License 2.0 codes kept for display),
 * in OneClick's one envelope format (`src/crypto/envelope.ts`). The caller passes the wrapping
 * key, so this module never learns where master keys live; the wrapping key's id travels in the
 * sealed text so a rotated keyring still opens old rows.
 */
export type WrappingKey = EnvelopeKey;

/** Encrypts `plaintext`; `context` (e.g. a key id) is bound as associated data. */
export function seal(plaintext: string | Uint8Array, wrap: WrappingKey, context = ''): string {
  return sealToText(wrap, plaintext, context);
}

/** The wrapping-key id a sealed text was made with. */
export function sealedKid(sealed: string): string {
  return envelopeFromText(sealed).kid;
}

/**
 * Decrypts what `seal` made. `keys` may hold several wrapping keys (rotation); the one named in the
 * sealed text is used. A wrong key, a wrong context or an edited ciphertext all fail the same way.
 */
export function unseal(
  sealed: string,
  keys: WrappingKey | readonly WrappingKey[],
  context = '',
): Buffer {
  const list: readonly WrappingKey[] = 'kid' in keys ? [keys] : keys;
  return openText((kid) => list.find((k) => k.kid === kid)?.key, sealed, context);
}
