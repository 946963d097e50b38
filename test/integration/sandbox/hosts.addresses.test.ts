import { sshExec } from '../../helpers/ssh-exec.js';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressClaimPath,
  adoptSandboxHost,
  claimAddressForProcess,
  cleanupStaleSandboxHosts,
  releaseProcessAddress,
  startSandboxHost,
  type SandboxHost,
} from '../../../src/sandbox/hosts.js';

const PASSWORD = 'Sandb0x!pass';

/** How a connection to ip:22 ends: `open`, or the socket error's code. */
function connectOutcome(ip: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port: 22, timeout: 3000 });
    s.once('connect', () => (s.destroy(), resolve('open')));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.once('timeout', () => (s.destroy(), resolve('timeout')));
  });
}

/** The hostname a host answers with over SSH on `ip` (a full handshake and a login). */
const hostnameAt = (ip: string) =>
  sshExec({ host: ip, port: 22, username: 'root', password: PASSWORD }, 'hostname').then((out) =>
    out.trim(),
  );

/**
 * Whether a login on `ip` fails. Not whether a TCP connection fails: a private address no host
 * holds is not fenced (this machine may sit on such a network), so it takes the default route,
 * and whatever lies there may accept connections.
 */
const loginFails = (ip: string) =>
  sshExec(
    { host: ip, port: 22, username: 'root', password: PASSWORD, readyTimeout: 5000 },
    'hostname',
  ).then(
    () => false,
    () => true,
  );

/** Which device this machine sends traffic for `ip` through ('' when it has no route). */
const deviceTo = (ip: string) =>
  /\bdev (\S+)/.exec(spawnSync('ip', ['route', 'get', ip], { encoding: 'utf8' }).stdout)?.[1] ?? '';

/** This machine's routes to exactly `ip`/32. */
const routesTo = (ip: string) =>
  execFileSync('ip', ['route', 'show', `${ip}/32`], { encoding: 'utf8' }).trim();

const claimOwner = (ip: string) =>
  existsSync(addressClaimPath(ip)) ? readFileSync(addressClaimPath(ip), 'utf8').trim() : undefined;

/** The last octet of an IPv4 address. */
const lastOctet = (ip: string) => Number(ip.split('.')[3]);

/**
 * Test subnets: /24s in 172.24.0.0/13, at a place drawn once per run, so other test files' VPCs
 * (and another run of this file at the same time) rarely share one. `k` tells the tests apart.
 */
const RUN_BASE = Math.floor(Math.random() * 2048);
function testNet(k: number): { prefix: string; cidr: string; gateway: string } {
  const n = (RUN_BASE + k * 97) % 2048;
  const prefix = `172.${24 + (n >> 8)}.${n & 255}`;
  return { prefix, cidr: `${prefix}.0/24`, gateway: `${prefix}.1` };
}

/**
 * Candidate EIP addresses from the top of the EIPs' 198.19.252.0/22 down: the emulator's EIP pool
 * hands addresses out from the bottom, so a sandbox cloud running in parallel does not race this file.
 */
const eipCandidates = () => Array.from({ length: 100 }, (_, i) => `198.19.255.${250 - i}`);

/** Dotted IPv4 to a number and back. */
const toNum = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const toIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** This machine's eth0 network as read from os.networkInterfaces(): its base and prefix. */
const ETH0 = (() => {
  const info = networkInterfaces().eth0?.find((i) => i.family === 'IPv4');
  if (!info) return undefined;
  const prefix = Number(info.cidr?.split('/')[1]);
  const size = 2 ** (32 - prefix);
  return {
    address: info.address,
    prefix,
    base: toNum(info.address) - (toNum(info.address) % size),
  };
})();

/** This machine's default gateway ('' when it has none). */
const defaultGateway = () =>
  /^default via (\S+)/m.exec(execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' }))?.[1] ?? '';

/** An address of eth0's network that is neither this machine's nor its gateway: a neighbour's. */
const eth0Neighbour = (eth0: { address: string; base: number }) =>
  [2, 3, 4]
    .map((k) => toIp(eth0.base + k))
    .find((ip) => ip !== eth0.address && ip !== defaultGateway()) ?? '';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const HOSTS_MODULE = path.join(ROOT, 'src/sandbox/hosts.ts');

interface Holder {
  ip: string;
  eip: string;
  own: string;
  slot: number;
  veth: string;
  child: ChildProcess;
}

/**
 * Whether anything of a holder process is left on `ip`: its claim (the process's or its host's),
 * or a route through its host's link. (The address itself may be someone else's by now: another
 * sandbox on this machine may have claimed it since.)
 */
function leftOn(ip: string, holder: Holder): string[] {
  const owner = claimOwner(ip);
  const mine = [`pid ${holder.child.pid}`, `slot ${holder.slot}`];
  return [
    ...(owner !== undefined && mine.includes(owner) ? [`claim ${owner}`] : []),
    ...(routesTo(ip).includes(`dev ${holder.veth}`) ? ['route'] : []),
  ];
}

/**
 * Runs, in a process of its own, a host given a subnet address and an EIP the process lent it,
 * plus an address the process holds for itself; then that process exits (`exit`), exits once its
 * stdin closes (`wait`) or runs until killed (`hang`). Resolves with what it holds and the process.
 */
async function holderProcess(
  end: 'exit' | 'wait' | 'hang',
  net: { cidr: string; gateway: string },
): Promise<Holder> {
  const dir = mkdtempSync(path.join(tmpdir(), 'oc-holder-'));
  const script = path.join(dir, 'holder.mts');
  writeFileSync(
    script,
    [
      `const hosts = await import(${JSON.stringify(HOSTS_MODULE)});`,
      // The EIP first, as the emulator allocates one before the server it is bound to exists.
      `const eip = hosts.claimAddressForProcess(${JSON.stringify(eipCandidates())});`,
      `const h = await hosts.startSandboxHost({ id: 'holder', hostname: 'holder', rootPassword: '${PASSWORD}' });`,
      `const ip = await h.assignPrivateAddress('${net.cidr}', '${net.gateway}');`,
      'await h.attachAddress(eip);',
      `const own = hosts.claimAddressForProcess(${JSON.stringify(eipCandidates())});`,
      'console.log(JSON.stringify({ ip, eip, own, slot: h.slot, veth: h.hostVeth }));',
      {
        exit: 'process.exit(0);',
        // Until its stdin closes.
        wait: "process.stdin.resume(); process.stdin.once('end', () => process.exit(0));",
        hang: 'setInterval(() => undefined, 60_000);',
      }[end],
    ].join('\n'),
  );
  // Node itself with tsx's loader (not the tsx binary, which runs the script in a child of its
  // own): the process a test kills is the one holding the addresses.
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`holder exited (${code}) before answering`)));
  });
  return { ...(JSON.parse(line) as Omit<Holder, 'child'>), child };
}

const startHost = (name: string) =>
  startSandboxHost({ id: name, hostname: name, rootPassword: PASSWORD });

describe('sandbox host addresses', () => {
  let a: SandboxHost;
  let b: SandboxHost;

  beforeAll(async () => {
    [a, b] = await Promise.all([startHost('addr-a'), startHost('addr-b')]);
    // Strict reverse-path filtering on this machine's end of a's link: replies from a's extra
    // addresses must come in on the interface this machine routes those addresses through.
    execFileSync('sysctl', ['-q', '-w', `net.ipv4.conf.${a.hostVeth}.rp_filter=1`]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('gives a host MACs like an ECS port: fa:16:3e, unique', () => {
    expect(a.mac).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    expect(a.mac).not.toBe(b.mac);
  });

  it('answers SSH on its subnet address, the first one ECS would give, from this machine', async () => {
    const net = testNet(1);
    const ip = await a.assignPrivateAddress(net.cidr, net.gateway);
    // .0 is the network, .1 the gateway, .253 to .255 Huawei VPC's own: .2 comes first.
    expect(ip).toBe(`${net.prefix}.2`);
    expect(await hostnameAt(ip)).toBe('addr-a');
    const inside = await sshExec(
      { host: ip, port: 22, username: 'root', password: PASSWORD },
      'ip -4 -o addr show eth0',
    );
    expect(inside).toContain(`inet ${ip}/32`);
    expect(routesTo(ip)).toBe(`${ip} via ${a.ip} dev ${a.hostVeth}`);
    expect(claimOwner(ip)).toBe(`slot ${a.slot}`);
  });

  it('gives two hosts asking for the same subnet different addresses, each its own', async () => {
    const net = testNet(2);
    const [ipA, ipB] = await Promise.all([
      a.assignPrivateAddress(net.cidr, net.gateway),
      b.assignPrivateAddress(net.cidr, net.gateway),
    ]);
    expect(ipA).not.toBe(ipB);
    expect([ipA, ipB].map(lastOctet).sort()).toEqual([2, 3]);
    expect(await hostnameAt(ipA)).toBe('addr-a');
    expect(await hostnameAt(ipB)).toBe('addr-b');
  });

  it('refuses to give a host an address another host holds', async () => {
    const net = testNet(3);
    const ip = await a.assignPrivateAddress(`${net.prefix}.0/28`, net.gateway);
    await expect(b.attachAddress(ip)).rejects.toMatchObject({ code: 'SANDBOX_ADDRESS_IN_USE' });
    expect(await hostnameAt(ip)).toBe('addr-a');
  });

  it('reaches a host through an attached EIP, and no more once it is released', async () => {
    const eip = claimAddressForProcess(eipCandidates());
    expect(eip).toBeDefined();
    if (eip === undefined) return;
    expect(claimOwner(eip)).toBe(`pid ${process.pid}`);
    await a.attachAddress(eip);
    expect(claimOwner(eip)).toBe(`slot ${a.slot}`);
    expect(await hostnameAt(eip)).toBe('addr-a');

    await a.releaseAddress(eip);
    // Not routed to a host any more, and fenced: it never leaves this machine.
    expect(routesTo(eip)).toBe('');
    const lookup = spawnSync('ip', ['route', 'get', eip], { encoding: 'utf8' });
    expect(lookup.stderr).toMatch(/No route to host/);
    expect(await connectOutcome(eip)).toBe('EHOSTUNREACH');
    // The process held it before lending it to the host: it has it back, until it lets go.
    expect(claimOwner(eip)).toBe(`pid ${process.pid}`);
    releaseProcessAddress(eip);
    expect(claimOwner(eip)).toBeUndefined();
  });

  it('no longer routes a released subnet address to the host', async () => {
    const net = testNet(4);
    const ip = await b.assignPrivateAddress(net.cidr, net.gateway);
    expect(deviceTo(ip)).toBe(b.hostVeth);
    expect(await loginFails(ip)).toBe(false);
    await b.releaseAddress(ip);
    expect(routesTo(ip)).toBe('');
    expect(claimOwner(ip)).toBeUndefined();
    expect(deviceTo(ip)).not.toBe(b.hostVeth);
    expect(await loginFails(ip)).toBe(true);
    await b.releaseAddress(ip); // an address it no longer holds is fine
  });

  it('takes over claims whose owner is gone, and skips one whose owner lives', async () => {
    const deadPid = spawnSync('true').pid;
    let freeSlot = 32767;
    while (existsSync(`/run/oneclick-sandbox/slots/${freeSlot}`)) freeSlot--;
    const net = testNet(5);
    const at = (last: number) => `${net.prefix}.${last}`;
    const claims = {
      [at(2)]: `pid ${deadPid}`,
      [at(3)]: `pid ${process.ppid}`,
      [at(4)]: `slot ${freeSlot}`,
      // A live slot whose host does not hold it (the slot was reused since).
      [at(5)]: `slot ${a.slot}`,
    };
    for (const [ip, owner] of Object.entries(claims)) writeFileSync(addressClaimPath(ip), owner);
    try {
      expect(await a.assignPrivateAddress(net.cidr, net.gateway)).toBe(at(2));
      expect(await b.assignPrivateAddress(net.cidr, net.gateway)).toBe(at(4));
      expect(await b.assignPrivateAddress(net.cidr, net.gateway)).toBe(at(5));
      expect(claimOwner(at(3))).toBe(`pid ${process.ppid}`);
      expect(claimOwner(at(5))).toBe(`slot ${b.slot}`);
      expect(await hostnameAt(at(5))).toBe('addr-b');
    } finally {
      rmSync(addressClaimPath(at(3)), { force: true });
    }
  });

  it('cuts its extra addresses off with its link, never routing them elsewhere, and restores them', async () => {
    const net = testNet(6);
    const ip = await b.assignPrivateAddress(net.cidr, net.gateway);
    await b.setLinkUp(false);
    try {
      expect(routesTo(ip)).toBe(`unreachable ${ip}`);
      expect(await connectOutcome(ip)).toBe('EHOSTUNREACH');
    } finally {
      await b.setLinkUp(true);
    }
    expect(routesTo(ip)).toBe(`${ip} via ${b.ip} dev ${b.hostVeth}`);
    await expect.poll(() => connectOutcome(ip), { timeout: 10_000 }).toBe('open');
  });

  it('releases every address, route and claim when it stops', async () => {
    const h = await startHost('addr-stop');
    const eip = claimAddressForProcess(eipCandidates());
    expect(eip).toBeDefined();
    if (eip === undefined) return;
    const net = testNet(7);
    const ip = await h.assignPrivateAddress(net.cidr, net.gateway);
    await h.attachAddress(eip);
    expect(await hostnameAt(ip)).toBe('addr-stop');
    await h.stop();
    expect(routesTo(ip)).toBe('');
    expect(routesTo(eip)).toBe('');
    expect(claimOwner(ip)).toBeUndefined();
    expect(await loginFails(ip)).toBe(true);
    expect(await connectOutcome(eip)).toBe('EHOSTUNREACH');
    // The EIP goes back to the process that lent it; the emulator releases it with the EIP.
    expect(claimOwner(eip)).toBe(`pid ${process.pid}`);
    releaseProcessAddress(eip);
    expect(claimOwner(eip)).toBeUndefined();
    await expect(h.assignPrivateAddress(net.cidr, net.gateway)).rejects.toMatchObject({
      code: 'SANDBOX_HOST_STOPPED',
    });
  });

  it("routes a kept host's addresses again when a later process adopts it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oc-adopt-'));
    const stateFile = path.join(dir, 'state.json');
    const h = await startHost('addr-kept');
    let adopted: SandboxHost | undefined;
    try {
      const net = testNet(8);
      const ip = await h.assignPrivateAddress(net.cidr, net.gateway);
      writeFileSync(stateFile, JSON.stringify({ hosts: [{ slot: h.slot }] }));
      h.keep(stateFile);
      // What a restart of this machine's networking might leave: the host runs, its route is gone.
      execFileSync('ip', ['route', 'del', `${ip}/32`]);
      expect(deviceTo(ip)).not.toBe(h.hostVeth);
      adopted = adoptSandboxHost(
        { id: h.id, hostname: h.hostname, slot: h.slot, mac: h.mac },
        stateFile,
      );
      expect(adopted).toBeDefined();
      expect(routesTo(ip)).toBe(`${ip} via ${h.ip} dev ${h.hostVeth}`);
      expect(await hostnameAt(ip)).toBe('addr-kept');
      // Still its claim: a kept host holds its addresses while the state file lists it.
      expect(claimOwner(ip)).toBe(`slot ${h.slot}`);
      await adopted?.stop();
      expect(claimOwner(ip)).toBeUndefined();
      expect(routesTo(ip)).toBe('');
    } finally {
      await (adopted ?? h).stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed subnet or address with a clear code', async () => {
    await expect(a.assignPrivateAddress('172.24.0.0/33', '172.24.0.1')).rejects.toMatchObject({
      code: 'INVALID_SUBNET_CIDR',
    });
    await expect(a.attachAddress('203.0.113')).rejects.toMatchObject({
      code: 'INVALID_IP_ADDRESS',
    });
    await expect(a.attachAddress(b.ip)).rejects.toMatchObject({ code: 'SANDBOX_ADDRESS_RESERVED' });
  });

  // A /16 to /29 eth0 network: a subnet twice its size is small enough to hand out.
  const eth0Fits = ETH0 !== undefined && ETH0.prefix >= 16 && ETH0.prefix <= 29;

  it.skipIf(!eth0Fits)(
    "refuses a subnet inside this machine's eth0 network, naming it",
    async () => {
      if (!ETH0) return;
      const cidr = `${toIp(ETH0.base)}/${ETH0.prefix}`;
      const error = await a
        .assignPrivateAddress(cidr, toIp(ETH0.base + 1))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SANDBOX_SUBNET_ON_LINK' });
      expect((error as Error).message).toContain(`inside ${cidr}`);
      expect((error as Error).message).toContain('eth0');
      // Nothing was routed or claimed on the way: a neighbour there still lies through eth0.
      const neighbour = eth0Neighbour(ETH0);
      expect(routesTo(neighbour)).toBe('');
      expect(claimOwner(neighbour)).toBeUndefined();
      expect(deviceTo(neighbour)).toBe('eth0');
    },
  );

  it.skipIf(!eth0Fits)(
    "skips this machine's eth0 neighbours and gateway in a subnet around its network",
    async () => {
      if (!ETH0) return;
      const size = 2 ** (32 - ETH0.prefix);
      const outer = ETH0.base - (ETH0.base % (size * 2));
      const cidr = `${toIp(outer)}/${ETH0.prefix - 1}`;
      const gateway = defaultGateway();
      const ip = await b.assignPrivateAddress(cidr, toIp(outer + 1));
      try {
        expect(toNum(ip) >= ETH0.base && toNum(ip) < ETH0.base + size).toBe(false);
        expect(ip).not.toBe(gateway);
        expect(deviceTo(ip)).toBe(b.hostVeth);
        // This machine still reaches its gateway and its eth0 neighbours through eth0.
        if (gateway) expect(deviceTo(gateway)).toBe('eth0');
        expect(deviceTo(eth0Neighbour(ETH0))).toBe('eth0');
        expect(await hostnameAt(ip)).toBe('addr-b');
      } finally {
        await b.releaseAddress(ip);
      }
      for (const neighbour of [gateway, eth0Neighbour(ETH0)].filter(Boolean)) {
        await expect(b.attachAddress(neighbour)).rejects.toMatchObject({
          code: 'SANDBOX_ADDRESS_ON_LINK',
        });
        expect(routesTo(neighbour)).toBe('');
        expect(claimOwner(neighbour)).toBeUndefined();
      }
    },
  );

  it('never gives two processes asking at once for the same subnet the same address', async () => {
    const net = testNet(9);
    const [first, second, here] = await Promise.all([
      holderProcess('wait', net),
      holderProcess('wait', net),
      a.assignPrivateAddress(net.cidr, net.gateway),
    ]);
    try {
      expect([first.ip, second.ip, here].map(lastOctet).sort()).toEqual([2, 3, 4]);
      expect(first.eip).not.toBe(second.eip);
      expect(await hostnameAt(first.ip)).toBe('holder');
      expect(await hostnameAt(here)).toBe('addr-a');
    } finally {
      // Ended the ordinary way: each process tears its host down on exit.
      for (const { child } of [first, second]) {
        child.stdin?.end();
        if (child.exitCode === null) await once(child, 'exit');
      }
    }
    for (const holder of [first, second]) {
      for (const ip of [holder.ip, holder.eip, holder.own]) expect(leftOn(ip, holder)).toEqual([]);
    }
  });

  it('leaves no claim or route behind when its process exits without stopping it', async () => {
    const held = await holderProcess('exit', testNet(10));
    if (held.child.exitCode === null) await once(held.child, 'exit');
    for (const ip of [held.ip, held.eip, held.own]) expect(leftOn(ip, held)).toEqual([]);
    expect(routesTo(held.ip)).toBe('');
  });

  it('frees what a killed process held: its claims are stale, cleaned up and taken over', async () => {
    const net = testNet(11);
    const held = await holderProcess('hang', net);
    try {
      expect(claimOwner(held.ip)).toBe(`slot ${held.slot}`);
      expect(claimOwner(held.eip)).toBe(`slot ${held.slot}`);
      expect(claimOwner(held.own)).toBe(`pid ${held.child.pid}`);
      held.child.kill('SIGKILL');
      await once(held.child, 'exit');
      // Its host is still wired (nobody ran its teardown), but its slot's owner is dead.
      expect(claimOwner(held.ip)).toBe(`slot ${held.slot}`);
      expect(await b.assignPrivateAddress(net.cidr, net.gateway)).toBe(held.ip);
      expect(await hostnameAt(held.ip)).toBe('addr-b');
      cleanupStaleSandboxHosts();
      // The dead host is gone, and with it its EIP's route; b keeps what it took over.
      for (const ip of [held.eip, held.own]) expect(leftOn(ip, held)).toEqual([]);
      expect(claimOwner(held.ip)).toBe(`slot ${b.slot}`);
      expect(routesTo(held.ip)).toBe(`${held.ip} via ${b.ip} dev ${b.hostVeth}`);
      expect(await hostnameAt(held.ip)).toBe('addr-b');
    } finally {
      if (held.child.exitCode === null) held.child.kill('SIGKILL');
    }
  });
});
