import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  bodySignHeader,
  koogallerySignature,
  verifyBodySign,
  verifyKoogallerySignature,
} from '../../../src/marketplace/signing.js';

/** HMAC-SHA256 hex by openssl: a vector computed outside the code under test. */
function opensslHmacHex(key: string, data: string): string {
  const out = execFileSync('openssl', ['dgst', '-sha256', '-hmac', key], {
    input: data,
  }).toString();
  return out.trim().split(/\s+/).at(-1)!;
}

describe('KooGallery signature', () => {
  const accessKey = '0123456789ABCDEF'.repeat(4);
  const body = '{"orderId":"CS1","orderLineId":"CS1-1"}';
  const timestamp = '1795939200000';
  const nonce = 'b1f3c8d2a4e6f7a8';

  it('matches the access guide formula computed by openssl', () => {
    const bodyMac = opensslHmacHex(accessKey, body).toLowerCase();
    const expected = opensslHmacHex(
      accessKey,
      accessKey + nonce + timestamp + bodyMac,
    ).toUpperCase();
    expect(koogallerySignature({ accessKey, body, timestamp, nonce })).toBe(expected);
  });

  it('verifies in any case and rejects a changed body, nonce or key', () => {
    const signature = koogallerySignature({ accessKey, body, timestamp, nonce });
    expect(
      verifyKoogallerySignature({
        accessKey,
        body,
        timestamp,
        nonce,
        signature: signature.toLowerCase(),
      }),
    ).toBe(true);
    expect(
      verifyKoogallerySignature({ accessKey, body: body + ' ', timestamp, nonce, signature }),
    ).toBe(false);
    expect(verifyKoogallerySignature({ accessKey, body, timestamp, nonce: 'x', signature })).toBe(
      false,
    );
    expect(
      verifyKoogallerySignature({ accessKey: 'F'.repeat(64), body, timestamp, nonce, signature }),
    ).toBe(false);
    expect(
      verifyKoogallerySignature({ accessKey, body, timestamp, nonce, signature: 'short' }),
    ).toBe(false);
  });

  it('signs and checks a Body-Sign header', () => {
    const header = bodySignHeader(accessKey, body);
    expect(header).toMatch(/^sign_type="HMAC-SHA256", signature="[A-Za-z0-9+/=]+"$/);
    expect(verifyBodySign(accessKey, body, header)).toBe(true);
    expect(verifyBodySign(accessKey, `${body}x`, header)).toBe(false);
    expect(verifyBodySign(accessKey, body, undefined)).toBe(false);
  });
});
