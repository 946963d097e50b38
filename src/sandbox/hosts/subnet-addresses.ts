import { AppError } from '../../errors.js';
import { cidrOverlaps, formatIpv4, parseCidr, parseIpv4 } from '../cidr.js';

/**
 * Which addresses of a VPC subnet a sandbox host may be given, in the order ECS would hand them
 * out. Huawei's VPC keeps five of every subnet (its "Creating a Subnet" guide, for 192.168.0.0/24):
 * the network address (.0), the gateway (.1), one for the system interface (.253), the DHCP
 * service (.254) and the broadcast address (.255); that is, the first two and the last three. A
 * gateway placed elsewhere is skipped too. So 192.168.0.2 is the first address a server gets.
 */

/** The link range of the hosts (layout.ts): no subnet address may fall in it. */
const LINK_RANGE = parseCidr('198.18.0.0/15') ?? { base: 0, prefix: 32 };

/** Whether `ip` lies in the hosts' own link range, which a host's extra address must not. */
export function inLinkRange(ip: number): boolean {
  const shift = 32 - LINK_RANGE.prefix;
  return ip >>> shift === LINK_RANGE.base >>> shift;
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
 * The addresses of `cidr` a server may get, first to last: every address but the network's, the
 * first, the gateway, and the last three. Throws for a malformed block or gateway.
 */
export function* subnetHostAddresses(cidr: string, gatewayIp: string): Generator<string> {
  const block = parseCidr(cidr);
  if (block === undefined) {
    throw new AppError('INVALID_SUBNET_CIDR', `not an IPv4 CIDR block: ${JSON.stringify(cidr)}`);
  }
  const gateway = parseHostAddress(gatewayIp);
  const size = 2 ** (32 - block.prefix);
  if (cidrOverlaps(block, LINK_RANGE)) {
    throw new AppError('SANDBOX_ADDRESS_RESERVED', `${cidr} overlaps the sandbox hosts' links`);
  }
  for (let ip = block.base + 2; ip <= block.base + size - 4; ip++) {
    if (ip !== gateway) yield formatIpv4(ip);
  }
}
