import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, waitForSsh, type SshTarget } from '../../../src/ssh/connect.js';
import { errorOf } from '../../helpers/errors.js';
import { startLocalSshd, freePort, type LocalSshd } from '../../helpers/ssh/local-sshd.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function targetOf(sshd: LocalSshd, extra: Partial<SshTarget> = {}): SshTarget {
  return {
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKey: sshd.clientKey,
    ...extra,
  };
}

describe('SSH connect (real OpenSSH sshd)', () => {
  let sshd: LocalSshd;
  beforeAll(async () => {
    sshd = await startLocalSshd();
  });
  afterAll(async () => {
    await sshd.stop();
  });

  it('logs in with a key and reports the host key as ssh-keygen prints it', async () => {
    const session = await connectSsh(targetOf(sshd));
    try {
      expect(session.hostKey).toBe(sshd.hostKeyFingerprint);
      expect(session.hostKey).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    } finally {
      session.close();
    }
  });

  it('accepts the pinned host key', async () => {
    const session = await connectSsh(targetOf(sshd, { expectedHostKey: sshd.hostKeyFingerprint }));
    session.close();
    expect(session.hostKey).toBe(sshd.hostKeyFingerprint);
  });

  it('stops with non-retryable HOST_KEY_MISMATCH when the pinned key differs', async () => {
    const pinned = 'SHA256:' + 'A'.repeat(43);
    const err = await errorOf(
      waitForSsh(targetOf(sshd, { expectedHostKey: pinned, serverId: 'srv-1' }), {
        deadline: Date.now() + 30_000,
        retryDelayMs: 100,
      }),
    );
    expect(err.code).toBe('HOST_KEY_MISMATCH');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(sshd.hostKeyFingerprint);
  });

  it('fails authentication with a key the server does not know, finally once the boot window is over', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
    const strangerKey = readFileSync(path.join(dir, 'k'), 'utf8');
    rmSync(dir, { recursive: true });
    let attempts = 0;
    const err = await errorOf(
      waitForSsh(targetOf(sshd, { privateKey: strangerKey }), {
        deadline: Date.now() + 60_000,
        authRetryUntil: Date.now() + 600,
        retryDelayMs: 200,
        onAttempt: () => attempts++,
      }),
    );
    expect(err.code).toBe('SSH_AUTH_FAILED');
    expect(err.retryable).toBe(false);
    expect(attempts).toBeGreaterThan(1);
    expect(err.message).not.toContain('PRIVATE KEY');
  });

  it('never puts the password in the error when a password login fails', async () => {
    const secret = 'hunter2-very-secret';
    const err = await errorOf(
      connectSsh({ host: sshd.host, port: sshd.port, username: sshd.username, password: secret }),
    );
    expect(err.code).toBe('SSH_AUTH_FAILED');
    expect(JSON.stringify({ m: err.message, c: err.context })).not.toContain(secret);
  });

  it('refuses a target without credentials with SSH_NO_CREDENTIALS', async () => {
    const err = await errorOf(connectSsh({ host: sshd.host, port: sshd.port, username: 'root' }));
    expect(err.code).toBe('SSH_NO_CREDENTIALS');
  });

  it('gives up with retryable SSH_UNREACHABLE when nothing listens before the deadline', async () => {
    const port = await freePort();
    const err = await errorOf(
      waitForSsh(
        { host: '127.0.0.1', port, username: 'root', privateKey: sshd.clientKey },
        { deadline: Date.now() + 800, retryDelayMs: 200 },
      ),
    );
    expect(err.code).toBe('SSH_UNREACHABLE');
    expect(err.retryable).toBe(true);
  });
});

describe('SSH connect to a server that is still booting', () => {
  it('keeps retrying with fresh clients until the late sshd answers', async () => {
    const late = await startLocalSshd({ startDelayMs: 2_500 });
    try {
      let attempts = 0;
      const session = await waitForSsh(targetOf(late), {
        deadline: Date.now() + 60_000,
        retryDelayMs: 250,
        onAttempt: () => attempts++,
      });
      session.close();
      expect(session.hostKey).toBe(late.hostKeyFingerprint);
      expect(attempts).toBeGreaterThan(1);
    } finally {
      await late.stop();
    }
  });

  it('tries SSH again as soon as a refusing port listens, not a retry pause later', async () => {
    const late = await startLocalSshd({ startDelayMs: 1_500 });
    try {
      let attempts = 0;
      // The pause after a failed attempt outlasts the deadline: only the port probe can find it.
      const session = await waitForSsh(targetOf(late), {
        deadline: Date.now() + 30_000,
        retryDelayMs: 120_000,
        probeIntervalMs: 100,
        onAttempt: () => attempts++,
      });
      session.close();
      expect(session.hostKey).toBe(late.hostKeyFingerprint);
      expect(attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await late.stop();
    }
  });

  it('detects a host key that changed after the first contact', async () => {
    const server = await startLocalSshd();
    try {
      const first = await connectSsh(targetOf(server));
      first.close();
      await server.regenerateHostKey();
      const err = await errorOf(connectSsh(targetOf(server, { expectedHostKey: first.hostKey })));
      expect(err.code).toBe('HOST_KEY_MISMATCH');
    } finally {
      await server.stop();
    }
  });
});
