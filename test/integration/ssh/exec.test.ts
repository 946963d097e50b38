import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshSession } from '../../../src/ssh/connect.js';
import { runChecked, runCommand } from '../../../src/ssh/exec.js';
import { errorOf } from '../../helpers/errors.js';
import { startLocalSshd, type LocalSshd } from '../../helpers/ssh/local-sshd.js';

describe('running commands over a real sshd', () => {
  let sshd: LocalSshd;
  let session: SshSession;
  beforeAll(async () => {
    sshd = await startLocalSshd();
    session = await connectSsh({
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.clientKey,
    });
  });
  afterAll(async () => {
    session.close();
    await sshd.stop();
  });

  it('runs an installer with INSTALL_DIR, LICENSE_FILE and product variables', async () => {
    const res = await runChecked(session, 'echo "$INSTALL_DIR|$LICENSE_FILE|$GREETING"', {
      env: { INSTALL_DIR: '/opt/app', LICENSE_FILE: '/opt/app/license', GREETING: "it's $HOME" },
      captureStdout: true,
    });
    expect(res.stdout).toBe("/opt/app|/opt/app/license|it's $HOME\n");
  });

  it('fails an installer that exits non-zero with COMMAND_FAILED carrying its output tail', async () => {
    const err = await errorOf(
      runChecked(
        session,
        'for i in $(seq 1 5000); do echo "line $i"; done; echo "disk full" >&2; exit 7',
        {
          what: 'installer',
          tailBytes: 256,
        },
      ),
    );
    expect(err.code).toBe('COMMAND_FAILED');
    expect(err.context).toMatchObject({ exitCode: 7 });
    const tail = String(err.context?.tail);
    expect(tail).toContain('disk full');
    expect(tail).toContain('line 5000');
    expect(tail).not.toContain('line 10\n');
    expect(tail).toMatch(/bytes dropped/);
    expect(err.message).toContain('exit 7');
  });

  it('kills a command that outlives its timeout', async () => {
    const res = await runCommand(session, 'echo started; sleep 30; echo never', { timeoutMs: 500 });
    expect(res.timedOut).toBe(true);
    expect(res.exitCode).toBeNull();
    expect(res.tail).toContain('started');
    expect(res.tail).not.toContain('never');
  });

  it('refuses an environment variable name that is not a shell name', async () => {
    const err = await errorOf(runCommand(session, 'true', { env: { 'A;rm -rf /': 'x' } }));
    expect(err.code).toBe('INVALID_ENV_NAME');
  });
});
