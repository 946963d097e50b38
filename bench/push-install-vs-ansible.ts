/**
 * Push + install of a 100 MiB package to 20 sandbox servers (real sshd, own namespaces):
 * OneClick (all servers at once, push with server-side sha256 check, then the installer over
 * exec) against an Ansible playbook doing copy + shell to the same servers with 20 forks.
 *
 *   npx tsx bench/push-install-vs-ansible.ts [servers=20] [sizeMiB=100] [rounds=1] [sftp|stream]
 *     [parallel=servers]
 *
 * Prints the wall time of each and the ratio Ansible / OneClick (target >= 4), and the machine's
 * CPU seconds each spent. A third peer, OpenSSH's own `scp` then `ssh` to every server at once
 * (AES-GCM, no checks), shows what the SSH transport itself costs on this machine: the
 * encryption, the TCP copies and sshd's work, which no client can skip. Needs Linux, root and
 * ansible-playbook (Debian's ansible-core or PyPI's ansible-core).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectSsh, type SshSession } from '../src/ssh/connect.js';
import { runChecked } from '../src/ssh/exec.js';
import { pushFile, type PushMethod } from '../src/ssh/push.js';
import {
  median,
  putRandomPackage,
  run,
  setUpPushBench,
  sourceOf,
  sshOptions,
  timed,
} from './push-common.js';
import { machineCpuSeconds } from './cpu-common.js';

const servers = Number(process.argv[2] ?? 20);
const sizeMiB = Number(process.argv[3] ?? 100);
const rounds = Number(process.argv[4] ?? 1);
const method = (process.argv[5] ?? 'sftp') as PushMethod;
// Pushes in flight at once (a worker's maxConcurrentActivityTaskExecutions); default all.
const parallel = Number(process.argv[6] ?? servers);
const skipAnsible = process.env.BENCH_SKIP_ANSIBLE === '1';
const ANSIBLE_DIR = fileURLToPath(new URL('./ansible/', import.meta.url));
const INSTALL =
  'mkdir -p /opt/app && cp /opt/pkgs/app.run /opt/app/app && chmod 0755 /opt/app/app && /opt/app/app --version';

const bench = setUpPushBench();
try {
  const hosts = await bench.startHosts(servers);
  // A runnable package: a script answering --version, padded with random bytes after `exit`.
  const pkg = await putRandomPackage(
    bench.store,
    sizeMiB * 1024 * 1024,
    '#!/bin/sh\necho "app 1.0"',
  );
  const source = sourceOf(bench.store, pkg);
  const inventory = path.join(bench.dir, 'inventory.ini');
  writeFileSync(
    inventory,
    ['[servers]', ...hosts.map((h) => `${h.id} ansible_host=${h.ip}`)].join('\n') +
      `\n[servers:vars]\nansible_user=root\nansible_ssh_private_key_file=${bench.keyFile}\n`,
  );

  const admin: SshSession[] = await Promise.all(
    hosts.map((h) => connectSsh({ host: h.ip, username: 'root', privateKey: bench.privateKey })),
  );
  const reset = () =>
    Promise.all(admin.map((s) => runChecked(s, 'rm -rf /opt/pkgs /opt/app && mkdir -p /opt/pkgs')));
  // Both peers must leave the same bytes installed on every server.
  const verifyAll = () =>
    Promise.all(
      admin.map(async (s) => {
        const r = await runChecked(s, 'openssl dgst -sha256 -r /opt/app/app | cut -c1-64', {
          captureStdout: true,
        });
        if (r.stdout?.trim() !== pkg.sha256) throw new Error('installed file differs');
      }),
    );

  const deliver = async (h: (typeof hosts)[number]) => {
    const s = await connectSsh({ host: h.ip, username: 'root', privateKey: bench.privateKey });
    try {
      await pushFile(s, source, { remotePath: '/opt/pkgs/app.run', method });
      await runChecked(s, INSTALL, { what: 'installer' });
    } finally {
      s.close();
    }
  };
  const oneclick = async () => {
    const queue = [...hosts];
    await Promise.all(
      Array.from({ length: Math.min(parallel, hosts.length) }, async () => {
        for (let h = queue.shift(); h; h = queue.shift()) await deliver(h);
      }),
    );
  };
  const ansible = () =>
    run(
      'ansible-playbook',
      ['-i', inventory, '-e', `package_file=${source.localPath!}`, 'push-install.yml'],
      ANSIBLE_DIR,
    );

  // The transport alone: OpenSSH's tools, no sha256 check, no temporary name, no resume.
  const openssh = () =>
    Promise.all(
      hosts.map(async (h) => {
        const opts = [...sshOptions(bench.keyFile), '-c', 'aes128-gcm@openssh.com'];
        await run('scp', [...opts, '-q', source.localPath!, `root@${h.ip}:/opt/pkgs/app.run`]);
        await run('ssh', [...opts, `root@${h.ip}`, INSTALL]);
      }),
    );

  type Peer = 'oneclick' | 'ansible' | 'openssh';
  const times: Record<Peer, number[]> = { oneclick: [], ansible: [], openssh: [] };
  const machineCpu: Record<Peer, number[]> = { oneclick: [], ansible: [], openssh: [] };
  const cpuSeconds: number[] = [];
  const measure = async (peer: Peer, fn: () => Promise<unknown>) => {
    await reset();
    // Let the previous round's writes and teardown settle so they do not bill this one.
    await new Promise((r) => setTimeout(r, 1000));
    const m0 = machineCpuSeconds();
    const cpu0 = process.cpuUsage();
    times[peer].push(await timed(fn));
    const cpu = process.cpuUsage(cpu0);
    machineCpu[peer].push(machineCpuSeconds() - m0);
    if (peer === 'oneclick') cpuSeconds.push((cpu.user + cpu.system) / 1e6);
    await verifyAll();
  };
  for (let r = 0; r < rounds; r++) {
    if (!skipAnsible) await measure('ansible', ansible);
    await measure('openssh', openssh);
    await measure('oneclick', oneclick);
  }
  for (const s of admin) s.close();
  const o = median(times.oneclick);
  const a = skipAnsible ? NaN : median(times.ansible);
  console.log(`push + install of ${sizeMiB} MiB to ${servers} sandbox servers, ${rounds} round(s)`);
  console.log(
    `oneclick ${o.toFixed(2)} s (push method ${method}, ${parallel} at a time; OneClick process CPU ${median(cpuSeconds).toFixed(2)} s)`,
  );
  console.log(`ansible  ${a.toFixed(2)} s`);
  console.log(
    `openssh  ${median(times.openssh).toFixed(2)} s (OpenSSH's own scp + ssh, no checks)`,
  );
  const cpuLine = (peer: Peer) =>
    `${peer} ${median(machineCpu[peer]).toFixed(1)} CPU-s (${(median(machineCpu[peer]) / ((servers * sizeMiB) / 1024)).toFixed(1)} per GiB)`;
  console.log(
    `machine CPU spent: ${cpuLine('oneclick')}, ${cpuLine('openssh')}${skipAnsible ? '' : `, ${cpuLine('ansible')}`}`,
  );
  console.log(`ratio ansible/oneclick: ${(a / o).toFixed(2)}x (target >= 4)`);
  console.log(
    `ratio ansible/openssh: ${(a / median(times.openssh)).toFixed(2)}x (what the SSH transport itself allows)`,
  );
} finally {
  await bench.cleanup();
}
