// Runs the benchmarks in bench/ one after another (or those named on the command line), each in
// its own process so one's memory and sockets do not skew the next. Each prints its own ratio
// against its peer; this runner only sequences them, makes sure the peers' programs are on the
// machine first, and reports which failed.
//
//   npm run bench [-- NAME…]        install missing peers (Debian packages, as root), then run
//   npm run bench -- --list [NAME…] list the benchmarks and their peers' programs; runs nothing
//   npm run bench -- --peers [NAME…] install missing peers only
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
// Entry points are bench/<name>.ts that are not helpers (helpers end in -common or -client) nor
// hidden (deploy-overhead's temporary copy of itself while it measures a peer checkout).
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !/-(common|client|worker)\.ts$/.test(f))
  .filter((f) => !f.startsWith('.'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

/** A program a benchmark runs as its peer, and the Debian package that brings it. */
interface Peer {
  command: string;
  debian: string;
}
const SCP: Peer = { command: 'scp', debian: 'openssh-client' };
const SSH: Peer = { command: 'ssh', debian: 'openssh-client' };
const ANSIBLE: Peer = { command: 'ansible-playbook', debian: 'ansible-core' };
const PEERS: Record<string, Peer[]> = {
  'pull-vs-push': [SCP, SSH],
  'push-throughput': [SCP],
  // BENCH_SKIP_ANSIBLE=1 leaves Ansible out (the benchmark then compares with scp + ssh only).
  'push-install-vs-ansible': [
    ...(process.env.BENCH_SKIP_ANSIBLE === '1' ? [] : [ANSIBLE]),
    SCP,
    SSH,
  ],
};

const onPath = (command: string): boolean =>
  spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0;

const args = process.argv.slice(2);
const list = args.includes('--list');
const peersOnly = args.includes('--peers');
const wanted = args.filter((a) => a !== '--list' && a !== '--peers');
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
const chosen = wanted.length ? wanted : all;
const missingOf = (name: string): Peer[] => (PEERS[name] ?? []).filter((p) => !onPath(p.command));

if (list) {
  for (const name of chosen) {
    const peers = (PEERS[name] ?? []).map(
      (p) => `${p.command} ${onPath(p.command) ? 'found' : `missing (Debian ${p.debian})`}`,
    );
    console.log(`${name.padEnd(24)} ${peers.length ? peers.join(', ') : 'no external peer'}`);
  }
  process.exit(0);
}

// Missing peers are installed the way scripts/setup.sh installs Debian packages: apt-get, as root.
const packages = [...new Set(chosen.flatMap(missingOf).map((p) => p.debian))];
if (packages.length) {
  const apt = process.getuid?.() === 0 && onPath('apt-get');
  if (apt) {
    console.log(`bench: apt-get install ${packages.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
    });
  }
}

const failed: string[] = [];
for (const name of chosen) {
  if (!peersOnly) console.log(`\n=== ${name} ===`);
  const missing = missingOf(name);
  if (missing.length) {
    const pkgs = [...new Set(missing.map((p) => p.debian))].join(' ');
    const skip = missing.includes(ANSIBLE) ? ', or BENCH_SKIP_ANSIBLE=1 to leave Ansible out' : '';
    console.error(
      `${name} needs ${missing.map((p) => p.command).join(', ')}: as root, apt-get install ${pkgs}${skip}`,
    );
    failed.push(name);
    continue;
  }
  if (peersOnly) continue;
  // --expose-gc lets the memory benchmark collect before it measures.
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join(dir, `${name}.ts`)],
    {
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) failed.push(name);
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
