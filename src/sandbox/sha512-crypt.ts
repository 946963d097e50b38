import { createHash, randomBytes } from 'node:crypto';

/**
 * SHA-512 crypt (`$6$`, Ulrich Drepper's specification), the format of /etc/shadow, so a sandbox
 * host's root password is hashed in-process instead of by spawning `openssl passwd` for each of
 * fifty hosts booting at once. Verified against openssl and glibc in the unit tests.
 */

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// Byte triples of the final digest, in the order the specification encodes them.
const ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
] as const;

const sha512 = (...parts: Buffer[]) => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `source` repeated to exactly `length` bytes. */
function stretch(source: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += source.length)
    source.copy(out, i, 0, Math.min(source.length, length - i));
  return out;
}

function b64(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ALPHABET[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

/** Hashes `password` as `$6$[rounds=N$]salt$hash`; the salt is random unless given. */
export function sha512Crypt(
  password: string,
  options: { salt?: string; rounds?: number } = {},
): string {
  const rounds = Math.min(Math.max(options.rounds ?? 5000, 1000), 999_999_999);
  const saltText = (
    options.salt ?? [...randomBytes(16)].map((b) => ALPHABET[b & 0x3f]).join('')
  ).slice(0, 16);
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(saltText, 'utf8');

  const b = sha512(p, s, p);
  const a = createHash('sha512').update(p).update(s).update(stretch(b, p.length));
  for (let len = p.length; len > 0; len >>= 1) a.update(len & 1 ? b : p);
  let c = a.digest();

  const pBytes = stretch(sha512(...Array<Buffer>(p.length).fill(p)), p.length);
  const sBytes = stretch(sha512(...Array<Buffer>(16 + (c[0] ?? 0)).fill(s)), s.length);

  for (let i = 0; i < rounds; i++) {
    const h = createHash('sha512');
    h.update(i & 1 ? pBytes : c);
    if (i % 3 !== 0) h.update(sBytes);
    if (i % 7 !== 0) h.update(pBytes);
    h.update(i & 1 ? c : pBytes);
    c = h.digest();
  }

  let hash = '';
  for (const [x, y, z] of ORDER) hash += b64(c[x] ?? 0, c[y] ?? 0, c[z] ?? 0, 4);
  hash += b64(0, 0, c[63] ?? 0, 2);
  const roundsPart = options.rounds === undefined ? '' : `rounds=${rounds}$`;
  return `$6$${roundsPart}${saltText}$${hash}`;
}
