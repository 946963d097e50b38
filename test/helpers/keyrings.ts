import { randomBytes } from 'node:crypto';
import type { Keyring } from '../../src/crypto/keyring.js';

/** The key the captured values in the crypto tests were sealed with, before the envelope had one owner. */
export const FIXED = Buffer.alloc(32, 7);
export const fixedRing: Keyring = { activeId: 'k1', keys: new Map([['k1', FIXED]]) };

/** A keyring of random keys under `ids`, the first one active. */
export const ring = (...ids: string[]): Keyring => ({
  activeId: ids[0]!,
  keys: new Map(ids.map((id) => [id, randomBytes(32)])),
});
