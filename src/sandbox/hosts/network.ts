import { execFile, execFileSync } from 'node:child_process';
import { AppError } from '../../errors.js';
import type { HostSlot } from './layout.js';
import { runSlotJob } from './slot-jobs.js';

/**
 * Network wiring: a slot's namespace, a veth pair between it and this machine (a /30 with the
 * host's default route through this machine's end), the addresses a host holds besides its
 * link's (a /32 on its eth0 and a /32 route to it here: its replies leave by its default route,
 * and come in on the veth this machine routes that source back through, which strict reverse
 * path filtering asks for), and the fence that keeps sandbox traffic from ever leaving the
 * machine.
 */

/**
 * What no real network may see: the hosts' links and the sandbox's EIPs (its top /22). Only a live
 * host's more specific route leads anywhere. Private subnet ranges are not fenced (this machine
 * may sit on one): their addresses get /32 routes only.
 */
export const FENCED_RANGES = ['198.18.0.0/15'];
/**
 * Ranges an earlier version fenced for its EIPs. Machines like this one reach their package
 * registries through a proxy in 203.0.113.0/24, so such a fence cut them off: it is removed.
 */
const FORMERLY_FENCED = ['203.0.113.0/24', '198.51.100.0/24'];

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
 * Makes the fenced ranges unreachable except through a live host's veth (its routes are more
 * specific). Without it, traffic to a stopped host or one whose link is down would leave this
 * machine by the default route; sandbox traffic must never leave the machine.
 */
function fenceSandboxRanges(): Promise<void> {
  fenced ??= Promise.all([
    ...FENCED_RANGES.map((range) => run('ip', ['route', 'replace', 'unreachable', range])),
    // Gone already on most machines: `ip route del` then fails, which is fine.
    ...FORMERLY_FENCED.map((range) =>
      run('ip', ['route', 'del', 'unreachable', range]).catch(() => ''),
    ),
  ]).then(() => undefined);
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
  await fenceSandboxRanges();
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

// The route to an address a host holds; while its link is down (which drops every route through
// it) the address is unreachable instead, so its traffic never takes this machine's default route.
const routeTo = (n: HostSlot, ip: string) =>
  `ip route replace ${ip}/32 via ${n.ip} dev ${n.hostVeth} || ` +
  `ip route replace unreachable ${ip}/32`;

const unrouteLines = (n: HostSlot, ip: string) => [
  `ip route del ${ip}/32 dev ${n.hostVeth} 2>/dev/null`,
  `ip route del unreachable ${ip}/32 2>/dev/null`,
];

/** Adds `ip` to the host's eth0 and routes it to the host from this machine. */
export async function addHostAddress(n: HostSlot, ip: string): Promise<void> {
  await fenceSandboxRanges();
  await runSlotJob(
    n.slot,
    `address-${ip}`,
    ['set -e', `ip -n ${n.netns} addr replace ${ip}/32 dev eth0`, routeTo(n, ip)],
    `adding ${ip} to ${n.netns}`,
  );
}

/** Removes `ip` from the host's eth0 and its route here; an address it does not have is fine. */
export async function removeHostAddress(n: HostSlot, ip: string): Promise<void> {
  await runSlotJob(
    n.slot,
    `address-${ip}`,
    [`ip -n ${n.netns} addr del ${ip}/32 dev eth0 2>/dev/null`, ...unrouteLines(n, ip), 'exit 0'],
    `removing ${ip} from ${n.netns}`,
  );
}

/** The lines of a job that removes the routes to a host's addresses (it is being torn down). */
export function unrouteHostAddressLines(n: HostSlot, ips: string[]): string[] {
  return ips.flatMap((ip) => unrouteLines(n, ip));
}

/**
 * Routes a kept host's addresses again (a persistent sandbox's next process adopting it), and
 * puts the fence back; idempotent. Synchronous, as adoption is: it happens once, at start.
 */
export function restoreHostRoutesSync(n: HostSlot, ips: string[]): void {
  const lines = [
    ...FENCED_RANGES.map((range) => `route replace unreachable ${range}`),
    ...ips.map((ip) => `route replace ${ip}/32 via ${n.ip} dev ${n.hostVeth}`),
  ];
  try {
    execFileSync('ip', ['-force', '-batch', '-'], {
      input: `${lines.join('\n')}\n`,
      stdio: 'pipe',
    });
  } catch {
    // -force ran every line; one failed (its link is down): the host still answers on the rest.
  }
}

/**
 * Takes this machine's end of a host's link up or down (a network outage, seen from the host),
 * with the routes to the addresses it holds: unreachable while down, through its link once up.
 */
export async function setHostLinkUp(n: HostSlot, up: boolean, ips: string[]): Promise<void> {
  if (ips.length === 0) {
    await run('ip', ['link', 'set', n.hostVeth, up ? 'up' : 'down']);
    return;
  }
  const lines = up
    ? [`ip link set ${n.hostVeth} up`, ...ips.map((ip) => routeTo(n, ip))]
    : [
        `ip link set ${n.hostVeth} down`,
        ...ips.map((ip) => `ip route replace unreachable ${ip}/32`),
      ];
  await runSlotJob(n.slot, 'link', ['set -e', ...lines], `taking ${n.netns} ${up ? 'up' : 'down'}`);
}
