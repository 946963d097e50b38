import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshSession } from '../../../src/ssh/connect.js';
import { writeRemoteFile } from '../../../src/ssh/write-file.js';
import { startLocalSshd, type LocalSshd } from '../../helpers/ssh/local-sshd.js';

describe('writing files over a real sshd', () => {
  let sshd: LocalSshd;
  let session: SshSession;
  let remote: string;
  beforeAll(async () => {
    sshd = await startLocalSshd();
    session = await connectSsh({
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.clientKey,
    });
    // The "server" shares this filesystem: the remote side is a directory sshd writes into.
    remote = mkdtempSync(path.join(tmpdir(), 'oneclick-remote-'));
  });
  afterAll(async () => {
    session.close();
    await sshd.stop();
    rmSync(remote, { recursive: true, force: true });
  });

  it('writes a license file atomically with mode 0600', async () => {
    const file = path.join(remote, 'lic/license.jws');
    await writeRemoteFile(session, file, 'eyJhbGciOiJFZERTQSJ9.payload.sig\n');
    await writeRemoteFile(session, file, 'second version\n');
    expect(readFileSync(file, 'utf8')).toBe('second version\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(['license.jws']);
  });
});
