import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { createLocalJWKSet, compactVerify, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  importSigningKey,
  jwks,
  loadSigningKey,
  loadVerifyingKey,
  storeSigningKey,
  verifyingKeyFromJwk,
  SIGNING_ALGORITHMS,
} from '../../../src/license/keys.js';
import { signCompact, verifyCompact } from '../../../src/license/jws.js';
import { openssl } from '../../helpers/openssl.js';

const wrap = { kid: 'mk1', key: randomBytes(32) };

function rsaPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

function forgePkcs12(pem: string, password: string): Buffer {
  const key = forge.pki.privateKeyFromPem(pem);
  // A key-only PFX (no certificate), as some sellers export from their own tooling.
  const p12 = forge.pkcs12.toPkcs12Asn1(key, null as unknown as forge.pki.Certificate, password, {
    algorithm: '3des',
  });
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
}

describe('signing keys', () => {
  it.each(SIGNING_ALGORITHMS)(
    'signs %s tokens that jose verifies through the JWKS',
    async (alg) => {
      const key = generateSigningKey(alg);
      const token = signCompact(key, { hello: 'world' });
      const set = createLocalJWKSet(jwks([key]));
      const { payload, protectedHeader } = await compactVerify(token, set);
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ hello: 'world' });
      expect(protectedHeader).toMatchObject({ alg, kid: key.kid });
    },
  );

  it('publishes no private key material in the JWKS', () => {
    const doc = jwks([generateSigningKey('EdDSA'), generateSigningKey('RS256')]);
    for (const k of doc.keys) {
      expect(k).not.toHaveProperty('d');
      expect(k).not.toHaveProperty('p');
      expect(k.use).toBe('sig');
    }
  });

  it('stores the private key sealed and reopens it to the same key', () => {
    const key = generateSigningKey('EdDSA');
    const stored = storeSigningKey(key, wrap);
    const pkcs8 = key.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    expect(stored.sealedPrivateKey).not.toContain(pkcs8.slice(20, 40));
    const opened = loadSigningKey(stored, [{ kid: 'old', key: randomBytes(32) }, wrap]);
    const token = signCompact(opened, { a: 1 });
    expect(verifyCompact(token, [loadVerifyingKey(stored)]).payload).toEqual({ a: 1 });
  });

  it('refuses to open a sealed key under the wrong wrapping key', () => {
    const stored = storeSigningKey(generateSigningKey(), wrap);
    expect(() => loadSigningKey(stored, { kid: 'mk1', key: randomBytes(32) })).toThrow(
      expect.objectContaining({ code: 'SEALED_DATA_UNREADABLE' }),
    );
  });

  it('refuses a sealed key moved onto another key record', () => {
    const a = storeSigningKey(generateSigningKey(), wrap);
    const b = storeSigningKey(generateSigningKey(), wrap);
    expect(() => loadSigningKey({ ...b, sealedPrivateKey: a.sealedPrivateKey }, wrap)).toThrow(
      expect.objectContaining({ code: 'SEALED_DATA_UNREADABLE' }),
    );
  });

  it('keeps verifying tokens of a rotated-out key while the new key signs', () => {
    const old = generateSigningKey('EdDSA');
    const next = generateSigningKey('EdDSA');
    const oldToken = signCompact(old, { v: 1 });
    const newToken = signCompact(next, { v: 2 });
    const published = [next, old];
    expect(verifyCompact(oldToken, published).payload).toEqual({ v: 1 });
    expect(verifyCompact(newToken, published).payload).toEqual({ v: 2 });
    expect(() => verifyCompact(oldToken, [next])).toThrow(
      expect.objectContaining({ code: 'JWS_KEY_UNKNOWN' }),
    );
  });

  it('reads back keys from its own JWKS', () => {
    const key = generateSigningKey('PS256');
    const [jwk] = jwks([key]).keys;
    const vk = verifyingKeyFromJwk(jwk!);
    expect(verifyCompact(signCompact(key, { x: 1 }), [vk]).header.alg).toBe('PS256');
  });

  it('refuses a JWK carrying a private key', () => {
    const key = generateSigningKey('EdDSA');
    const jwk = { ...key.privateKey.export({ format: 'jwk' }), kid: 'x', alg: 'EdDSA' };
    expect(() => verifyingKeyFromJwk(jwk)).toThrow(
      expect.objectContaining({ code: 'JWK_UNSUPPORTED' }),
    );
  });
});

describe('key import', () => {
  it('imports an encrypted PKCS#8 PEM made by openssl', () => {
    const pem = openssl([
      'genpkey',
      '-algorithm',
      'ed25519',
      '-aes-256-cbc',
      '-pass',
      'pass:s3cret',
    ]);
    const key = importSigningKey({ pem, passphrase: 's3cret' });
    expect(key.alg).toBe('EdDSA');
  });

  it('imports a PKCS#1 RSA PEM as PS256 when asked', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const key = importSigningKey({ pem, alg: 'PS256' });
    expect(key.alg).toBe('PS256');
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('imports the RSA key of a PKCS#12 file made by node-forge', () => {
    const pem = rsaPem();
    const der = forgePkcs12(pem, 'pw');
    const key = importSigningKey({ pkcs12: der, passphrase: 'pw' });
    expect(key.alg).toBe('RS256');
    expect(key.kid).toBe(importSigningKey({ pem }).kid);
  });

  it('imports an Ed25519 key from a PKCS#12 file made by openssl', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oc-p12-'));
    try {
      const keyFile = path.join(dir, 'k.pem');
      execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', keyFile]);
      execFileSync('openssl', [
        'req',
        '-new',
        '-x509',
        '-key',
        keyFile,
        '-subj',
        '/CN=t',
        '-days',
        '1',
        '-out',
        path.join(dir, 'c.pem'),
      ]);
      // Legacy PBE: the ciphers forge reads (openssl 3's default AES-256 PBES2 MAC is newer).
      execFileSync('openssl', [
        'pkcs12',
        '-export',
        '-legacy',
        '-inkey',
        keyFile,
        '-in',
        path.join(dir, 'c.pem'),
        '-passout',
        'pass:pw',
        '-out',
        path.join(dir, 'k.p12'),
      ]);
      const key = importSigningKey({
        pkcs12: readFileSync(path.join(dir, 'k.p12')),
        passphrase: 'pw',
      });
      const direct = importSigningKey({ pem: readFileSync(keyFile, 'utf8') });
      expect(key.kid).toBe(direct.kid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers KEY_IMPORT_INVALID for a wrong PKCS#12 passphrase', () => {
    const der = forgePkcs12(rsaPem(), 'pw');
    expect(() => importSigningKey({ pkcs12: der, passphrase: 'nope' })).toThrow(
      expect.objectContaining({ code: 'KEY_IMPORT_INVALID' }),
    );
  });

  it('refuses RSA keys under 2048 bits and EC keys with their own codes', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() =>
      importSigningKey({ pem: small.export({ type: 'pkcs8', format: 'pem' }).toString() }),
    ).toThrow(expect.objectContaining({ code: 'KEY_SIZE_UNSUPPORTED' }));
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() =>
      importSigningKey({ pem: ec.export({ type: 'pkcs8', format: 'pem' }).toString() }),
    ).toThrow(expect.objectContaining({ code: 'KEY_TYPE_UNSUPPORTED' }));
  });

  it('answers KEY_IMPORT_INVALID for garbage without echoing it', () => {
    const secretish = 'SUPERSECRETVALUE';
    const pem = `-----BEGIN PRIVATE KEY-----\n${secretish}\n-----END PRIVATE KEY-----\n`;
    try {
      importSigningKey({ pem });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'KEY_IMPORT_INVALID' });
      expect(String((err as Error).message)).not.toContain(secretish);
    }
  });

  it('refuses an Ed25519 key declared as RS256', () => {
    const pem = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => importSigningKey({ pem, alg: 'RS256' })).toThrow(
      expect.objectContaining({ code: 'KEY_ALGORITHM_MISMATCH' }),
    );
  });
});

describe('jose interop', () => {
  it('verifies a jose-signed EdDSA token with OneClick keys', async () => {
    const key = generateSigningKey('EdDSA');
    const { CompactSign } = await import('jose');
    const token = await new CompactSign(new TextEncoder().encode('{"z":1}'))
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .sign(key.privateKey);
    expect(verifyCompact(token, [key]).payload).toEqual({ z: 1 });
    // and the published JWK imports into jose
    await expect(importJWK(jwks([key]).keys[0]!, 'EdDSA')).resolves.toBeDefined();
  });
});
