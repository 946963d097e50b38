import { createHmac } from 'node:crypto';
import { deriveKeyring, type Keyring } from '../crypto/keyring.js';

/**
 * The IAM agency name a buyer must give the agency that delegates their account to OneClick.
 *
 * An agency trusts OneClick's whole account, not one buyer: were any name accepted, a buyer who
 * knew (or guessed) another company's account name and a usual agency name could link that
 * account and deploy into it. The name is instead derived from the buyer (an HMAC under a key
 * only OneClick holds), so an agency made for one buyer is useless to every other: OneClick
 * assumes only the agency named for the buyer who links it. Huawei allows 1-64 characters of
 * letters, digits, `-`, `_` and `.`; this is 26. Rotating the master key changes the names of
 * agencies linked after it; those linked before keep working (the name is checked at link time).
 */
export function agencyNameFor(keyring: Keyring, buyerId: string): string {
  const derived = deriveKeyring(keyring, 'agency-names');
  const key = derived.keys.get(derived.activeId)!;
  const mac = createHmac('sha256', key).update(`agency:${buyerId}`).digest('hex');
  return `oneclick-${mac.slice(0, 17)}`;
}
