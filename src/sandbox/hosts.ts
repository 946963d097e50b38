import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
// ssh2 is CommonJS: under plain Node ESM only its default export is importable.
import ssh2 from 'ssh2';
import { AppError } from '../errors.js';
import { runJob, startJob, type JobResult } from './launcher.js';
import { sha512Crypt } from './sha512-crypt.js';

/**
 * Sandbox hosts: each is a real OpenSSH sshd in its own network namespace (own address in
 * 198.18.0.0/15, own MAC, a veth pair to this machine so it is reachable from here) and its own
 * mount and UTS namespaces (own /opt, /root, /tmp, /etc/machine-id, hostname, passwd/shadow).
 * Linux and root only. Slots are claimed with lock files under /run so concurrent test processes
 * never collide, and a slot whose owner died is cleaned up by the next claimant. Their processes
 * (ip, sshd, ...) are started through one long-lived shell (launcher.ts), never by forking this
 * process.
 */

/** A running sandbox host. */
export interface SandboxHost {
  id: string;
  hostname: string;
  ip: string;
  mac: string;
  netns: string;
  hostVeth: string;
  sshPort: number;
  setLinkUp(up: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** Options for {@link startSandboxHost}. */
export interface SandboxHostOptions {
  id: string;
  hostname: string;
  authorizedKeys?: string[];
  rootPassword?: string;
  /** The host's network is up at once; sshd answers only after this delay (a slow boot). */
  bootDelayMs?: number;
}

const RUN_DIR = '/run/oneclick-sandbox';
const SLOT_DIR = path.join(RUN_DIR, 'slots');
const JOB_DIR = path.join(RUN_DIR, 'jobs');
const SSHD = '/usr/sbin/sshd';
// 198.18.0.0/15 split into /30 links: slot n uses .4n+1 on this machine and .4n+2 inside.
const BASE = (198 << 24) | (18 << 16);
const SLOTS = 1 << 15;
const SSH_PORT = 22;

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const HOSTNAME_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const KEY_PATTERN =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+( [^\r\n]*)?$/;

function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function names(slot: number) {
  return {
    netns: `oc-sbx-${slot}`,
    hostVeth: `ocv${slot}`,
    hostIp: ipv4(BASE + slot * 4 + 1),
    ip: ipv4(BASE + slot * 4 + 2),
    // Locally administered unicast MAC derived from the slot, so it is unique among live hosts.
    mac: `02:0c:${randomBytes(2)
      .toString('hex')
      .replace(
        /(..)(..)/,
        '$1:$2',
      )}:${((slot >> 8) & 255).toString(16).padStart(2, '0')}:${(slot & 255).toString(16).padStart(2, '0')}`,
    dir: path.join(RUN_DIR, `host-${slot}`),
  };
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        reject(
          new AppError('SANDBOX_HOST_COMMAND_FAILED', `${cmd} ${args[0] ?? ''} failed: ${stderr}`, {
            cause: err,
          }),
        );
      } else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes everything of a slot synchronously: processes in its netns, the netns, files. */
function destroySlotSync(slot: number): void {
  const n = names(slot);
  try {
    const pids = execFileSync('ip', ['netns', 'pids', n.netns], { encoding: 'utf8' });
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // no such netns
  }
  for (const args of [
    ['netns', 'del', n.netns],
    ['link', 'del', n.hostVeth],
  ]) {
    try {
      execFileSync('ip', args, { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  rmSync(n.dir, { recursive: true, force: true });
  for (const job of ['wire', 'stop']) {
    rmSync(jobPath(slot, job), { force: true });
    rmSync(`${jobPath(slot, job)}.log`, { force: true });
  }
  rmSync(path.join(SLOT_DIR, String(slot)), { force: true });
}

/** Claims a free slot; reclaims slots whose owning process has died. */
function claimSlot(): number {
  mkdirSync(SLOT_DIR, { recursive: true, mode: 0o755 });
  mkdirSync(JOB_DIR, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 200; attempt++) {
    const slot = randomInt(1, SLOTS);
    const file = path.join(SLOT_DIR, String(slot));
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return slot;
    } catch {
      const owner = Number(readFileSync(file, 'utf8').trim() || '0');
      if (owner > 0 && !pidAlive(owner)) destroySlotSync(slot);
    }
  }
  throw new AppError('SANDBOX_HOSTS_EXHAUSTED', 'no free sandbox host slot in 198.18.0.0/15');
}

/** Cleans up every slot left behind by dead processes (e.g. a test run that was killed). */
export function cleanupStaleSandboxHosts(): number {
  let cleaned = 0;
  const readOwner = (entry: string): number | undefined => {
    try {
      return Number(readFileSync(path.join(SLOT_DIR, entry), 'utf8').trim() || '0');
    } catch {
      return undefined;
    }
  };
  const entries = ((): string[] => {
    try {
      return readdirSync(SLOT_DIR);
    } catch {
      return [];
    }
  })();
  for (const entry of entries) {
    const slot = Number(entry);
    const owner = readOwner(entry);
    if (!Number.isInteger(slot) || owner === undefined) continue;
    if (owner !== process.pid && !pidAlive(owner)) {
      destroySlotSync(slot);
      cleaned++;
    }
  }
  return cleaned;
}

// Slots this process owns, torn down synchronously if the process exits without stopping them.
const liveSlots = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const slot of liveSlots) destroySlotSync(slot);
  });
}

function validate(opts: SandboxHostOptions): void {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new AppError('SANDBOX_REQUIRES_LINUX_ROOT', 'sandbox hosts need Linux and root');
  }
  if (!existsSync(SSHD)) {
    throw new AppError(
      'SANDBOX_SSHD_MISSING',
      `${SSHD} not found: sandbox hosts need OpenSSH's server (apt-get install openssh-server)`,
    );
  }
  if (!ID_PATTERN.test(opts.id)) {
    throw new AppError('INVALID_SANDBOX_HOST_ID', 'host id must be 1-64 of [A-Za-z0-9_.-]');
  }
  if (!HOSTNAME_PATTERN.test(opts.hostname)) {
    throw new AppError('INVALID_HOSTNAME', `invalid hostname: ${JSON.stringify(opts.hostname)}`);
  }
  for (const key of opts.authorizedKeys ?? []) {
    if (!KEY_PATTERN.test(key.trim())) {
      throw new AppError(
        'INVALID_AUTHORIZED_KEY',
        'an authorized key is not an OpenSSH public key',
      );
    }
  }
  if (opts.rootPassword !== undefined && /[\r\n]/.test(opts.rootPassword)) {
    throw new AppError('INVALID_ROOT_PASSWORD', 'root password may not contain line breaks');
  }
}

function sshdConfig(dir: string, ip: string): string {
  return [
    `ListenAddress ${ip}:${SSH_PORT}`,
    `HostKey ${dir}/ssh_host_ed25519_key`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    'PermitRootLogin yes',
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    // Without PAM sshd checks passwords against /etc/shadow itself: the per-host one mounted below.
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'MaxStartups 100:30:200',
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
    '',
  ].join('\n');
}

/** Rewrites root's entry of /etc/shadow with the given hash, or locks password login. */
function shadowWithRoot(hash: string | undefined): string {
  const lines = readFileSync('/etc/shadow', 'utf8').split('\n');
  return lines
    .map((line) => {
      if (!line.startsWith('root:')) return line;
      const fields = line.split(':');
      // '*' (no password) rather than '!' (locked): sshd without PAM refuses every login,
      // keys included, to a locked account.
      fields[1] = hash ?? '*';
      return fields.join(':');
    })
    .join('\n');
}

// Runs inside the host's new mount and UTS namespaces, then becomes sshd. Own files are bind
// mounted over the shared ones so nothing this host writes reaches the machine or its peers.
// Few processes on purpose (fifty hosts may boot at once): the hostname through /proc, every
// bind mount from the host's own fstab in one `mount -a`, /run/sshd made once outside.
const INIT_SCRIPT = `set -e
D="$1"; HN="$2"; DELAY="$3"
echo "$HN" > /proc/sys/kernel/hostname
mount -a -T "$D/fstab"
if [ "$DELAY" -gt 0 ]; then sleep "$(($DELAY / 1000)).$(printf '%03d' $(($DELAY % 1000)))"; fi
exec ${SSHD} -D -e -f "$D/sshd_config"
`;

/** The host's own bind mounts, over the machine's files of the same path. */
function fstab(dir: string): string {
  const binds: [string, string][] = [
    ['opt', '/opt'],
    ['root', '/root'],
    ['tmp', '/tmp'],
    ['machine-id', '/etc/machine-id'],
    ['hostname', '/etc/hostname'],
    ['shadow', '/etc/shadow'],
  ];
  return binds.map(([from, to]) => `${dir}/${from} ${to} none bind 0 0\n`).join('');
}

/**
 * An OpenSSH-format ed25519 key pair. ssh2 drops a leading zero byte of the public key (about one
 * key in 256), which sshd then refuses ("error in libcrypto"): such keys are drawn again.
 */
function ed25519HostKey(comment: string): { private: string; public: string } {
  for (;;) {
    const key = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const blob = Buffer.from(key.public.split(' ')[1] ?? '', 'base64');
    // string "ssh-ed25519" (4 + 11 bytes) then string key (4 + 32 bytes)
    if (blob.length === 51 && blob.readUInt32BE(15) === 32) return key;
  }
}

async function prepareFiles(dir: string, ip: string, opts: SandboxHostOptions): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(RUN_DIR, { recursive: true, mode: 0o755 });
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation dir
  await mkdir(dir, { mode: 0o700 });
  await Promise.all(['opt', 'root', 'tmp'].map((d) => mkdir(path.join(dir, d))));
  await chmod(path.join(dir, 'tmp'), 0o1777);
  await chmod(path.join(dir, 'root'), 0o700);
  // Hashed and keyed in-process: fifty hosts booting at once should not mean a hundred more
  // processes. 1000 rounds (the minimum) is plenty for an ephemeral, root-only shadow under /run.
  const hash =
    opts.rootPassword === undefined ? undefined : sha512Crypt(opts.rootPassword, { rounds: 1000 });
  const hostKey = ed25519HostKey(opts.hostname);
  await Promise.all([
    writeFile(path.join(dir, 'machine-id'), `${randomBytes(16).toString('hex')}\n`),
    writeFile(path.join(dir, 'hostname'), `${opts.hostname}\n`),
    writeFile(path.join(dir, 'shadow'), shadowWithRoot(hash), { mode: 0o640 }),
    writeFile(
      path.join(dir, 'authorized_keys'),
      (opts.authorizedKeys ?? []).map((k) => `${k.trim()}\n`).join(''),
      { mode: 0o600 },
    ),
    writeFile(path.join(dir, 'sshd_config'), sshdConfig(dir, ip), { mode: 0o600 }),
    writeFile(path.join(dir, 'init.sh'), INIT_SCRIPT, { mode: 0o700 }),
    writeFile(path.join(dir, 'fstab'), fstab(dir)),
    writeFile(path.join(dir, 'ssh_host_ed25519_key'), hostKey.private, { mode: 0o600 }),
    writeFile(path.join(dir, 'ssh_host_ed25519_key.pub'), `${hostKey.public}\n`),
  ]);
}

/** A job script of a slot, kept outside the host's directory (a boot on a pre-wired slot wipes it). */
function jobPath(slot: number, job: string): string {
  return path.join(JOB_DIR, `${slot}-${job}.sh`);
}

/** Runs a short shell job of a slot through the launcher, then removes its script and log. */
async function runSlotJob(slot: number, job: string, lines: string[], what: string): Promise<void> {
  const file = jobPath(slot, job);
  try {
    await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o700 });
    await runJob(file, what);
  } finally {
    await rm(file, { force: true });
    await rm(`${file}.log`, { force: true });
  }
}

async function createNetwork(n: Wired): Promise<void> {
  // The peer is created inside the namespace, already named eth0 with its MAC: moving a device
  // between namespaces (`link set … netns`) waits out an RCU grace period, ~17 ms measured here
  // and serialized across every host booting at once; creating it there costs ~1.5 ms.
  const outside = [
    `netns add ${n.netns}`,
    `link add ${n.hostVeth} type veth peer name eth0 address ${n.mac} netns ${n.netns}`,
    `addr add ${n.hostIp}/30 dev ${n.hostVeth}`,
    `link set ${n.hostVeth} up`,
  ];
  const inside = [
    `addr add ${n.ip}/30 dev eth0`,
    'link set lo up',
    'link set eth0 up',
    `route add default via ${n.hostIp}`,
  ];
  await fenceSandboxRange();
  // One job, two `ip -batch` runs, no fork of this process.
  await runSlotJob(
    n.slot,
    'wire',
    [
      'set -e',
      `ip -batch - <<'EOF'\n${outside.join('\n')}\nEOF`,
      `ip -n ${n.netns} -batch - <<'EOF'\n${inside.join('\n')}\nEOF`,
    ],
    `wiring ${n.netns}`,
  );
}

let fenced: Promise<void> | undefined;
/**
 * Makes 198.18.0.0/15 unreachable except through a live host's veth (its /30 is more specific).
 * Without it, traffic to a stopped host or one whose link is down would leave this machine by
 * the default route; sandbox traffic must never leave the machine.
 */
function fenceSandboxRange(): Promise<void> {
  fenced ??= run('ip', ['route', 'replace', 'unreachable', '198.18.0.0/15']).then(() => undefined);
  return fenced;
}

/** Resolves once something accepts TCP connections on ip:port. */
export async function waitForPort(
  ip: string,
  port: number,
  timeoutMs: number,
  isDead: () => boolean = () => false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect({ host: ip, port, timeout: 1000 });
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (isDead()) throw new AppError('SANDBOX_SSHD_DIED', `sshd on ${ip} exited`);
    if (Date.now() > deadline) {
      throw new AppError('SANDBOX_SSHD_TIMEOUT', `sshd on ${ip}:${port} did not answer`);
    }
    await new Promise((r) => setTimeout(r, 15));
  }
}

type Wired = ReturnType<typeof names> & { slot: number };
// Slots whose namespace and veth are already wired, waiting for a host to boot on them.
const pool: Wired[] = [];
let warming: Promise<void> = Promise.resolve();

async function wire(): Promise<Wired> {
  const slot = claimSlot();
  liveSlots.add(slot);
  const n = { ...names(slot), slot };
  try {
    await createNetwork(n);
  } catch (e) {
    destroySlotSync(slot);
    liveSlots.delete(slot);
    throw e;
  }
  return n;
}

/**
 * Keeps `count` network namespaces wired ahead of demand, like a cloud's spare capacity, so a
 * burst of servers only has to start sshd. Off unless asked for (tests measure the cold path).
 */
export function prewarmSandboxHosts(count: number): Promise<void> {
  installExitHook();
  const next = warming.then(async () => {
    while (pool.length < count) {
      const batch = Math.min(4, count - pool.length);
      pool.push(...(await Promise.all(Array.from({ length: batch }, () => wire()))));
    }
  });
  warming = next.catch(() => undefined);
  return next;
}

/** How many wired namespaces wait in this process's warm pool. */
export function sandboxHostPoolSize(): number {
  return pool.length;
}

/** Removes the wired namespaces nobody used. */
export async function drainSandboxHostPool(): Promise<void> {
  await warming;
  for (const w of pool.splice(0)) {
    destroySlotSync(w.slot);
    liveSlots.delete(w.slot);
  }
}

/**
 * Resolves once sshd listens: it writes its PidFile only after binding its sockets, so a new
 * file in the host's directory says so without a connection (each connection costs sshd a fork
 * and a re-exec, fifty of them at once a burst).
 */
function waitForSshd(
  id: string,
  n: { dir: string; ip: string },
  timeoutMs: number,
  exit: Promise<JobResult>,
): Promise<void> {
  const pidFile = path.join(n.dir, 'sshd.pid');
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      watcher?.close();
      clearInterval(poll);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      if (existsSync(pidFile)) finish();
    };
    // inotify for promptness, a slow poll in case an event is missed.
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(n.dir, (_event, file) => {
        if (file === 'sshd.pid') check();
      });
    } catch {
      watcher = undefined;
    }
    const poll = setInterval(check, 100);
    const timer = setTimeout(
      () =>
        finish(new AppError('SANDBOX_SSHD_TIMEOUT', `sshd on ${n.ip}:${SSH_PORT} did not answer`)),
      timeoutMs,
    );
    void exit.then((r) =>
      finish(
        new AppError(
          'SANDBOX_SSHD_DIED',
          `sshd for ${id} exited (${r.status}): ${r.output.trim()}`,
        ),
      ),
    );
    check();
  });
}

/** Kills what runs in the host's network namespace, then removes the namespace and its files. */
async function destroySlot(n: Wired): Promise<void> {
  try {
    await runSlotJob(
      n.slot,
      'stop',
      [
        // The boot process by its pid only while its command line still names this host (the
        // pid of a long-dead sshd may belong to someone else by now), then all in the namespace.
        `b=$(cat ${path.join(n.dir, 'boot.pid')} 2>/dev/null)`,
        `if [ -n "$b" ] && tr '\\0' ' ' < /proc/$b/cmdline 2>/dev/null | grep -qF ${n.dir}/; then kill -9 "$b"; fi`,
        `for p in $(ip netns pids ${n.netns} 2>/dev/null); do kill -9 "$p" 2>/dev/null; done`,
        `ip netns del ${n.netns} 2>/dev/null`,
        `ip link del ${n.hostVeth} 2>/dev/null`,
        `rm -rf ${n.dir}`,
        'exit 0',
      ],
      `stopping ${n.netns}`,
    );
    await rm(path.join(SLOT_DIR, String(n.slot)), { force: true });
  } catch {
    // The slow way, but it always ends with nothing left.
    destroySlotSync(n.slot);
  } finally {
    liveSlots.delete(n.slot);
  }
}

/**
 * Starts a sandbox host. Without `bootDelayMs` it resolves once sshd answers; with it, it
 * resolves as soon as the network is up and sshd starts answering after the delay.
 */
export async function startSandboxHost(opts: SandboxHostOptions): Promise<SandboxHost> {
  validate(opts);
  installExitHook();
  const wired = pool.pop();
  const slot = wired?.slot ?? claimSlot();
  const n: Wired = wired ?? { ...names(slot), slot };
  liveSlots.add(slot);
  try {
    await prepareFiles(n.dir, n.ip, opts);
    if (!wired) await createNetwork(n);
    const delay = Math.max(0, Math.floor(opts.bootDelayMs ?? 0));
    const boot = path.join(n.dir, 'boot.sh');
    await writeFile(
      boot,
      // The pid stays through every exec down to sshd, so a stop that comes before the process
      // has entered the namespace still finds it.
      `echo $$ > ${path.join(n.dir, 'boot.pid')}\n` +
        `exec ip netns exec ${n.netns} unshare --mount --uts --propagation private -- /bin/sh ${path.join(n.dir, 'init.sh')} ${n.dir} ${opts.hostname} ${delay}\n`,
      { mode: 0o700 },
    );
    const exit = startJob(boot);
    if (delay === 0) await waitForSshd(opts.id, n, 15_000, exit);
  } catch (e) {
    await destroySlot(n);
    throw e;
  }
  let stopped: Promise<void> | undefined;
  return {
    id: opts.id,
    hostname: opts.hostname,
    ip: n.ip,
    mac: n.mac,
    netns: n.netns,
    hostVeth: n.hostVeth,
    sshPort: SSH_PORT,
    async setLinkUp(up: boolean): Promise<void> {
      await run('ip', ['link', 'set', n.hostVeth, up ? 'up' : 'down']);
    },
    stop(): Promise<void> {
      // Kill sshd and anything its sessions left running, then drop the namespaces.
      stopped ??= destroySlot(n);
      return stopped;
    },
  };
}
