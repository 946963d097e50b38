import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { loadOrCreateSecretFile } from '../runtime/data-dir-secret.js';
import { AppError } from '../errors.js';

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

/**
 * The master keyring: from configuration when given; otherwise the file `master-keys` in the data
 * directory, generated on first start.
 */
export async function loadOrCreateMasterKeyring(
  configured: string | undefined,
  dataDir: string,
): Promise<{ keyring: Keyring; created: boolean }> {
  if (configured) return { keyring: parseKeyring(configured), created: false };
  const { value, created } = await loadOrCreateSecretFile(dataDir, 'master-keys', () =>
    formatKeyring({ activeId: 'k1', keys: new Map([['k1', randomBytes(32)]]) }),
  );
  return { keyring: parseKeyring(value), created };
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM under the active key: iv ‖ ciphertext ‖ tag, with the key id returned beside it. */
export function seal(
  k: Keyring,
  plain: Uint8Array,
  aad?: Uint8Array,
): { keyId: string; data: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', k.keys.get(k.activeId)!, iv);
  if (aad) cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { keyId: k.activeId, data: Buffer.concat([iv, body, cipher.getAuthTag()]) };
}

/** Opens what `seal` produced; throws DECRYPTION_FAILED for an unknown key or tampered data. */
export function open(k: Keyring, keyId: string, sealed: Uint8Array, aad?: Uint8Array): Buffer {
  const key = k.keys.get(keyId);
  if (!key) throw new AppError('DECRYPTION_FAILED', `unknown encryption key id ${keyId}`);
  if (sealed.length < IV_BYTES + TAG_BYTES)
    throw new AppError('DECRYPTION_FAILED', 'ciphertext too short');
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new AppError('DECRYPTION_FAILED', 'ciphertext failed authentication');
  }
}

/** Seals a string to `kid.base64url` text, for secrets stored in database columns. */
export function sealText(k: Keyring, plain: string): string {
  const { keyId, data } = seal(k, Buffer.from(plain, 'utf8'));
  return `${keyId}.${data.toString('base64url')}`;
}

export function openText(k: Keyring, sealed: string): string {
  const dot = sealed.indexOf('.');
  if (dot <= 0) throw new AppError('DECRYPTION_FAILED', 'not a sealed value');
  return open(k, sealed.slice(0, dot), Buffer.from(sealed.slice(dot + 1), 'base64url')).toString(
    'utf8',
  );
}
