import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal, unseal } from '../../../src/license/seal.js';
import { wrappingKeysFrom } from '../../../src/license/wrapping-keys.js';

describe('wrapping keys from a keyring', () => {
  it('puts the active key first, so new seals use it and old ones still open', () => {
    const old = randomBytes(32);
    const current = randomBytes(32);
    const before = wrappingKeysFrom({ activeId: 'k1', keys: new Map([['k1', old]]) });
    const sealedBefore = seal('secret', before[0]!);
    const after = wrappingKeysFrom({
      activeId: 'k2',
      keys: new Map([
        ['k1', old],
        ['k2', current],
      ]),
    });
    expect(after.map((k) => k.kid)).toEqual(['k2', 'k1']);
    expect(seal('x', after[0]!).split(':')[1]).toBe('k2');
    expect(unseal(sealedBefore, after).toString()).toBe('secret');
  });

  it('refuses a keyring whose active id has no key', () => {
    expect(() => wrappingKeysFrom({ activeId: 'k9', keys: new Map() })).toThrow(/k9/);
  });
});
