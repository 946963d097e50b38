/**
 * License 1.0 issuance per core: OneClick's path (claims → Ed25519 JWS via node:crypto with a
 * KeyObject parsed once) against node-forge RSA-2048 PKCS#1 v1.5 signing of the same signing
 * input (what a forge-based issuer would do). Both run in this process, one after the other, on
 * one core; the printed ratio is what matters (target >= 500x), not the absolute numbers.
 *
 *   npx tsx bench/license-issuance.ts [seconds-per-case=3]
 */
import { loadavg } from 'node:os';
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { generateSigningKey } from '../src/license/keys.js';
import { buildLicenseClaims, signLicense } from '../src/license/license-document.js';

const seconds = Number(process.argv[2] ?? 3);

function measure(name: string, fn: (i: number) => unknown): number {
  // Warm up (JIT, lazy init) before timing.
  const warmEnd = performance.now() + 300;
  for (let i = 0; performance.now() < warmEnd; i++) fn(i);
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    fn(n);
    n++;
  }
  const elapsed = (performance.now() - start) / 1000;
  const rate = n / elapsed;
  console.log(
    `${name.padEnd(52)} ${rate.toFixed(1).padStart(10)} ops/s  ${((elapsed / n) * 1e6).toFixed(1).padStart(9)} µs/op`,
  );
  return rate;
}

const ed = generateSigningKey('EdDSA');
const now = Date.now();
const claimsFor = (i: number) =>
  buildLicenseClaims({
    issuer: 'https://oneclick.example',
    licenseId: `lic_${i}`,
    orderId: 'CS2411240001',
    orderLineId: 'CS2411240001-000001',
    productId: 'OFFI740000000001',
    sku: 'SKU-STD',
    fingerprint: '52:54:00:AB:CD:EF|DISK-0001|BOARD-0001|CPU-0001',
    notBefore: new Date(now),
    expiresAt: new Date(now + 365 * 86_400_000),
    features: { seats: 10, edition: 'pro' },
  });

const sample = signLicense(ed, claimsFor(0));
const signingInput = sample.slice(0, sample.lastIndexOf('.'));

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();
const forgeKey = forge.pki.privateKeyFromPem(rsaPem);

console.log(
  `node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, ${seconds}s per case, license ${sample.length} bytes`,
);
const oneclick = measure('OneClick License 1.0 issuance (claims + Ed25519 JWS)', (i) =>
  signLicense(ed, claimsFor(i)),
);
const forgeRate = measure('node-forge RSA-2048 PKCS#1 v1.5 sign (same input)', () => {
  const md = forge.md.sha256.create();
  md.update(signingInput, 'utf8');
  return forgeKey.sign(md);
});
const ratio = oneclick / forgeRate;
console.log(
  `ratio: ${ratio.toFixed(0)}x (target >= 500x) ${ratio >= 500 ? 'PASS' : 'BELOW TARGET'}`,
);
