import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The README's "verify with openssl alone" commands, run verbatim through bash, so the documented
 * procedure is what the tests prove. Returns openssl's exit status and output.
 */
export const OPENSSL_VERIFY_SCRIPT =
  String.raw`
set -u
b64url_decode() { s=$(tr '_-' '/+'); while [ $(( $` +
  '{#s}' +
  String.raw` % 4 )) -ne 0 ]; do s="$s="; done; printf '%s' "$s" | openssl base64 -d -A; }
cut -d. -f1,2 license.jws | tr -d '\n' > signed-input
cut -d. -f3 license.jws | tr -d '\n' | b64url_decode > signature.bin
case "$ALG" in
  EdDSA) openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in signed-input -sigfile signature.bin ;;
  RS256) openssl dgst -sha256 -verify key.pem -signature signature.bin signed-input ;;
  PS256) openssl dgst -sha256 -verify key.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -signature signature.bin signed-input ;;
esac
`;

/** Runs the documented openssl verification of `token` against `publicKeyPem`. */
export function opensslVerify(
  token: string,
  publicKeyPem: string,
  alg: string,
): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'oc-openssl-'));
  try {
    writeFileSync(path.join(dir, 'license.jws'), token);
    writeFileSync(path.join(dir, 'key.pem'), publicKeyPem);
    try {
      const out = execFileSync('bash', ['-c', OPENSSL_VERIFY_SCRIPT], {
        cwd: dir,
        env: { ...process.env, ALG: alg },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { ok: true, output: out.toString() };
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      return { ok: false, output: `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs openssl with arguments in a directory holding the given files; returns stdout. */
export function openssl(args: string[], files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'oc-openssl-'));
  try {
    for (const [name, content] of Object.entries(files))
      writeFileSync(path.join(dir, name), content);
    return execFileSync('openssl', args, {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
