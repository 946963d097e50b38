import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../../helpers/errors.js';
import { connectSsh, type SshSession } from '../../../src/ssh/connect.js';
import { runChecked } from '../../../src/ssh/exec.js';
import { partialPathFor, pushFile } from '../../../src/ssh/push.js';
import { randomFileSource } from '../../helpers/ssh/file-source.js';
import { startLocalSshd, type LocalSshd } from '../../helpers/ssh/local-sshd.js';

const MiB = 1024 * 1024;
const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('pushing files over a real sshd', () => {
  let sshd: LocalSshd;
  let session: SshSession;
  let local: string;
  let remote: string;
  beforeAll(async () => {
    sshd = await startLocalSshd();
    session = await connectSsh({
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.clientKey,
    });
    local = mkdtempSync(path.join(tmpdir(), 'oneclick-local-'));
    // The "server" shares this filesystem: the remote side is a directory sshd writes into.
    remote = mkdtempSync(path.join(tmpdir(), 'oneclick-remote-'));
  });
  afterAll(async () => {
    session.close();
    await sshd.stop();
    rmSync(local, { recursive: true, force: true });
    rmSync(remote, { recursive: true, force: true });
  });

  it('streams a package through tee into place with the right sha256 and skips it the second time', async () => {
    const src = randomFileSource(path.join(local, 'a.bin'), 32 * MiB + 123);
    const dst = path.join(remote, 'opt/app/a.bin');
    let last = 0;
    const first = await pushFile(session, src, {
      remotePath: dst,
      method: 'stream',
      onProgress: (b) => (last = b),
    });
    expect(first).toMatchObject({ skipped: false, bytesSent: src.sizeBytes, resumedFrom: 0 });
    expect(last).toBe(src.sizeBytes);
    expect(sha256Of(dst)).toBe(src.sha256);
    expect(statSync(dst).mode & 0o777).toBe(0o644);
    expect(readdirSync(path.dirname(dst))).toEqual(['a.bin']);
    const second = await pushFile(session, src, { remotePath: dst });
    expect(second).toMatchObject({ skipped: true, bytesSent: 0 });
  });

  it('pushes with tuned SFTP by default and verifies on the server', async () => {
    const src = randomFileSource(path.join(local, 'b.bin'), 16 * MiB + 5);
    const dst = path.join(remote, 'sftp/b.bin');
    const res = await pushFile(session, src, { remotePath: dst });
    expect(res).toMatchObject({ skipped: false, bytesSent: src.sizeBytes });
    expect(sha256Of(dst)).toBe(src.sha256);
    expect(readdirSync(path.dirname(dst))).toEqual(['b.bin']);
  });

  it('resumes from the bytes a broken push left and ends with the right sha256', async () => {
    const src = randomFileSource(path.join(local, 'c.bin'), 8 * MiB);
    const dst = path.join(remote, 'resume/c.bin');
    const part = partialPathFor(dst, src.sha256);
    rmSync(path.dirname(dst), { recursive: true, force: true });
    await runChecked(session, `mkdir -p ${path.dirname(dst)}`);
    writeFileSync(`${part}.earlier`, src.data.subarray(0, 3 * MiB));
    const res = await pushFile(session, src, { remotePath: dst, method: 'stream' });
    expect(res).toMatchObject({ resumedFrom: 3 * MiB, bytesSent: 5 * MiB, skipped: false });
    expect(sha256Of(dst)).toBe(src.sha256);
    expect(readdirSync(path.dirname(dst))).toEqual(['c.bin']);
  });

  it('keeps the installed file intact when a writer from a dead session appends late', async () => {
    const src = randomFileSource(path.join(local, 'stale.bin'), 16 * MiB);
    const dst = path.join(remote, 'stale/stale.bin');
    const part = `${partialPathFor(dst, src.sha256)}.dead`;
    await runChecked(session, `mkdir -p ${path.dirname(dst)}`);
    writeFileSync(part, src.data.subarray(0, 4 * MiB));
    // Like a tee whose session died with a cut link: it holds the part file open and writes
    // what was still buffered once the new push has already started.
    const stale = spawn('sh', [
      '-c',
      `exec 3>>'${part}'; sleep 1.5; head -c 1048576 /dev/urandom >&3`,
    ]);
    const exited = new Promise((r) => stale.once('exit', r));
    const res = await pushFile(session, src, { remotePath: dst, method: 'stream' });
    await exited;
    expect(res.resumedFrom).toBe(4 * MiB);
    expect(sha256Of(dst)).toBe(src.sha256);
    expect(readdirSync(path.dirname(dst))).toEqual(['stale.bin']);
  });

  it('throws away a corrupt partial file, and the retry then succeeds', async () => {
    const src = randomFileSource(path.join(local, 'd.bin'), 4 * MiB);
    const dst = path.join(remote, 'corrupt/d.bin');
    const part = partialPathFor(dst, src.sha256);
    await runChecked(session, `mkdir -p ${path.dirname(dst)}`);
    const wrong = Buffer.from(src.data.subarray(0, MiB));
    wrong[10] = wrong[10]! ^ 0xff;
    writeFileSync(`${part}.earlier`, wrong);
    const err = await errorOf(pushFile(session, src, { remotePath: dst, method: 'stream' }));
    expect(err.code).toBe('PUSH_CHECKSUM_MISMATCH');
    expect(err.retryable).toBe(true);
    expect(readdirSync(path.dirname(dst))).toEqual([]);
    const retry = await pushFile(session, src, { remotePath: dst, method: 'stream' });
    expect(retry.resumedFrom).toBe(0);
    expect(sha256Of(dst)).toBe(src.sha256);
  });

  it('stops promptly when cancelled mid-push and never puts a partial file in place', async () => {
    const src = randomFileSource(path.join(local, 'e.bin'), 256 * MiB);
    const dst = path.join(remote, 'cancel/e.bin');
    const ac = new AbortController();
    let seen = 0;
    const err = await errorOf(
      pushFile(session, src, {
        remotePath: dst,
        method: 'stream',
        signal: ac.signal,
        onProgress: (b) => {
          seen = b;
          if (b > 8 * MiB) ac.abort();
        },
      }),
    );
    expect(err.code).toBe('CANCELLED');
    expect(seen).toBeLessThan(src.sizeBytes);
    expect(existsSync(dst)).toBe(false);
    // The same session still works after the cancelled channel.
    const after = await runChecked(session, 'echo alive', { captureStdout: true });
    expect(after.stdout).toBe('alive\n');
  });

  it('resumes an SFTP push below the last requests that may have been in flight', async () => {
    const src = randomFileSource(path.join(local, 'g.bin'), 48 * MiB);
    const dst = path.join(remote, 'sftp-resume/g.bin');
    const part = partialPathFor(dst, src.sha256);
    await runChecked(session, `mkdir -p ${path.dirname(dst)}`);
    writeFileSync(part, src.data.subarray(0, 40 * MiB));
    const window = 8 * 64 * 1024;
    const res = await pushFile(session, src, {
      remotePath: dst,
      method: 'sftp',
      sftpConcurrency: 8,
      sftpChunkSize: 64 * 1024,
    });
    expect(res.resumedFrom).toBe(40 * MiB - window);
    expect(res.bytesSent).toBe(8 * MiB + window);
    expect(sha256Of(dst)).toBe(src.sha256);
    expect(readdirSync(path.dirname(dst))).toEqual(['g.bin']);
  });

  it('throws away a corrupt SFTP partial file, and the retry then succeeds', async () => {
    const src = randomFileSource(path.join(local, 'h.bin'), 24 * MiB);
    const dst = path.join(remote, 'sftp-corrupt/h.bin');
    const part = partialPathFor(dst, src.sha256);
    await runChecked(session, `mkdir -p ${path.dirname(dst)}`);
    const wrong = Buffer.from(src.data.subarray(0, 20 * MiB));
    wrong[100] = wrong[100]! ^ 0xff;
    writeFileSync(part, wrong);
    const err = await errorOf(pushFile(session, src, { remotePath: dst, method: 'sftp' }));
    expect(err.code).toBe('PUSH_CHECKSUM_MISMATCH');
    expect(existsSync(part)).toBe(false);
    await pushFile(session, src, { remotePath: dst, method: 'sftp' });
    expect(sha256Of(dst)).toBe(src.sha256);
  });

  it('stops an SFTP push promptly when cancelled', async () => {
    const src = randomFileSource(path.join(local, 'i.bin'), 256 * MiB);
    const dst = path.join(remote, 'sftp-cancel/i.bin');
    const ac = new AbortController();
    let seen = 0;
    const err = await errorOf(
      pushFile(session, src, {
        remotePath: dst,
        method: 'sftp',
        signal: ac.signal,
        onProgress: (b) => {
          seen = b;
          if (b > 8 * MiB) ac.abort();
        },
      }),
    );
    expect(err.code).toBe('CANCELLED');
    expect(seen).toBeLessThan(src.sizeBytes);
    expect(existsSync(dst)).toBe(false);
  });

  it('refuses a relative remote path with INVALID_REMOTE_PATH', async () => {
    const src = randomFileSource(path.join(local, 'f.bin'), 10);
    const err = await errorOf(pushFile(session, src, { remotePath: 'relative/f.bin' }));
    expect(err.code).toBe('INVALID_REMOTE_PATH');
  });
});
