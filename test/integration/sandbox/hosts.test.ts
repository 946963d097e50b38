import { testKeyPair } from '../../helpers/ssh-keys.js';
import { sshExec } from '../../helpers/ssh-exec.js';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { ConnectConfig } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  drainSandboxHostPool,
  prewarmSandboxHosts,
  sandboxHostPoolSize,
  startSandboxHost,
  type SandboxHost,
} from '../../../src/sandbox/hosts.js';
import { AppError } from '../../../src/errors.js';

const PASSWORD = 'Sandb0x!pass';

function portAnswers(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: 500 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

/** Names of the network namespaces on this machine (exact names, not substrings). */
const netnsList = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);

/**
 * Which of `paths` exist on this machine; removes those (a sandbox host must never have written
 * them here), so a failing run leaves nothing behind either.
 */
function leakedToThisMachine(paths: string[]): string[] {
  const leaked = paths.filter((p) => existsSync(p));
  for (const p of leaked) rmSync(p, { recursive: true, force: true });
  return leaked;
}

describe('sandbox hosts', () => {
  const keys = testKeyPair();
  let a: SandboxHost;
  let b: SandboxHost;

  beforeAll(async () => {
    [a, b] = await Promise.all([
      startSandboxHost({
        id: 'host-a',
        hostname: 'host-a',
        authorizedKeys: [keys.public],
        rootPassword: PASSWORD,
      }),
      startSandboxHost({ id: 'host-b', hostname: 'host-b', rootPassword: 'Other!pass9' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });
  const cfgA = (): ConnectConfig => ({
    host: a.ip,
    port: a.sshPort,
    username: 'root',
    password: PASSWORD,
  });
  const cfgB = (): ConnectConfig => ({
    host: b.ip,
    port: b.sshPort,
    username: 'root',
    password: 'Other!pass9',
  });

  it('logs in as root with the authorized key and with the root password', async () => {
    const viaKey = await sshExec(
      { host: a.ip, port: a.sshPort, username: 'root', privateKey: keys.private },
      'hostname; id -u',
    );
    expect(viaKey.split('\n').slice(0, 2)).toEqual(['host-a', '0']);
    const viaPassword = await sshExec(
      { host: a.ip, port: a.sshPort, username: 'root', password: PASSWORD },
      'hostname',
    );
    expect(viaPassword.trim()).toBe('host-a');
  });

  it('refuses a wrong password and a key that is not authorized', async () => {
    await expect(
      sshExec({ host: a.ip, port: a.sshPort, username: 'root', password: 'wrong' }, 'true'),
    ).rejects.toThrow(/authentication/i);
    await expect(
      sshExec({ host: b.ip, port: b.sshPort, username: 'root', privateKey: keys.private }, 'true'),
    ).rejects.toThrow(/authentication/i);
  });

  it('gives each host its own address, MAC, hostname, machine-id and /opt', async () => {
    const cfgA = { host: a.ip, port: a.sshPort, username: 'root', password: PASSWORD };
    const cfgB = { host: b.ip, port: b.sshPort, username: 'root', password: 'Other!pass9' };
    const script =
      'hostname; cat /etc/machine-id; cat /sys/class/net/eth0/address; ' +
      'ip -4 -o addr show eth0 | grep -o "inet [0-9.]*"; echo x > /opt/marker; ls /opt';
    const [outA, outB] = await Promise.all([sshExec(cfgA, script), sshExec(cfgB, 'ls /opt')]);
    const [hostname, machineId, mac, inet, opt] = outA.trim().split('\n');
    expect(hostname).toBe('host-a');
    expect(machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(machineId).not.toBe(
      execFileSync('cat', ['/etc/machine-id'], { encoding: 'utf8' }).trim(),
    );
    expect(mac).toBe(a.mac);
    expect(inet).toBe(`inet ${a.ip}`);
    expect(opt).toBe('marker');
    expect(outB.trim()).toBe('');
    expect(a.ip).toMatch(/^198\.(18|19)\./);
    expect(a.ip).not.toBe(b.ip);
    expect(a.mac).not.toBe(b.mac);
  });

  it('keeps a file written to /etc, /var/tmp or /usr/local on its own host: not on another, not on this machine', async () => {
    const tag = `oc-test-${randomUUID()}`;
    const paths = [`/etc/${tag}`, `/var/tmp/${tag}`, `/usr/local/${tag}`];
    try {
      await sshExec(cfgA(), paths.map((p) => `echo a > ${p}`).join(' && '));
      expect(await sshExec(cfgA(), `cat ${paths.join(' ')}`)).toBe('a\na\na\n');
      expect(await sshExec(cfgB(), `ls ${paths.join(' ')} 2>/dev/null; echo none`)).toBe('none\n');
    } finally {
      expect(leakedToThisMachine(paths)).toEqual([]);
    }
  });

  it('gives two hosts their own file at the same path (one license each)', async () => {
    // What two deployments of one product do: the same license path on two servers.
    const dir = `/etc/oc-test-${randomUUID()}`;
    const write = (cfg: ConnectConfig, text: string) =>
      sshExec(cfg, `mkdir -p ${dir} && printf '${text}' > ${dir}/license.jws`);
    try {
      await Promise.all([write(cfgA(), 'license-of-a'), write(cfgB(), 'license-of-b')]);
      const read = `cat ${dir}/license.jws`;
      expect(await sshExec(cfgA(), read)).toBe('license-of-a');
      expect(await sshExec(cfgB(), read)).toBe('license-of-b');
    } finally {
      expect(leakedToThisMachine([dir])).toEqual([]);
    }
  });

  it("sees this machine's files, but its writes and deletions never reach them", async () => {
    const file = `/usr/local/oc-test-${randomUUID()}`;
    writeFileSync(file, 'machine');
    try {
      expect(await sshExec(cfgA(), `cat ${file}; echo host > ${file}; cat ${file}`)).toBe(
        'machinehost\n',
      );
      expect(await sshExec(cfgB(), `rm ${file} && ls ${file} 2>/dev/null; echo gone`)).toBe(
        'gone\n',
      );
      expect(readFileSync(file, 'utf8')).toBe('machine');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("runs in a root of its own: its own processes, a read-only /sys, none of this machine's /run", async () => {
    const run = (command: string) => sshExec(cfgA(), command).then((out) => out.trim());
    expect(await run('cat /proc/1/comm')).toBe('sshd');
    // sshd, this session's sshd, its shell, ls and grep: no process of this machine's.
    expect(Number(await run('ls /proc | grep -c "^[0-9]"'))).toBeLessThan(10);
    expect(await run('touch /sys/x 2>/dev/null && echo writable || echo read-only')).toBe(
      'read-only',
    );
    expect(await run('ls -A /root /tmp')).toBe('/root:\n.ssh\n\n/tmp:');
    expect(await run('ls -d /run/oneclick-sandbox /run/netns 2>/dev/null; echo end')).toBe('end');
  });

  it('leaves nothing of a deleted host on disk', async () => {
    const h = await startSandboxHost({ id: 'wiped', hostname: 'wiped', rootPassword: PASSWORD });
    const dir = `/run/oneclick-sandbox/host-${h.netns.replace('oc-sbx-', '')}`;
    const paths = [`/etc/${randomUUID()}`, `/var/tmp/${randomUUID()}`];
    try {
      await sshExec(
        { host: h.ip, port: h.sshPort, username: 'root', password: PASSWORD },
        paths.map((p) => `head -c 1048576 /dev/zero > ${p}`).join(' && '),
      );
      // Written on the host's own layer, under its directory...
      for (const p of paths) expect(existsSync(`${dir}/upper${p}`)).toBe(true);
    } finally {
      await h.stop();
    }
    // ...which goes with it, and nothing reached this machine's tree.
    expect(existsSync(dir)).toBe(false);
    expect(leakedToThisMachine(paths)).toEqual([]);
  });

  it('cuts and restores the network with setLinkUp', async () => {
    await a.setLinkUp(false);
    expect(await portAnswers(a.ip, a.sshPort)).toBe(false);
    await a.setLinkUp(true);
    // Like a cable plugged back in: the neighbour entry is re-learnt, so give it a moment.
    await expect.poll(() => portAnswers(a.ip, a.sshPort), { timeout: 10_000 }).toBe(true);
  });

  it('starts sshd only after the boot delay', async () => {
    const slow = await startSandboxHost({ id: 'slow', hostname: 'slow', bootDelayMs: 3000 });
    try {
      expect(await portAnswers(slow.ip, slow.sshPort)).toBe(false);
      await expect.poll(() => portAnswers(slow.ip, slow.sshPort), { timeout: 15_000 }).toBe(true);
    } finally {
      await slow.stop();
    }
  });

  it('removes the namespaces and stops sshd on stop', async () => {
    const h = await startSandboxHost({ id: 'gone', hostname: 'gone', rootPassword: PASSWORD });
    expect(netnsList()).toContain(h.netns);
    await h.stop();
    expect(netnsList()).not.toContain(h.netns);
    expect(await portAnswers(h.ip, h.sshPort)).toBe(false);
    await h.stop(); // idempotent
  });

  it('leaves no process behind when stopped while it is still booting', async () => {
    const h = await startSandboxHost({ id: 'early', hostname: 'early', bootDelayMs: 2000 });
    await h.stop();
    expect(netnsList()).not.toContain(h.netns);
    // Nothing on the machine may still run for this host: its commands name its namespace or
    // its directory.
    const dir = `/run/oneclick-sandbox/host-${h.netns.replace('oc-sbx-', '')}/`;
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps.split('\n').filter((l) => l.includes(`${h.netns} `) || l.includes(dir))).toEqual([]);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await portAnswers(h.ip, h.sshPort)).toBe(false);
  });

  it('boots on a pre-wired namespace from the warm pool and drains the rest', async () => {
    await prewarmSandboxHosts(2);
    expect(sandboxHostPoolSize()).toBe(2);
    const h = await startSandboxHost({ id: 'warm', hostname: 'warm', rootPassword: PASSWORD });
    try {
      expect(sandboxHostPoolSize()).toBe(1);
      const out = await sshExec(
        { host: h.ip, port: h.sshPort, username: 'root', password: PASSWORD },
        'hostname',
      );
      expect(out.trim()).toBe('warm');
    } finally {
      await h.stop();
      await drainSandboxHostPool();
    }
    expect(sandboxHostPoolSize()).toBe(0);
  });

  it('refuses a bad hostname or key with a clear code', async () => {
    await expect(startSandboxHost({ id: 'x', hostname: 'bad name' })).rejects.toMatchObject({
      code: 'INVALID_HOSTNAME',
    });
    await expect(
      startSandboxHost({ id: 'x', hostname: 'ok', authorizedKeys: ['not a key\nroot'] }),
    ).rejects.toBeInstanceOf(AppError);
  });
});
