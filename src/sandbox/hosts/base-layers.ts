import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runJob } from '../launcher.js';
import { BASE_DIR, JOB_DIR, RUN_DIR } from './layout.js';

/**
 * The two overlay layers every host's root has between its own upper directory and this
 * machine's `/`, built once per machine on a small tmpfs (overlayfs refuses a lower layer on the
 * filesystem of another, `/`, so they cannot be plain directories under /run on a machine whose
 * /run is not a tmpfs):
 * - the skeleton, what a new machine has: an empty /root (with .ssh), /opt, /tmp, /var/tmp and
 *   /run (with sshd's privilege-separation directory), and a minimal /dev (null, zero, full,
 *   random, urandom, tty, the /proc/self/fd links, pts/ and shm/);
 * - the whiteouts (0:0 character devices), which end the lookup there, so those paths show the
 *   skeleton's and never this machine's, and hide this machine's sshd host keys.
 * Static things live here rather than in each host's upper layer, so booting a host writes only
 * what makes it that host. (A directory cannot simply be marked opaque in the upper layer: that
 * is an xattr per directory per boot, which Node cannot set and no tool here is sure to.)
 */

const HIDDEN = ['root', 'opt', 'tmp', 'var/tmp', 'run', 'dev'];
const SSH_HOST_KEYS = '/etc/ssh/ssh_host_*';

// Built beside the final name and renamed into place, under a lock (test processes start hosts
// concurrently), so a half-built layer is never used.
const BUILD = `umask 022
S="$T/skeleton"; W="$T/whiteouts"
mkdir -p "$S/root/.ssh" "$S/opt" "$S/tmp" "$S/var/tmp" "$S/run/sshd" "$S/dev/pts" "$S/dev/shm"
chmod 700 "$S/root" "$S/root/.ssh"
chmod 1777 "$S/tmp" "$S/var/tmp" "$S/dev/shm"
mknod -m 666 "$S/dev/null" c 1 3
mknod -m 666 "$S/dev/zero" c 1 5
mknod -m 666 "$S/dev/full" c 1 7
mknod -m 666 "$S/dev/random" c 1 8
mknod -m 666 "$S/dev/urandom" c 1 9
mknod -m 666 "$S/dev/tty" c 5 0
ln -s /proc/self/fd "$S/dev/fd"
ln -s /proc/self/fd/0 "$S/dev/stdin"
ln -s /proc/self/fd/1 "$S/dev/stdout"
ln -s /proc/self/fd/2 "$S/dev/stderr"
ln -s pts/ptmx "$S/dev/ptmx"
mkdir -p "$W/var" "$W/etc/ssh"
for p in ${HIDDEN.join(' ')}; do mknod "$W/$p" c 0 0; done
for f in ${SSH_HOST_KEYS}; do if [ -e "$f" ]; then mknod "$W/etc/ssh/\${f##*/}" c 0 0; fi; done
`;

/**
 * Where this version's layers are: named after how they are built, since the tmpfs outlives this
 * process and a later version builds its own beside an older one.
 */
const VERSION_DIR = path.join(
  BASE_DIR,
  createHash('sha256').update(BUILD).digest('hex').slice(0, 12),
);

/** The lower layers of a host's root, top first, for overlayfs' `lowerdir`. */
export const BASE_LOWERDIRS = `${VERSION_DIR}/skeleton:${VERSION_DIR}/whiteouts:/`;

const SCRIPT = `set -e
mkdir -p ${BASE_DIR}
exec 9>${RUN_DIR}/base.lock
flock 9
mountpoint -q ${BASE_DIR} || mount -t tmpfs -o size=1m,mode=0755 oneclick-sandbox-base ${BASE_DIR}
[ -d ${VERSION_DIR} ] && exit 0
T=${VERSION_DIR}.new
rm -rf "$T"
${BUILD}
mv -T "$T" ${VERSION_DIR}
`;

let ready: Promise<void> | undefined;

/** Makes sure the base layers exist; once per process, retried after a failure. */
export function ensureBaseLayers(): Promise<void> {
  ready ??= build().catch((e: unknown) => {
    ready = undefined;
    throw e;
  });
  return ready;
}

async function build(): Promise<void> {
  await mkdir(JOB_DIR, { recursive: true, mode: 0o700 });
  const file = path.join(JOB_DIR, `base-layers-${process.pid}.sh`);
  try {
    await writeFile(file, SCRIPT, { mode: 0o700 });
    await runJob(file, 'building the base layers of sandbox hosts');
  } finally {
    await rm(file, { force: true });
    await rm(`${file}.log`, { force: true });
  }
}
