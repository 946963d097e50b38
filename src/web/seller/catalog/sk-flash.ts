import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * A new AK/SK pair is shown once, on the page the create form redirects to (post/redirect/get).
 * It crosses the redirect in a short-lived cookie scoped to that page, sealed (AES-256-GCM) under
 * a key derived from the session's secrets, so the browser's cookie store never holds the SK in
 * clear and no other session can open it; the page deletes the cookie as it shows the SK.
 */

export const SK_ONCE_COOKIE = 'oc_sk_once';
/** How long the sealed pair may wait for its page (a redirect takes milliseconds). */
export const SK_ONCE_MS = 2 * 60 * 1000;

export interface NewCredential {
  ak: string;
  sk: string;
}

const keyOf = (sessionSecret: string) =>
  createHash('sha256').update(`oneclick console sk-once\n${sessionSecret}`).digest();

/** Seals the pair for this session until `now + SK_ONCE_MS`. */
export function sealCredential(
  sessionSecret: string,
  credential: NewCredential,
  now: number = Date.now(),
): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(sessionSecret), iv);
  const plain = JSON.stringify({ ...credential, until: now + SK_ONCE_MS });
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The pair, when `sealed` is this session's and still fresh; undefined otherwise. */
export function openCredential(
  sessionSecret: string,
  sealed: string,
  now: number = Date.now(),
): NewCredential | undefined {
  try {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < 29) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', keyOf(sessionSecret), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
    const value = JSON.parse(plain.toString('utf8')) as Partial<NewCredential & { until: number }>;
    if (typeof value.ak !== 'string' || typeof value.sk !== 'string') return undefined;
    if (typeof value.until !== 'number' || value.until < now) return undefined;
    return { ak: value.ak, sk: value.sk };
  } catch {
    return undefined;
  }
}
