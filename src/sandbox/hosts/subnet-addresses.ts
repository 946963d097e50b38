import { AppError } from '../../errors.js';
import {
  cidrContains,
  cidrOverlaps,
  formatIpv4,
  parseCidr,
  parseIpv4,
  type Cidr,
} from '../cidr.js';

/**
 * Which addresses of a VPC subnet a sandbox host may be given, in the order ECS would hand them
 * out. Huawei's VPC keeps five of every subnet (its "Creating a Subnet" guide, for 192.168.0.0/24):
 * the network address (.0), the gateway (.1), one for the system interface (.253), the DHCP
 * service (.254) and the broadcast address (.255); that is, the first two and the last three. A
 * gateway placed elsewhere is skipped too. So 192.168.0.2 is the first address a server gets.
 */

/** The link range of the hosts (layout.ts): no subnet address may fall in it. */
const LINK_RANGE = parseCidr('198.18.0.0/15') ?? { base: 0, prefix: 32 };

/** The top of that range, where sandbox EIPs come from (layout.ts EIP_BLOCKS): not links. */
const EIP_RANGE = parseCidr('198.19.252.0/22') ?? { base: 0, prefix: 32 };

const inBlock = (ip: number, b: { base: number; prefix: number }) =>
  ip >>> (32 - b.prefix) === b.base >>> (32 - b.prefix);

/** Whether `ip` lies in the hosts' own links, which a host's extra address must not. */
export function inLinkRange(ip: number): boolean {
  return inBlock(ip, LINK_RANGE) && !inBlock(ip, EIP_RANGE);
}

/** Parses an address given to a host; throws a clear error for a malformed or reserved one. */
export function parseHostAddress(ip: string): number {
  const n = parseIpv4(ip);
  if (n === undefined) {
    throw new AppError('INVALID_IP_ADDRESS', `not an IPv4 address: ${JSON.stringify(ip)}`);
  }
  if (inLinkRange(n)) {
    throw new AppError('SANDBOX_ADDRESS_RESERVED', `${ip} is in the sandbox hosts' link range`);
  }
  return n;
}

/**
 * What of this machine's own networking a host's extra address must stay clear of: each gets a /32
 * route here, which would shadow whatever really sits at that address (a neighbour on one of this
 * machine's networks, its gateway, its DNS resolver) while the host holds it.
 */
export interface MachineNetworks {
  /** The networks this machine is on-link to (`a.b.c.d/n`), with the interface each is on. */
  onLink: { cidr: string; dev: string }[];
  /** Single addresses to leave alone wherever they are, each with what it is (`gateway via eth0`). */
  addresses: { ip: string; what: string }[];
}

/** No networks to keep clear of (a machine with no interfaces but the sandbox's own). */
export const NO_MACHINE_NETWORKS: MachineNetworks = { onLink: [], addresses: [] };

interface OnLinkBlock extends Cidr {
  cidr: string;
  dev: string;
  end: number;
}

function onLinkBlocks(machine: MachineNetworks): OnLinkBlock[] {
  return machine.onLink.flatMap(({ cidr, dev }) => {
    const block = parseCidr(cidr);
    return block ? [{ ...block, cidr, dev, end: block.base + 2 ** (32 - block.prefix) }] : [];
  });
}

const onLinkError = (what: string, net: { cidr: string; dev: string }) =>
  new AppError(
    'SANDBOX_SUBNET_ON_LINK',
    `${what} lies inside ${net.cidr}, a network this machine is on (${net.dev}): ` +
      `a sandbox server there would shadow this machine's real neighbours`,
    { context: { cidr: what, network: net.cidr, dev: net.dev } },
  );

/**
 * The addresses of `cidr` a server may get, first to last: every address but the network's, the
 * first, the gateway, and the last three; and none inside a network this machine is on, nor one of
 * `machine`'s addresses (its gateway, …). Throws for a malformed block or gateway, and
 * SANDBOX_SUBNET_ON_LINK for a block lying inside this machine's networks (nothing left to give).
 */
export function* subnetHostAddresses(
  cidr: string,
  gatewayIp: string,
  machine: MachineNetworks,
): Generator<string> {
  const block = parseCidr(cidr);
  if (block === undefined) {
    throw new AppError('INVALID_SUBNET_CIDR', `not an IPv4 CIDR block: ${JSON.stringify(cidr)}`);
  }
  const gateway = parseHostAddress(gatewayIp);
  const size = 2 ** (32 - block.prefix);
  if (cidrOverlaps(block, LINK_RANGE)) {
    throw new AppError('SANDBOX_ADDRESS_RESERVED', `${cidr} overlaps the sandbox hosts' links`);
  }
  const nets = onLinkBlocks(machine);
  const around = nets.find((net) => cidrContains(net, block));
  if (around) throw onLinkError(cidr, around);
  const avoid = new Set(machine.addresses.map(({ ip }) => parseIpv4(ip)));
  let given = 0;
  let skipped: OnLinkBlock | undefined;
  for (let ip = block.base + 2; ip <= block.base + size - 4;) {
    const net = nets.find(({ base, end }) => ip >= base && ip < end);
    if (net) {
      // Past the whole network at once: a big subnet around it is not walked address by address.
      skipped = net;
      ip = net.end;
      continue;
    }
    if (ip !== gateway && !avoid.has(ip)) {
      given++;
      yield formatIpv4(ip);
    }
    ip++;
  }
  if (given === 0 && skipped) throw onLinkError(cidr, skipped);
}

/**
 * Throws unless `ip` may be given to a host besides its link's: SANDBOX_ADDRESS_ON_LINK when it lies
 * in a network this machine is on or is one of `machine`'s addresses (its gateway, …).
 */
export function checkOffLink(ip: string, machine: MachineNetworks): void {
  const n = parseHostAddress(ip);
  const net = onLinkBlocks(machine).find(({ base, end }) => n >= base && n < end);
  const address = machine.addresses.find((a) => parseIpv4(a.ip) === n);
  if (net || address) {
    const why = net
      ? `lies inside ${net.cidr}, a network this machine is on (${net.dev})`
      : `is this machine's ${address?.what ?? ''}`;
    throw new AppError(
      'SANDBOX_ADDRESS_ON_LINK',
      `${ip} ${why}: routing it to a sandbox server would cut this machine off it`,
      { context: { ip, ...(net ? { network: net.cidr, dev: net.dev } : {}) } },
    );
  }
}
