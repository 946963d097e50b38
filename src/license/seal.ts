import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

/**
 * AES-256-GCM sealing for license secrets at rest (signing private keys, License 2.0 codes kept
 * for display). The caller passes the wrapping key, so this module never learns where master keys
 * live; the wrapping key's id travels in the sealed text so a rotated keyring still opens old rows.
 */
export interface WrappingKey {
  /** Short id of the key, stored beside the ciphertext. */
  readonly kid: string;
  /** 32 bytes. */
  readonly key: Uint8Array;
}

const PREFIX = 'oc1';

/** Encrypts `plaintext`; `context` (e.g. a key id) is bound as associated data. */
export function seal(plaintext: string | Uint8Array, wrap: WrappingKey, context = ''): string {
  assertKey(wrap);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', wrap.key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const parts = [iv, ct, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return [PREFIX, wrap.kid, ...parts].join(':');
}

/** The wrapping-key id a sealed text was made with. */
export function sealedKid(sealed: string): string {
  const [prefix, kid] = sealed.split(':');
  if (prefix !== PREFIX || !kid) throw malformed();
  return kid;
}

/**
 * Decrypts what `seal` made. `keys` may hold several wrapping keys (rotation); the one named in the
 * sealed text is used. A wrong key, a wrong context or an edited ciphertext all fail the same way.
 */
export function unseal(sealed: string, keys: WrappingKey | readonly WrappingKey[], context = '') {
  const [prefix, kid, ivText, ctText, tagText, ...rest] = sealed.split(':');
  if (prefix !== PREFIX || !kid || !ivText || ctText === undefined || !tagText || rest.length) {
    throw malformed();
  }
  const list: readonly WrappingKey[] = 'kid' in keys ? [keys] : keys;
  const wrap = list.find((k) => k.kid === kid);
  if (!wrap) {
    throw new AppError('WRAPPING_KEY_UNKNOWN', `No wrapping key with id ${kid} is configured`, {
      context: { kid },
    });
  }
  assertKey(wrap);
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrap.key, Buffer.from(ivText, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tagText, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]);
  } catch (cause) {
    throw new AppError('SEALED_DATA_UNREADABLE', 'Sealed data failed authentication', { cause });
  }
}

function assertKey(wrap: WrappingKey): void {
  if (wrap.key.length !== 32) {
    throw new AppError('WRAPPING_KEY_INVALID', 'A wrapping key must be 32 bytes', {
      context: { kid: wrap.kid },
    });
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(wrap.kid)) {
    throw new AppError('WRAPPING_KEY_INVALID', 'A wrapping key id must be 1-64 of [A-Za-z0-9._-]');
  }
}

function malformed(): AppError {
  return new AppError('SEALED_DATA_MALFORMED', 'Sealed data is not in the oc1 format');
}
