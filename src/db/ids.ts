import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A prefixed random id, e.g. `ord_k3j9...`: readable in logs, 128 bits of randomness. */
export function newId(prefix: string): string {
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 36];
  // 20 chars of base36 ≈ 103 bits; enough that collisions never happen in practice.
  return `${prefix}_${out}`;
}
