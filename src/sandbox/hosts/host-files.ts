import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
// ssh2 is CommonJS: under plain Node ESM only its default export is importable.
import ssh2 from 'ssh2';
import { sha512Crypt } from '../sha512-crypt.js';
import { BASE_LOWERDIRS } from './base-layers.js';
import type { SandboxHostOptions } from './host-options.js';
import { ROOT_DIR, RUN_DIR, SSHD, SSHD_PID_PATH, SSH_PORT, UPPER_DIR, WORK_DIR } from './layout.js';

/**
 * A host's own files, in its directory under /run: the script that boots it, the mounts that make
 * its root, and its root's upper layer, seeded with what makes it this host (machine-id,
 * hostname, root's password and authorized keys, its sshd's configuration and host key; the rest
 * of a new machine is in the shared base layers). Everything the host writes lands there too.
 */

export const INIT_SCRIPT_FILE = 'init.sh';

function sshdConfig(): string {
  return [
    // Every address of the host: its link's and those it is given later (its subnet address,
    // its EIPs). Its namespace has no other interface than eth0 and lo, like a cloud server.
    `ListenAddress 0.0.0.0:${SSH_PORT}`,
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    `PidFile ${SSHD_PID_PATH}`,
    'PermitRootLogin yes',
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    // Without PAM sshd checks passwords against /etc/shadow itself: the host's own.
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

// Runs inside the host's new mount, UTS and PID namespaces, then becomes sshd. Few processes on
// purpose (fifty hosts may boot at once): the hostname through /proc, the overlay root and its
// /proc, /sys and /dev/pts from the host's own fstab in one `mount -a`, then the
// overlay made the root and this machine's tree detached (pivot_root(".", ".") then a lazy
// unmount of the old root stacked on it), so nothing outside the host is reachable from it.
const INIT_SCRIPT = `set -e
D="$1"; HN="$2"; DELAY="$3"
echo "$HN" > /proc/sys/kernel/hostname
mount -a -T "$D/fstab"
cd "$D/${ROOT_DIR}"
pivot_root . .
umount -l .
cd /
if [ "$DELAY" -gt 0 ]; then sleep "$(($DELAY / 1000)).$(printf '%03d' $(($DELAY % 1000)))"; fi
exec ${SSHD} -D -e -f /etc/ssh/sshd_config
`;

/**
 * The host's mounts, in order: its root (an overlay of the base layers over this machine's `/`,
 * written to its own upper directory), then, inside it, a new /proc (of its PID namespace), a
 * read-only /sys (mounted in its network namespace, so it lists its own eth0) and a new devpts.
 */
function fstab(dir: string): string {
  const root = path.join(dir, ROOT_DIR);
  const overlay =
    `lowerdir=${BASE_LOWERDIRS},upperdir=${path.join(dir, UPPER_DIR)},` +
    `workdir=${path.join(dir, WORK_DIR)}`;
  const lines = [
    `overlay ${root} overlay ${overlay} 0 0`,
    `proc ${root}/proc proc nosuid,nodev,noexec 0 0`,
    `sysfs ${root}/sys sysfs ro,nosuid,nodev,noexec 0 0`,
    `devpts ${root}/dev/pts devpts newinstance,ptmxmode=0666,mode=0620 0 0`,
  ];
  return lines.map((l) => `${l}\n`).join('');
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

// The upper layer's directories, parents first: those its files need, and /run, where this
// machine watches for sshd's PidFile. Their modes are the skeleton's (root, .ssh) or a stock
// Debian's (etc, etc/ssh), as the upper directory's mode is the one the host sees.
const UPPER_DIRS: [string, number][][] = [
  [
    ['etc', 0o755],
    ['root', 0o700],
    ['run', 0o755],
  ],
  [
    ['etc/ssh', 0o755],
    ['root/.ssh', 0o700],
  ],
];

let shadowGid: number | undefined;
/** The group of this machine's /etc/shadow (`shadow` on Debian), read once. */
function shadowGroup(): number {
  shadowGid ??= statSync('/etc/shadow').gid;
  return shadowGid;
}

/** Writes a fresh directory `dir` with everything the host boots from. */
export async function writeHostFiles(dir: string, opts: SandboxHostOptions): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(RUN_DIR, { recursive: true, mode: 0o755 });
  await mkdir(dir, { mode: 0o700 });
  const upper = path.join(dir, UPPER_DIR);
  await Promise.all(
    [upper, path.join(dir, WORK_DIR), path.join(dir, ROOT_DIR)].map((d) => mkdir(d)),
  );
  for (const level of UPPER_DIRS) {
    await Promise.all(level.map(([d, mode]) => mkdir(path.join(upper, d), { mode })));
  }
  // Hashed and keyed in-process: fifty hosts booting at once should not mean a hundred more
  // processes. 1000 rounds (the minimum) is plenty for an ephemeral host's shadow.
  const hash =
    opts.rootPassword === undefined ? undefined : sha512Crypt(opts.rootPassword, { rounds: 1000 });
  const hostKey = ed25519HostKey(opts.hostname);
  const up = (p: string) => path.join(upper, p);
  const shadow = up('etc/shadow');
  await Promise.all([
    writeFile(up('etc/machine-id'), `${randomBytes(16).toString('hex')}\n`, { mode: 0o444 }),
    writeFile(up('etc/hostname'), `${opts.hostname}\n`),
    writeFile(shadow, shadowWithRoot(hash), { mode: 0o640 }).then(() =>
      chown(shadow, 0, shadowGroup()),
    ),
    writeFile(
      up('root/.ssh/authorized_keys'),
      (opts.authorizedKeys ?? []).map((k) => `${k.trim()}\n`).join(''),
      { mode: 0o600 },
    ),
    writeFile(up('etc/ssh/sshd_config'), sshdConfig(), { mode: 0o644 }),
    writeFile(up('etc/ssh/ssh_host_ed25519_key'), hostKey.private, { mode: 0o600 }),
    writeFile(up('etc/ssh/ssh_host_ed25519_key.pub'), `${hostKey.public}\n`),
    writeFile(path.join(dir, INIT_SCRIPT_FILE), INIT_SCRIPT, { mode: 0o700 }),
    writeFile(path.join(dir, 'fstab'), fstab(dir)),
  ]);
}
