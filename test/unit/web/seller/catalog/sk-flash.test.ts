import { describe, expect, it } from 'vitest';
import {
  SK_ONCE_MS,
  openCredential,
  sealCredential,
} from '../../../../../src/web/seller/catalog/sk-flash.js';

describe('the once-shown SK on its way to its page', () => {
  const pair = { ak: 'AKAKAKAKAKAKAKAKAKAK', sk: 's'.repeat(40) };

  it('opens for the session that sealed it, while fresh, and holds no SK in clear', () => {
    const sealed = sealCredential('session-a', pair, 1000);
    expect(sealed).not.toContain(pair.sk);
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain(pair.sk);
    expect(openCredential('session-a', sealed, 1000 + SK_ONCE_MS)).toEqual(pair);
  });

  it('opens for no other session, not once stale, and not when tampered with', () => {
    const sealed = sealCredential('session-a', pair, 1000);
    expect(openCredential('session-b', sealed, 1000)).toBeUndefined();
    expect(openCredential('session-a', sealed, 1001 + SK_ONCE_MS)).toBeUndefined();
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    expect(openCredential('session-a', bytes.toString('base64url'), 1000)).toBeUndefined();
    expect(openCredential('session-a', 'short', 1000)).toBeUndefined();
  });
});
