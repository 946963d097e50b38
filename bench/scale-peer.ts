// The peer phase of bench/scale-deployments.ts: the same N deployments with no orchestrator at all.
// Each is a plain async function in this process, the way a lean script (or Terraform, then
// Ansible) does it: the cloud calls made directly through OneClick's SDK adapter with the account's
// own AK/SK, then OpenSSH's client, one multiplexed connection per server (ControlMaster) for scp
// and every command. No API, no Temporal, no database, no license issuance, no step records. The
// same sandbox, the same realistic delays, the same package, installer and verify command, and the
// same formula: overhead = end to end − injected waits (their union, on the account's path) −
// transfer (scp) − installer. What is left is what the machine costs a deployment outside the
// cloud's waits when a hundred run at once on it: the SDK calls' own work, waiting for sshd, SSH
// handshakes, the license write, verify, key removal, all sharing the cores with the servers.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createHuaweiCloud } from '../src/cloud/huawei-cloud.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../src/sandbox/emulator.js';
import { unionMs, type InjectedWait } from '../src/sandbox/faults.js';
import { cleanupStaleSandboxHosts } from '../src/sandbox/hosts.js';
import { waitForPortOpen } from '../src/ssh/port-probe.js';
import {
  api,
  bannerValue,
  mapLimit,
  percentile,
  startOneClick,
  stopChild,
  waitForOutput,
} from './scale-common.js';

const run = promisify(execFile);

/** One peer deployment, measured as OneClick's are. */
export interface PeerMeasured {
  ok: boolean;
  failure?: string;
  e2e: number;
  injected: number;
  transfer: number;
  installer: number;
  overhead: number;
  /** Outside injected waits: the cloud part, waiting for sshd and the master connection, the rest. */
  parts: { cloud: number; ssh: number; rest: number };
}

export interface PeerResult {
  count: number;
  succeeded: number;
  failures: Record<string, number>;
  overhead: { p50: number; p95: number; max: number };
  parts: Record<keyof PeerMeasured['parts'], { p50: number; p95: number }>;
  spanS: number;
}

interface Account {
  domainId: string;
  ak: string;
  sk: string;
  projectId: string;
}

const SSH_OPTIONS = [
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'LogLevel=ERROR',
  '-o',
  'BatchMode=yes',
  '-o',
  'ConnectTimeout=20',
];

/** Runs `ssh` through the server's master connection, with `stdin` as its input when given. */
function ssh(control: string, ip: string, command: string, stdin?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [...SSH_OPTIONS, '-S', control, `root@${ip}`, command], {
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`ssh ${command.slice(0, 40)}: ${code} ${err}`)),
    );
    // A command that ends before reading its input closes the pipe: its exit code tells.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin);
  });
}

/** One deployment: network, server, sshd, package, installer, license, verify, key removal. */
async function deployOne(
  endpoint: string,
  account: Account,
  key: { privatePath: string; publicKey: string },
  pkgPath: string,
  dir: string,
): Promise<Omit<PeerMeasured, 'injected' | 'overhead' | 'parts'> & { marks: number[] }> {
  const cloud = createHuaweiCloud({
    ecsEndpoint: endpoint,
    vpcEndpoint: endpoint,
    ak: account.ak,
    sk: account.sk,
    projectId: account.projectId,
    pollMs: 100, // as OneClick polls the sandbox
  });
  const start = Date.now();
  const wait = { pollMs: 100 };
  const name = `peer-${randomUUID().slice(0, 8)}`;
  // The network and the firewall side by side, as OneClick makes them.
  const [net, sg] = await Promise.all([
    (async () => {
      const vpc = await cloud.createVpc({ name, cidr: '10.0.0.0/16' });
      if (vpc.status !== 'OK') await cloud.waitVpcReady(vpc.id, wait);
      const subnet = await cloud.createSubnet({
        name,
        cidr: '10.0.1.0/24',
        gatewayIp: '10.0.1.1',
        vpcId: vpc.id,
      });
      if (subnet.status !== 'ACTIVE') await cloud.waitSubnetReady(subnet.id, wait);
      return { vpcId: vpc.id, subnetId: subnet.id };
    })(),
    (async () => {
      const group = await cloud.createSecurityGroup({ name });
      await cloud.ensureSecurityGroupRules(group.id, [
        { direction: 'ingress', protocol: 'tcp', ports: '22' },
        { direction: 'ingress', protocol: 'tcp', ports: '8080' },
      ]);
      return group;
    })(),
  ]);
  const { jobId, serverIds } = await cloud.createServer({
    name,
    imageRef: DEFAULT_IMAGE_ID,
    flavorRef: DEFAULT_FLAVOR,
    ...net,
    securityGroupIds: [sg.id],
    clientToken: randomUUID(),
    sshPublicKey: key.publicKey,
  });
  await cloud.waitJob(jobId, wait);
  const server = await cloud.waitServerActive(serverIds[0] ?? '', wait);
  const ip = server.ip ?? '';
  const cloudDone = Date.now();
  // sshd: a bare connect every 250 ms until it listens, then one master connection.
  if (!(await waitForPortOpen(ip, 22, { until: Date.now() + 300_000 }))) {
    throw new Error(`sshd on ${ip} never listened`);
  }
  const control = path.join(dir, `${name}.sock`);
  // Retried while the key is not in place yet (cloud-init), as OneClick retries a refused login.
  for (let attempt = 1; ; attempt++) {
    try {
      await run('ssh', [
        ...SSH_OPTIONS,
        '-i',
        key.privatePath,
        '-o',
        'ControlMaster=yes',
        '-o',
        'ControlPersist=yes',
        '-S',
        control,
        '-fN',
        `root@${ip}`,
      ]);
      break;
    } catch (e) {
      if (attempt >= 30) throw e;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  const sshDone = Date.now();
  try {
    const t0 = Date.now();
    await run('scp', [
      ...SSH_OPTIONS,
      '-o',
      `ControlPath=${control}`,
      pkgPath,
      `root@${ip}:/tmp/scale-app.tar.gz`,
    ]);
    const transfer = Date.now() - t0;
    const t1 = Date.now();
    await ssh(
      control,
      ip,
      'set -e; mkdir -p /opt/scale; tar -xzf /tmp/scale-app.tar.gz -C /opt/scale',
    );
    const installer = Date.now() - t1;
    await ssh(control, ip, 'mkdir -p /etc/scale && cat > /etc/scale/license', `${randomUUID()}\n`);
    await ssh(control, ip, 'test -s /etc/scale/license && test -s /opt/scale/app/payload.bin');
    const blob = key.publicKey.split(/\s+/)[1]!;
    await ssh(
      control,
      ip,
      `f="$HOME/.ssh/authorized_keys"; grep -vF '${blob}' "$f" > "$f.peer" || true; mv "$f.peer" "$f"`,
    );
    const end = Date.now();
    return {
      ok: true,
      e2e: end - start,
      transfer,
      installer,
      marks: [start, cloudDone, sshDone, end],
    };
  } finally {
    await run('ssh', [...SSH_OPTIONS, '-S', control, '-O', 'exit', `root@${ip}`]).catch(
      () => undefined,
    );
  }
}

/**
 * Runs the peer phase on a sandbox of its own with a real region's delays: N accounts, N
 * deployments started at once, each measured as OneClick's are.
 */
export async function runPeerPhase(
  count: number,
  pkg: Buffer,
  say: (line: string) => void,
  defer: (what: string, fn: () => Promise<unknown>) => void,
): Promise<PeerResult> {
  // Undone by the caller, in reverse, also on Ctrl-C: the sandbox (its hosts), then the masters
  // and the directory with the key (a master's socket is its way to be told to exit).
  const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-scale-peer-'));
  defer('peer directory', async () => {
    const sockets = readdirSync(dir).filter((f) => f.endsWith('.sock'));
    await Promise.all(
      sockets.map((f) =>
        run('ssh', ['-S', path.join(dir, f), '-O', 'exit', 'peer']).catch(() => undefined),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });
  const sandbox = startOneClick('sandbox', ['sandbox', '--delays', 'realistic'], {});
  defer('peer sandbox', async () => {
    await stopChild(sandbox, 180_000);
    cleanupStaleSandboxHosts();
  });
  await waitForOutput(sandbox, 'Stop with Ctrl-C.');
  const endpoint = bannerValue(sandbox.output(), /Endpoint:\s+(\S+)/);
  const pkgPath = path.join(dir, 'scale-app.tar.gz');
  writeFileSync(pkgPath, pkg);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id')]);
  const key = {
    privatePath: path.join(dir, 'id'),
    publicKey: readFileSync(path.join(dir, 'id.pub'), 'utf8').trim(),
  };
  const accounts = await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    10,
    async (i): Promise<Account> => {
      const a = await api<{
        domain: { id: string };
        ak: string;
        sk: string;
        projects: { id: string }[];
      }>(endpoint, 'POST', '/_sandbox/accounts', undefined, { name: `peer-${i}` });
      return { domainId: a.domain.id, ak: a.ak, sk: a.sk, projectId: a.projects[0]!.id };
    },
  );
  await api(endpoint, 'DELETE', '/_sandbox/delays/injected');
  say(`peer: ${count} deployments at once (SDK calls + OpenSSH, no orchestrator)`);
  const started = Date.now();
  const outcomes = await Promise.all(
    accounts.map((a) =>
      deployOne(endpoint, a, key, pkgPath, dir).catch((e: unknown) => ({
        ok: false as const,
        failure: (e instanceof Error ? e.message : String(e)).slice(0, 160),
      })),
    ),
  );
  const spanS = (Date.now() - started) / 1000;
  const { waits } = await api<{ waits: InjectedWait[] }>(
    endpoint,
    'GET',
    '/_sandbox/delays/injected',
  );
  const measured: PeerMeasured[] = outcomes.map((o, i) => {
    if (!('marks' in o))
      return {
        ...o,
        e2e: 0,
        injected: 0,
        transfer: 0,
        installer: 0,
        overhead: 0,
        parts: { cloud: 0, ssh: 0, rest: 0 },
      };
    const intervals = waits
      .filter((w) => w.account === accounts[i]!.domainId)
      .map((w) => [w.startMs, w.endMs] as const);
    const outside = (a: number, b: number) => Math.max(0, b - a - unionMs(intervals, a, b));
    const [start, cloudDone, sshDone, end] = o.marks as [number, number, number, number];
    const injected = unionMs(intervals, start, end);
    const overhead = o.e2e - injected - o.transfer - o.installer;
    const cloudPart = outside(start, cloudDone);
    const sshPart = outside(cloudDone, sshDone);
    return {
      ok: true,
      e2e: o.e2e,
      injected,
      transfer: o.transfer,
      installer: o.installer,
      overhead,
      parts: { cloud: cloudPart, ssh: sshPart, rest: overhead - cloudPart - sshPart },
    };
  });
  const ok = measured.filter((m) => m.ok);
  const failures: Record<string, number> = {};
  for (const m of measured.filter((x) => !x.ok)) {
    failures[m.failure ?? '?'] = (failures[m.failure ?? '?'] ?? 0) + 1;
  }
  const o = ok.map((m) => m.overhead);
  const part = (k: keyof PeerMeasured['parts']) => {
    const xs = ok.map((m) => m.parts[k]);
    return { p50: percentile(xs, 50), p95: percentile(xs, 95) };
  };
  return {
    count,
    succeeded: ok.length,
    failures,
    overhead: { p50: percentile(o, 50), p95: percentile(o, 95), max: Math.max(0, ...o) },
    parts: { cloud: part('cloud'), ssh: part('ssh'), rest: part('rest') },
    spanS,
  };
}
