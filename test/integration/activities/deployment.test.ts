import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { generateEd25519OpenSsh } from '../../../activities/deployment.js';

describe('per-deployment SSH key', () => {
  it('is an OpenSSH Ed25519 pair that ssh-keygen and ssh2 both read back to the same public key', () => {
    const pair = generateEd25519OpenSsh('oneclick-dep_test');
    expect(pair.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ oneclick-dep_test$/);
    const parsed = ssh2.utils.parseKey(pair.privateKey);
    if (parsed instanceof Error) throw parsed;
    expect(parsed.type).toBe('ssh-ed25519');
    expect(parsed.getPublicSSH().toString('base64')).toBe(pair.publicKey.split(' ')[1]);

    const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-key-test-'));
    try {
      const file = path.join(dir, 'id');
      writeFileSync(file, pair.privateKey, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' });
      expect(derived.trim().split(' ').slice(0, 2)).toEqual(pair.publicKey.split(' ').slice(0, 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('differs every time', () => {
    const a = generateEd25519OpenSsh('x');
    const b = generateEd25519OpenSsh('x');
    expect(a.publicKey).not.toBe(b.publicKey);
    expect(a.privateKey).not.toBe(b.privateKey);
  });
});
