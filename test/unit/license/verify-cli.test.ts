import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKey, jwks } from '../../../src/license/keys.js';
import { buildLicenseClaims, signLicense } from '../../../src/license/license-document.js';
import { signRevocationList } from '../../../src/license/revocation-list.js';
import { GENESIS_HASH } from '../../../src/license/audit-chain.js';
import { runLicenseVerify } from '../../../src/license/verify-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'oc-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FP = '52:54:00:12:34:56|D|B|C';
const key = generateSigningKey();
const now = new Date();
const token = signLicense(
  key,
  buildLicenseClaims({
    issuer: 'https://oc',
    licenseId: 'lic_cli',
    orderId: 'CS1',
    orderLineId: 'CS1-1',
    productId: 'P1',
    fingerprint: FP,
    notBefore: new Date(now.getTime() - 1000),
    expiresAt: new Date(now.getTime() + 86_400_000),
  }),
);
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const licenseFile = file('license.jws', token + '\n');
const jwksFile = file('jwks.json', JSON.stringify(jwks([key])));

async function run(args: string[], fetchText?: (url: string) => Promise<string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runLicenseVerify(args, {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    fetchText,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('oneclick license verify', () => {
  it('exits 0 and prints the binding for a valid license on this machine', async () => {
    const r = await run([licenseFile, '--jwks', jwksFile, '--fingerprint', FP]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('VALID  license lic_cli');
    expect(r.out).toContain(FP);
  });

  it('reads the JWKS from a URL', async () => {
    const urls: string[] = [];
    const r = await run([licenseFile, '--jwks', 'https://oc/.well-known/jwks.json'], (u) => {
      urls.push(u);
      return Promise.resolve(JSON.stringify(jwks([key])));
    });
    expect(r.code).toBe(0);
    expect(urls).toEqual(['https://oc/.well-known/jwks.json']);
  });

  it('exits 1 for another machine and for a revoked license', async () => {
    expect(
      (await run([licenseFile, '--jwks', jwksFile, '--fingerprint', '52:54:00:12:34:57|D|B|C']))
        .out,
    ).toContain('LICENSE_FINGERPRINT_MISMATCH');
    const list = file(
      'rev.jws',
      signRevocationList(key, {
        issuer: 'https://oc',
        revoked: [{ id: 'lic_cli', at: now }],
        auditHead: GENESIS_HASH,
      }),
    );
    const r = await run([licenseFile, '--jwks', jwksFile, '--revocations', list]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('LICENSE_REVOKED');
  });

  it('exits 1 against a JWKS without the signing key', async () => {
    const other = file('other.json', JSON.stringify(jwks([generateSigningKey()])));
    const r = await run([licenseFile, '--jwks', other]);
    expect(r).toMatchObject({ code: 1 });
    expect(r.out).toContain('JWS_KEY_UNKNOWN');
  });

  it('exits 2 with usage for missing arguments and unreadable files', async () => {
    expect((await run([licenseFile])).code).toBe(2);
    expect((await run([path.join(dir, 'nope.jws'), '--jwks', jwksFile])).code).toBe(2);
    const r = await run([licenseFile, '--jwks', file('bad.json', '{"keys": 1}')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no keys array');
  });
});
