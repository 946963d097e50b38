import { randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { AppError } from '../errors.js';
import { signBytes, type SigningAlgorithm, type SigningKey, type VerifyingKey } from './keys.js';

/**
 * X.509 certificates for published keys, for sellers whose verifiers want a certificate rather than
 * a JWK. node-forge encodes the ASN.1 (it knows names, validity and extensions), but its signer only
 * does RSA in pure JS, so the TBS bytes are signed with node:crypto and Ed25519 works too.
 */
const { asn1 } = forge;

export interface CertificateOptions {
  /** Subject common name, e.g. the seller's name. */
  commonName: string;
  organization?: string;
  /** Validity in days from `notBefore`. */
  days?: number;
  notBefore?: Date;
  /** Who signs: by default the key itself (self-signed). */
  issuer?: { key: SigningKey; commonName: string; organization?: string };
}

/** Issues a PEM certificate for `subject`'s public key, signed by the issuer (or itself). */
export function issueCertificate(
  subject: VerifyingKey & Partial<Pick<SigningKey, 'privateKey'>>,
  options: CertificateOptions,
): string {
  const signer: SigningKey | undefined =
    options.issuer?.key ??
    (subject.privateKey ? { ...subject, privateKey: subject.privateKey } : undefined);
  if (!signer) {
    throw new AppError('CERTIFICATE_ISSUER_MISSING', 'A public key alone needs an issuer key');
  }
  const days = options.days ?? 365;
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new AppError('VALIDATION_FAILED', 'Certificate validity must be 1 to 3650 days');
  }
  const cert = forge.pki.createCertificate();
  // A positive 16-byte serial: high bit cleared so DER does not read it as negative.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const notBefore = options.notBefore ?? new Date();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  const subjectName = dn(options.commonName, options.organization);
  const issuerName = options.issuer
    ? dn(options.issuer.commonName, options.issuer.organization)
    : subjectName;
  cert.setSubject(subjectName);
  cert.setIssuer(issuerName);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
  ]);
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption as string; // replaced below
  // forge only encodes RSA keys; give it a throwaway shape, then swap in the real SPKI and AlgId.
  cert.publicKey = placeholderRsa();
  // getTBSCertificate is public in forge but missing from its type definitions.
  const pki = forge.pki as unknown as {
    getTBSCertificate: (c: forge.pki.Certificate) => forge.asn1.Asn1 & { value: forge.asn1.Asn1[] };
  };
  const tbs = pki.getTBSCertificate(cert);
  const spki = subject.publicKey.export({ type: 'spki', format: 'der' });
  const algId = algorithmIdentifier(signer.alg);
  tbs.value.splice(2, 1, algId);
  tbs.value.splice(6, 1, asn1.fromDer(forge.util.createBuffer(spki.toString('binary'))));
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = signBytes(signer, tbsDer);
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithmIdentifier(signer.alg),
    asn1.create(
      asn1.Class.UNIVERSAL,
      asn1.Type.BITSTRING,
      false,
      '\x00' + signature.toString('binary'),
    ),
  ]);
  const der = Buffer.from(asn1.toDer(certificate).getBytes(), 'binary');
  // Parse with Node as a last check that what we built is a well-formed certificate.
  return new X509Certificate(der).toString();
}

function dn(commonName: string, organization?: string): forge.pki.CertificateField[] {
  if (commonName.length === 0 || commonName.length > 64) {
    throw new AppError('VALIDATION_FAILED', 'A certificate common name must be 1 to 64 characters');
  }
  const attrs: forge.pki.CertificateField[] = [{ name: 'commonName', value: commonName }];
  if (organization) attrs.push({ name: 'organizationName', value: organization.slice(0, 64) });
  return attrs;
}

let placeholder: forge.pki.rsa.PublicKey | undefined;
function placeholderRsa(): forge.pki.rsa.PublicKey {
  // Never encoded into the result; only lets forge build the TBS skeleton.
  placeholder ??= forge.pki.setRsaPublicKey(
    new forge.jsbn.BigInteger('3'),
    new forge.jsbn.BigInteger('3'),
  );
  return placeholder;
}

function oid(value: string): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(value).getBytes());
}
function seq(items: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
}
function nul(): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '');
}
function tagged(tag: number, item: forge.asn1.Asn1): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, true, [item]);
}

const SHA256 = '2.16.840.1.101.3.4.2.1';

function algorithmIdentifier(alg: SigningAlgorithm): forge.asn1.Asn1 {
  switch (alg) {
    case 'EdDSA':
      return seq([oid('1.3.101.112')]); // RFC 8410: parameters absent
    case 'RS256':
      return seq([oid('1.2.840.113549.1.1.11'), nul()]);
    case 'PS256':
      // RFC 4055 RSASSA-PSS-params: SHA-256, MGF1 with SHA-256, salt 32, trailer 1 (default).
      return seq([
        oid('1.2.840.113549.1.1.10'),
        seq([
          tagged(0, seq([oid(SHA256), nul()])),
          tagged(1, seq([oid('1.2.840.113549.1.1.8'), seq([oid(SHA256), nul()])])),
          tagged(
            2,
            asn1.create(
              asn1.Class.UNIVERSAL,
              asn1.Type.INTEGER,
              false,
              asn1.integerToDer(32).getBytes(),
            ),
          ),
        ]),
      ]);
  }
}
