import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
// ssh2 is CommonJS: under plain Node ESM only its default export is importable.
import ssh2 from 'ssh2';
import { sha512Crypt } from '../sha512-crypt.js';
import type { SandboxHostOptions } from './host-options.js';
import { RUN_DIR, SSHD, SSHD_PID_FILE, SSH_PORT } from './layout.js';

/**
 * A host's own files, in its directory under /run: its sshd configuration, host key and
 * authorized keys, the script that boots it, and the files that script bind mounts over the
 * machine's own.
 */

export const INIT_SCRIPT_FILE = 'init.sh';

function sshdConfig(dir: string, ip: string): string {
  return [
    `ListenAddress ${ip}:${SSH_PORT}`,
    `HostKey ${dir}/ssh_host_ed25519_key`,
    `PidFile ${dir}/${SSHD_PID_FILE}`,
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

/** Writes a fresh directory `dir` with everything the host at `ip` boots from. */
export async function writeHostFiles(
  dir: string,
  ip: string,
  opts: SandboxHostOptions,
): Promise<void> {
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
    writeFile(path.join(dir, INIT_SCRIPT_FILE), INIT_SCRIPT, { mode: 0o700 }),
    writeFile(path.join(dir, 'fstab'), fstab(dir)),
    writeFile(path.join(dir, 'ssh_host_ed25519_key'), hostKey.private, { mode: 0o600 }),
    writeFile(path.join(dir, 'ssh_host_ed25519_key.pub'), `${hostKey.public}\n`),
  ]);
}
