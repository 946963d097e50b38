import { execFile } from 'node:child_process';
import { AppError } from '../../errors.js';
import type { HostSlot } from './layout.js';
import { runSlotJob } from './slot-jobs.js';

/**
 * Network wiring: a slot's namespace, a veth pair between it and this machine (a /30 with the
 * host's default route through this machine's end), and the fence that keeps sandbox traffic
 * from ever leaving the machine.
 */

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        reject(
          new AppError('SANDBOX_HOST_COMMAND_FAILED', `${cmd} ${args[0] ?? ''} failed: ${stderr}`, {
            cause: err,
          }),
        );
      } else resolve(stdout);
    });
  });
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

/** Creates the slot's network namespace and its link to this machine, addressed and up. */
export async function wireSlotNetwork(n: HostSlot): Promise<void> {
  // The peer is created inside the namespace, already named eth0 with its MAC: moving a device
  // between namespaces (`link set … netns`) waits out an RCU grace period, and those waits are
  // serialized across every host booting at once; creating it there has no such wait.
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

/** Takes this machine's end of a host's link up or down (a network outage, seen from the host). */
export async function setHostLinkUp(hostVeth: string, up: boolean): Promise<void> {
  await run('ip', ['link', 'set', hostVeth, up ? 'up' : 'down']);
}
