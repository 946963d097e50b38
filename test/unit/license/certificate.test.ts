import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issueCertificate } from '../../../src/license/certificate.js';
import { generateSigningKey, publicKeyPem, SIGNING_ALGORITHMS } from '../../../src/license/keys.js';
import { openssl } from '../../helpers/openssl.js';

describe('certificates for published keys', () => {
  it.each(SIGNING_ALGORITHMS)(
    'issues a self-signed %s certificate that openssl verifies',
    (alg) => {
      const key = generateSigningKey(alg);
      const pem = issueCertificate(key, {
        commonName: 'Seller One',
        organization: 'Seller One Ltd',
        days: 30,
      });
      const cert = new X509Certificate(pem);
      expect(cert.verify(key.publicKey)).toBe(true);
      expect(cert.subject).toContain('CN=Seller One');
      // openssl agrees: the certificate verifies against itself as a trust anchor.
      const out = openssl(['verify', '-CAfile', 'c.pem', '-partial_chain', 'c.pem'], {
        'c.pem': pem,
      });
      expect(out).toContain('c.pem: OK');
      const pub = openssl(['x509', '-in', 'c.pem', '-pubkey', '-noout'], { 'c.pem': pem });
      expect(pub.trim()).toBe(publicKeyPem(key).trim());
    },
  );

  it('issues a seller key certificate signed by the platform key', () => {
    const platform = generateSigningKey('EdDSA');
    const seller = generateSigningKey('RS256');
    const pem = issueCertificate(
      { kid: seller.kid, alg: seller.alg, publicKey: seller.publicKey },
      { commonName: 'seller', issuer: { key: platform, commonName: 'OneClick platform' } },
    );
    const cert = new X509Certificate(pem);
    expect(cert.verify(platform.publicKey)).toBe(true);
    expect(cert.verify(seller.publicKey)).toBe(false);
    expect(cert.issuer).toContain('CN=OneClick platform');
  });

  it('refuses to issue for a bare public key without an issuer', () => {
    const k = generateSigningKey();
    expect(() =>
      issueCertificate({ kid: k.kid, alg: k.alg, publicKey: k.publicKey }, { commonName: 'x' }),
    ).toThrow(expect.objectContaining({ code: 'CERTIFICATE_ISSUER_MISSING' }));
  });
});
