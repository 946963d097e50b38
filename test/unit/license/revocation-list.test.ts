import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../../src/license/audit-chain.js';
import { generateSigningKey } from '../../../src/license/keys.js';
import { signRevocationList, verifyRevocationList } from '../../../src/license/revocation-list.js';

describe('revocation list', () => {
  it('round-trips the revoked ids under the platform key', () => {
    const key = generateSigningKey();
    const token = signRevocationList(key, {
      issuer: 'https://oc',
      revoked: [{ id: 'lic_1', at: new Date() }],
      auditHead: GENESIS_HASH,
    });
    expect([...verifyRevocationList(token, [key]).revoked]).toEqual(['lic_1']);
  });

  it('refuses a stale list instead of treating it as empty', () => {
    const key = generateSigningKey();
    const token = signRevocationList(key, {
      issuer: 'https://oc',
      revoked: [],
      auditHead: GENESIS_HASH,
      now: new Date(Date.now() - 7200_000),
    });
    expect(() => verifyRevocationList(token, [key])).toThrow(
      expect.objectContaining({ code: 'REVOCATION_LIST_STALE' }),
    );
  });
});
