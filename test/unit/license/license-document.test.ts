import { createHash } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  jwks,
  publicKeyPem,
  SIGNING_ALGORITHMS,
} from '../../../src/license/keys.js';
import {
  buildLicenseClaims,
  checkLicense,
  LICENSE_TYP,
  signLicense,
  type LicenseInput,
} from '../../../src/license/license-document.js';
import { opensslVerify } from '../../helpers/openssl.js';

const FP = '52:54:00:AB:CD:EF|DISK-1|BOARD-1|CPU-1';
const now = new Date();
const input = (over: Partial<LicenseInput> = {}): LicenseInput => ({
  issuer: 'https://oneclick.test',
  licenseId: 'lic_1',
  orderId: 'CS2411240001',
  orderLineId: 'CS2411240001-000001',
  productId: 'OFFI123',
  sku: 'SKU-1',
  fingerprint: FP,
  notBefore: new Date(now.getTime() - 1000),
  expiresAt: new Date(now.getTime() + 30 * 86_400_000),
  features: { seats: 5, pro: true },
  ...over,
});

describe('License 1.0 documents', () => {
  it.each(SIGNING_ALGORITHMS)(
    'makes a %s license that jose verifies as a JWT with its claims',
    async (alg) => {
      const key = generateSigningKey(alg);
      const token = signLicense(key, buildLicenseClaims(input()));
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks([key])), {
        issuer: 'https://oneclick.test',
        typ: LICENSE_TYP,
      });
      expect(protectedHeader.kid).toBe(key.kid);
      expect(payload).toMatchObject({
        jti: 'lic_1',
        sub: 'CS2411240001',
        productId: 'OFFI123',
        sku: 'SKU-1',
        fingerprint: FP,
        features: { seats: 5, pro: true },
        source: 'built-in',
      });
    },
  );

  it.each(SIGNING_ALGORITHMS)(
    'makes a %s license that openssl alone verifies with the documented commands',
    (alg) => {
      const key = generateSigningKey(alg);
      const token = signLicense(key, buildLicenseClaims(input()));
      const result = opensslVerify(token, publicKeyPem(key), alg);
      expect(result.output).toMatch(/Verified OK|Signature Verified Successfully/);
      expect(result.ok).toBe(true);
    },
  );

  it('fails openssl verification when one payload character is changed', () => {
    const key = generateSigningKey('EdDSA');
    const token = signLicense(key, buildLicenseClaims(input()));
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...claims, exp: 4102444800 })).toString(
      'base64url',
    );
    const forged = `${h}.${edited}.${s}`;
    expect(opensslVerify(forged, publicKeyPem(key), 'EdDSA').ok).toBe(false);
    expect(checkLicense(forged, [key])).toMatchObject({
      valid: false,
      problem: 'JWS_BAD_SIGNATURE',
    });
  });

  it('fails openssl verification against another key', () => {
    const token = signLicense(generateSigningKey('RS256'), buildLicenseClaims(input()));
    expect(opensslVerify(token, publicKeyPem(generateSigningKey('RS256')), 'RS256').ok).toBe(false);
  });

  it('reports the expiry, revocation and another machine with their own problems', () => {
    const key = generateSigningKey();
    const token = signLicense(key, buildLicenseClaims(input()));
    expect(checkLicense(token, [key], { fingerprint: FP })).toMatchObject({ valid: true });
    expect(
      checkLicense(token, [key], { now: new Date(now.getTime() + 31 * 86_400_000) }),
    ).toMatchObject({
      problem: 'LICENSE_EXPIRED',
    });
    expect(checkLicense(token, [key], { revoked: new Set(['lic_1']) })).toMatchObject({
      problem: 'LICENSE_REVOKED',
    });
    expect(checkLicense(token, [key], { fingerprint: 'OTHER|||' })).toMatchObject({
      problem: 'LICENSE_FINGERPRINT_MISMATCH',
    });
    expect(checkLicense(token, [key], { now: new Date(now.getTime() - 86_400_000) })).toMatchObject(
      {
        problem: 'LICENSE_NOT_YET_VALID',
      },
    );
  });

  it('refuses a token whose header names another algorithm than its key', () => {
    const key = generateSigningKey('RS256');
    const token = signLicense(key, buildLicenseClaims(input()));
    const [, p, s] = token.split('.');
    const header = Buffer.from(
      JSON.stringify({ alg: 'PS256', kid: key.kid, typ: LICENSE_TYP }),
    ).toString('base64url');
    expect(checkLicense(`${header}.${p}.${s}`, [key])).toMatchObject({
      problem: 'JWS_ALGORITHM_MISMATCH',
    });
  });

  it('answers JWS_MALFORMED for garbage instead of throwing', () => {
    for (const junk of ['', 'a.b', 'not.a.jws!', 'e30.e30.', `${'a'.repeat(70_000)}.b.c`]) {
      expect(checkLicense(junk, [])).toMatchObject({ valid: false, problem: 'JWS_MALFORMED' });
    }
  });

  it("wraps a remote generator output with its hash under OneClick's signature", async () => {
    const key = generateSigningKey();
    const claims = buildLicenseClaims(
      input({ remote: { generatorId: 'gen_1', eventId: 'evt_1', license: 'SELLER-LICENSE-TEXT' } }),
    );
    const { payload } = await jwtVerify(signLicense(key, claims), createLocalJWKSet(jwks([key])));
    expect(payload).toMatchObject({
      source: 'remote',
      remote: {
        generatorId: 'gen_1',
        license: 'SELLER-LICENSE-TEXT',
        sha256: createHash('sha256').update('SELLER-LICENSE-TEXT').digest('hex'),
      },
    });
  });

  it('refuses an empty fingerprint, an expiry before the start and odd features', () => {
    expect(() => buildLicenseClaims(input({ fingerprint: '' }))).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => buildLicenseClaims(input({ expiresAt: new Date(0) }))).toThrow(/expiresAt/);
    expect(() =>
      buildLicenseClaims(input({ features: { x: { y: 1 } as unknown as string } })),
    ).toThrow(/feature x/);
    expect(() => buildLicenseClaims(input({ notBefore: new Date('nope') }))).toThrow(/notBefore/);
  });
});
