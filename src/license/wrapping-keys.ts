import type { WrappingKey } from './seal.js';

/**
 * Turns a keyring (`src/crypto/keyring.ts`: active id plus all keys, already derived for the
 * license purpose) into wrapping keys, the active one first so `seal` uses it.
 */
export function wrappingKeysFrom(keyring: {
  readonly activeId: string;
  readonly keys: ReadonlyMap<string, Uint8Array>;
}): WrappingKey[] {
  const active = keyring.keys.get(keyring.activeId);
  if (!active) throw new Error(`keyring has no key ${keyring.activeId}`);
  return [
    { kid: keyring.activeId, key: active },
    ...[...keyring.keys]
      .filter(([kid]) => kid !== keyring.activeId)
      .map(([kid, key]) => ({ kid, key })),
  ];
}
