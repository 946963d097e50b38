import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createHuaweiCloud } from '../../../src/cloud/huawei-cloud.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import { SLOT_DIR } from '../../../src/sandbox/hosts/layout.js';
import {
  removePersistentSandbox,
  startSandboxCloud,
  type SandboxCloud,
} from '../../../src/sandbox/sandbox-cloud.js';
import { createBuyerResources } from '../../helpers/provision-harness.js';
import { sshExec } from '../../helpers/ssh-exec.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const PASSWORD = 'Persist-9ent!Pass';

const netns = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);

/** Slot locks that name this state directory's file. */
const keptSlots = (stateDir: string) =>
  (existsSync(SLOT_DIR) ? readdirSync(SLOT_DIR) : []).filter((slot) => {
    try {
      return execFileSync('cat', [path.join(SLOT_DIR, slot)], { encoding: 'utf8' }).includes(
        stateDir,
      );
    } catch {
      return false;
    }
  });

const root = (ip: string, command: string) =>
  sshExec({ host: ip, port: 22, username: 'root', password: PASSWORD }, command);

describe('a persistent sandbox cloud (what `oneclick start` runs)', () => {
  const dirs: string[] = [];
  const clouds: SandboxCloud[] = [];
  afterAll(async () => {
    for (const c of clouds) await c.stop();
    for (const d of dirs) await removePersistentSandbox(d);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const stateDir = async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'oneclick-sbx-state-'));
    dirs.push(d);
    return d;
  };
  const start = async (dir: string, delays = {}) => {
    const c = await startSandboxCloud({ stateDir: dir, delays });
    clouds.push(c);
    return c;
  };

  it('comes back after a stop with the same endpoint, keys and resources, its server still running with its files', async () => {
    const dir = await stateDir();
    const first = await start(dir);
    const adapter = createHuaweiCloud({ ...first, pollMs: 20 });
    const made = await createBuyerResources(adapter, {
      name: 'keep',
      net: 21,
      adminPass: PASSWORD,
    });
    const ip = first.emulator.hostOf(made.serverId)!.ip;
    await root(ip, 'echo written-before > /etc/persist-marker');
    await first.stop();

    // Stopped, the cloud answers nothing, but its server keeps running.
    await expect(fetch(`${first.ecsEndpoint}/_sandbox/inventory`)).rejects.toThrow();
    expect((await root(ip, 'cat /etc/persist-marker')).trim()).toBe('written-before');

    const second = await start(dir);
    expect({
      endpoint: second.ecsEndpoint,
      ak: second.ak,
      sk: second.sk,
      project: second.projectId,
    }).toEqual({
      endpoint: first.ecsEndpoint,
      ak: first.ak,
      sk: first.sk,
      project: first.projectId,
    });
    expect(second.resumedServers).toBe(1);
    const inv = second.inventory();
    expect(inv.vpcs.map((v) => v.id)).toEqual([made.vpcId]);
    expect(inv.subnets.map((s) => s.id)).toEqual([made.subnetId]);
    expect(inv.securityGroups.map((g) => g.id)).toEqual([made.securityGroupId]);
    // The API shows the address inside the subnet; the host's link address stays the same.
    expect(inv.servers.map((s) => [s.id, s.status, s.ip, s.hostRunning])).toEqual([
      [made.serverId, 'ACTIVE', expect.stringMatching(/^172\.21\.5\./), true],
    ]);
    expect(second.emulator.hostOf(made.serverId)?.ip).toBe(ip);

    // The SDK sees the same cloud, and deleting the server stops its host.
    const again = createHuaweiCloud({ ...second, pollMs: 20 });
    expect((await again.showServer(made.serverId))?.status).toBe('ACTIVE');
    const netnsName = second.emulator.hostOf(made.serverId)!.netns;
    await again.waitJob((await again.deleteServers([made.serverId]))!);
    expect(netns()).not.toContain(netnsName);
    expect(keptSlots(dir)).toEqual([]);
  });

  it('survives a kill -9 of the process that ran it', async () => {
    const dir = await stateDir();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/persistent-sandbox-process.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, SANDBOX_STATE_DIR: dir, SANDBOX_ADMIN_PASS: PASSWORD },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`sandbox process exited ${code}`)));
    });
    const { endpoint, serverId, ip } = JSON.parse(line) as {
      endpoint: string;
      serverId: string;
      ip: string;
    };
    await root(ip, 'echo before-the-crash > /var/tmp/marker');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect((await root(ip, 'cat /var/tmp/marker')).trim()).toBe('before-the-crash');

    const cloud = await start(dir);
    expect(cloud.ecsEndpoint).toBe(endpoint);
    expect(cloud.inventory().servers.map((s) => [s.id, s.status, s.hostRunning])).toEqual([
      [serverId, 'ACTIVE', true],
    ]);
    expect(cloud.emulator.hostOf(serverId)?.ip).toBe(ip);
  });

  it('fails a creation that a stop interrupted, and shows a server whose host is gone in ERROR', async () => {
    const dir = await stateDir();
    const first = await start(dir);
    const adapter = createHuaweiCloud({ ...first, pollMs: 20 });
    const made = await createBuyerResources(adapter, {
      name: 'lost',
      net: 22,
      adminPass: PASSWORD,
    });
    const lostNetns = first.emulator.hostOf(made.serverId)!.netns;
    await first.stop();

    // A slow build, interrupted by a stop.
    const slow = await start(dir, { serverBuildMs: 60_000 });
    const building = await createHuaweiCloud({ ...slow, pollMs: 20 }).createServer({
      name: 'interrupted',
      imageRef: DEFAULT_IMAGE_ID,
      flavorRef: DEFAULT_FLAVOR,
      vpcId: made.vpcId,
      subnetId: made.subnetId,
      securityGroupIds: [],
      clientToken: randomUUID(),
    });
    await slow.stop();
    // Meanwhile the first server's host dies (as with a restart of this machine).
    execFileSync('sh', ['-c', `for p in $(ip netns pids ${lostNetns}); do kill -9 $p; done`]);

    const third = await start(dir);
    const job = await createHuaweiCloud({ ...third, pollMs: 20 }).showJob(building.jobId);
    expect([job.status, job.errorCode]).toEqual(['FAIL', 'Ecs.0015']);
    const servers = third.inventory().servers;
    expect(servers.map((s) => [s.id, s.status, s.hostRunning])).toEqual([
      [made.serverId, 'ERROR', false],
    ]);
    expect(servers[0]!.fault?.message).toMatch(/host behind this server is gone/);
    expect(keptSlots(dir)).toEqual([]);
  });

  it('refuses a second process on the same state, and `sandbox stop` removes every server and the state', async () => {
    const dir = await stateDir();
    const cloud = await start(dir);
    await expect(startSandboxCloud({ stateDir: dir })).rejects.toMatchObject({
      code: 'SANDBOX_IN_USE',
    });
    const adapter = createHuaweiCloud({ ...cloud, pollMs: 20 });
    const made = await createBuyerResources(adapter, { name: 'gone', net: 23 });
    const host = cloud.emulator.hostOf(made.serverId)!;
    await expect(removePersistentSandbox(dir)).rejects.toMatchObject({ code: 'SANDBOX_IN_USE' });
    await cloud.stop();
    expect(netns()).toContain(host.netns);
    expect(await removePersistentSandbox(dir)).toBe(1);
    expect(netns()).not.toContain(host.netns);
    expect(existsSync(dir)).toBe(false);
    expect(keptSlots(dir)).toEqual([]);
  });
});
