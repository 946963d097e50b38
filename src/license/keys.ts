import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import forge from 'node-forge';
import { AppError } from '../errors.js';
import { seal, unseal, type WrappingKey } from './seal.js';

/**
 * Signing keys for licenses, revocation lists and envelopes. node-forge reads the formats Node
 * cannot (PKCS#12); everything is then parsed once into node:crypto KeyObjects, because re-parsing
 * a PEM per signature costs 3-14x and forge's pure-JS RSA is ~80x slower than node:crypto.
 */

/** JOSE algorithm names: Ed25519 (default), RSA-2048 PKCS#1 v1.5, RSA-2048 PSS. */
export const SIGNING_ALGORITHMS = ['EdDSA', 'RS256', 'PS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** A public key that verifies, with its id and algorithm. */
export interface VerifyingKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly publicKey: KeyObject;
}

/** A key that signs; its public half verifies. */
export interface SigningKey extends VerifyingKey {
  readonly privateKey: KeyObject;
}

/** What is stored: public key in clear, private key sealed under a caller-supplied key. */
export interface StoredSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  publicKeyPem: string;
  sealedPrivateKey: string;
}

/** Creates a new key pair; the kid is the RFC 7638 thumbprint of the public key. */
export function generateSigningKey(alg: SigningAlgorithm = 'EdDSA'): SigningKey {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return { alg, kid: thumbprint(pair.publicKey), ...pair };
}

/** What a seller uploads to import an existing key. */
export interface KeyImport {
  /** PEM: PKCS#8 (plain or encrypted), PKCS#1 `RSA PRIVATE KEY`, or SEC1 is refused. */
  pem?: string;
  /** A PKCS#12 (.p12/.pfx) file; its first private key is taken. */
  pkcs12?: Uint8Array;
  passphrase?: string;
  /** For RSA keys: RS256 (default) or PS256. Ed25519 keys are always EdDSA. */
  alg?: SigningAlgorithm;
}

/** Imports a private key from PEM/PKCS#8 or PKCS#12 and checks it is a key OneClick signs with. */
export function importSigningKey(input: KeyImport): SigningKey {
  const { pem, pkcs12 } = input;
  if ((pem === undefined) === (pkcs12 === undefined)) {
    throw new AppError('KEY_IMPORT_INVALID', 'Give exactly one of pem or pkcs12');
  }
  const privateKey =
    pem !== undefined
      ? parsePem(pem, input.passphrase)
      : parsePkcs12(pkcs12 ?? new Uint8Array(), input.passphrase ?? '');
  return fromPrivateKey(privateKey, input.alg);
}

function parsePem(pem: string, passphrase: string | undefined): KeyObject {
  if (!pem.includes('PRIVATE KEY-----')) {
    throw new AppError('KEY_IMPORT_INVALID', 'The PEM holds no private key');
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (cause) {
    // Node's message may quote parts of the input; keep ours generic.
    throw new AppError(
      'KEY_IMPORT_INVALID',
      'The private key could not be read (or wrong passphrase)',
      {
        cause: new Error('pem parse failed'),
        context: { reason: cause instanceof Error ? cause.name : 'unknown' },
      },
    );
  }
}

function parsePkcs12(der: Uint8Array, passphrase: string): KeyObject {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(der).toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, passphrase);
  } catch {
    throw new AppError(
      'KEY_IMPORT_INVALID',
      'The PKCS#12 file could not be read (wrong passphrase, or an unsupported cipher)',
    );
  }
  const bagTypes = [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag] as string[];
  for (const bagType of bagTypes) {
    const bags: forge.pkcs12.Bag[] = p12.getBags({ bagType })[bagType] ?? [];
    for (const bag of bags) {
      // forge decodes RSA keys itself; other types (Ed25519) come back as PrivateKeyInfo ASN.1.
      const info = bag.key
        ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))
        : bag.asn1;
      if (!info) continue;
      const pkcs8 = Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary');
      return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    }
  }
  throw new AppError('KEY_IMPORT_INVALID', 'The PKCS#12 file holds no private key');
}

function fromPrivateKey(privateKey: KeyObject, alg: SigningAlgorithm | undefined): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const type = privateKey.asymmetricKeyType;
  if (type === 'ed25519') {
    if (alg !== undefined && alg !== 'EdDSA') {
      throw new AppError('KEY_ALGORITHM_MISMATCH', `An Ed25519 key cannot sign ${alg}`);
    }
    return { alg: 'EdDSA', kid: thumbprint(publicKey), privateKey, publicKey };
  }
  if (type === 'rsa') {
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048 || bits > 4096) {
      throw new AppError('KEY_SIZE_UNSUPPORTED', `RSA keys must be 2048 to 4096 bits, not ${bits}`);
    }
    if (alg === 'EdDSA')
      throw new AppError('KEY_ALGORITHM_MISMATCH', 'An RSA key cannot sign EdDSA');
    return { alg: alg ?? 'RS256', kid: thumbprint(publicKey), privateKey, publicKey };
  }
  throw new AppError(
    'KEY_TYPE_UNSUPPORTED',
    `Keys of type ${type ?? 'unknown'} are not supported`,
    {
      context: { type },
    },
  );
}

/** Signs bytes with the key's algorithm (raw signature, as JWS carries it). */
export function signBytes(key: SigningKey, data: Uint8Array): Buffer {
  switch (key.alg) {
    case 'EdDSA':
      return sign(null, data, key.privateKey);
    case 'RS256':
      return sign('sha256', data, key.privateKey);
    case 'PS256':
      return sign('sha256', data, {
        key: key.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
  }
}

/** Checks a raw signature; false for any mismatch, never throws on bad input. */
export function verifyBytes(key: VerifyingKey, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    switch (key.alg) {
      case 'EdDSA':
        return verify(null, data, key.publicKey, signature);
      case 'RS256':
        return verify('sha256', data, key.publicKey, signature);
      case 'PS256':
        return verify(
          'sha256',
          data,
          { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
          signature,
        );
    }
  } catch {
    return false;
  }
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url), used as the kid. */
export function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const members =
    jwk.kty === 'OKP'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The public JWK of a key, with kid, alg and use; never private members. */
export function publicJwk(key: VerifyingKey): JsonWebKey {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return { ...jwk, kid: key.kid, alg: key.alg, use: 'sig' };
}

/** A JWKS document over the given keys. */
export function jwks(keys: readonly VerifyingKey[]): { keys: JsonWebKey[] } {
  return { keys: keys.map(publicJwk) };
}

/** The public key as SPKI PEM, which `openssl` reads directly. */
export function publicKeyPem(key: VerifyingKey): string {
  return key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** Seals the private key under `wrap` (kid bound as associated data) for storage. */
export function storeSigningKey(key: SigningKey, wrap: WrappingKey): StoredSigningKey {
  const der = key.privateKey.export({ type: 'pkcs8', format: 'der' });
  return {
    kid: key.kid,
    alg: key.alg,
    publicKeyPem: publicKeyPem(key),
    sealedPrivateKey: seal(der, wrap, `signing-key:${key.kid}`),
  };
}

/** Opens a stored key once into KeyObjects; checks the private key matches the stored public one. */
export function loadSigningKey(
  stored: StoredSigningKey,
  wraps: WrappingKey | readonly WrappingKey[],
): SigningKey {
  const der = unseal(stored.sealedPrivateKey, wraps, `signing-key:${stored.kid}`);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const key = fromPrivateKey(privateKey, stored.alg);
  if (key.kid !== stored.kid) {
    throw new AppError('KEY_RECORD_CORRUPT', `Stored key ${stored.kid} does not match its record`);
  }
  return key;
}

/** Reads the public half of a stored key. */
export function loadVerifyingKey(
  stored: Pick<StoredSigningKey, 'kid' | 'alg' | 'publicKeyPem'>,
): VerifyingKey {
  return { kid: stored.kid, alg: stored.alg, publicKey: createPublicKey(stored.publicKeyPem) };
}

/** Reads a public JWK (from a JWKS) into a verifying key; refuses what OneClick does not sign with. */
export function verifyingKeyFromJwk(jwk: JsonWebKey): VerifyingKey {
  const alg = jwk.alg as SigningAlgorithm | undefined;
  if (typeof jwk.kid !== 'string' || !alg || !SIGNING_ALGORITHMS.includes(alg)) {
    throw new AppError('JWK_UNSUPPORTED', 'A JWK needs a kid and an alg of EdDSA, RS256 or PS256');
  }
  if (jwk.d !== undefined) {
    throw new AppError('JWK_UNSUPPORTED', 'A published JWK must not carry a private key');
  }
  try {
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    return { kid: jwk.kid, alg, publicKey };
  } catch {
    throw new AppError('JWK_UNSUPPORTED', `The JWK ${jwk.kid} could not be read`);
  }
}
