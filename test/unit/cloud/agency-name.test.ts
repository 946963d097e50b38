import { describe, expect, it } from 'vitest';
import { agencyNameFor } from '../../../src/cloud/agency-name.js';
import { testKeyring } from '../../helpers/deploy.js';

describe('agencyNameFor', () => {
  it('names one agency per buyer, the same every time, within Huawei’s rules for agency names', () => {
    const keyring = testKeyring();
    const alice = agencyNameFor(keyring, 'byr_alice');
    expect(agencyNameFor(keyring, 'byr_alice')).toBe(alice);
    expect(agencyNameFor(keyring, 'byr_bob')).not.toBe(alice);
    expect(alice).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
  });

  it('cannot be worked out without OneClick’s key: another key names the same buyer differently', () => {
    expect(agencyNameFor(testKeyring(), 'byr_alice')).not.toBe(
      agencyNameFor(testKeyring(), 'byr_alice'),
    );
  });
});
