import { readFileSync } from 'node:fs';
import { endianness, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { cidrContains, formatIpv4, parseCidr, parseIpv4, type Cidr } from '../cidr.js';
import { FENCED_RANGES } from './network.js';
import type { MachineNetworks } from './subnet-addresses.js';

/**
 * This machine's own networking, which a sandbox host's subnet address must stay clear of: the
 * networks it is on-link to (its interfaces' networks and its direct routes), its gateways and its
 * DNS resolvers. The sandbox's own links and ranges (FENCED_RANGES) are not among them.
 */

const FENCED = FENCED_RANGES.map((range) => parseCidr(range)).filter(
  (block): block is Cidr => block !== undefined,
);
const fenced = (block: Cidr) => FENCED.some((range) => cidrContains(range, block));

/** The hosts' ends of their links are named ocv<slot> (layout.ts). */
const SANDBOX_DEV = /^ocv\d+$/;

/** `a.b.c.d/n` of the network an interface address `address/n` is on; undefined when malformed. */
function networkOf(cidr: string): Cidr | undefined {
  const [ip, len] = cidr.split('/');
  const n = parseIpv4(ip ?? '');
  const prefix = Number(len);
  if (n === undefined || !/^\d{1,2}$/.test(len ?? '') || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (n & mask) >>> 0, prefix };
}

/** A /proc/net/route address (hex, in this machine's byte order) as a number. */
function routeAddress(hex: string, littleEndian: boolean): number | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const n = Number.parseInt(hex, 16);
  if (!littleEndian) return n;
  return (
    (((n & 255) << 24) | (((n >>> 8) & 255) << 16) | (((n >>> 16) & 255) << 8) | (n >>> 24)) >>> 0
  );
}

const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;

interface Route {
  dev: string;
  dest: Cidr;
  gateway?: number;
}

/** The routes of /proc/net/route's text (the main table), but unreachable ones. */
function parseRoutes(text: string, littleEndian: boolean): Route[] {
  return text
    .split('\n')
    .slice(1)
    .flatMap((line) => {
      const [dev, dest, gw, flagsHex, , , , maskHex] = line.trim().split(/\s+/);
      const flags = Number.parseInt(flagsHex ?? '', 16);
      const base = routeAddress(dest ?? '', littleEndian);
      const gateway = routeAddress(gw ?? '', littleEndian);
      const mask = routeAddress(maskHex ?? '', littleEndian);
      if (!dev || dev === '*' || base === undefined || mask === undefined || Number.isNaN(flags)) {
        return [];
      }
      if (flags & RTF_REJECT) return [];
      const prefix = mask.toString(2).replace(/0/g, '').length;
      return [{ dev, dest: { base, prefix }, ...(flags & RTF_GATEWAY ? { gateway } : {}) }];
    });
}

const isIpv4 = (i: NetworkInterfaceInfo) => i.family === 'IPv4' || (i.family as unknown) === 4;

/**
 * What `interfaces` (os.networkInterfaces()), `routeTable` (/proc/net/route) and `resolvConf`
 * (/etc/resolv.conf) say this machine's networking is. The sandbox's links and fenced ranges are
 * left out; so is a direct default route (a point-to-point link's), which is no neighbourhood.
 */
export function machineNetworksFrom(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  routeTable: string,
  resolvConf: string,
  littleEndian = endianness() === 'LE',
): MachineNetworks {
  const onLink = new Map<string, { cidr: string; dev: string }>();
  const add = (dev: string, block: Cidr | undefined) => {
    if (!block || block.prefix === 0 || SANDBOX_DEV.test(dev) || fenced(block)) return;
    const cidr = `${formatIpv4(block.base)}/${block.prefix}`;
    if (!onLink.has(cidr)) onLink.set(cidr, { cidr, dev });
  };
  for (const [dev, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) if (isIpv4(info) && info.cidr) add(dev, networkOf(info.cidr));
  }
  const addresses: MachineNetworks['addresses'] = [];
  for (const route of parseRoutes(routeTable, littleEndian)) {
    if (route.gateway === undefined) add(route.dev, route.dest);
    else if (!SANDBOX_DEV.test(route.dev) && route.gateway !== 0) {
      const ip = formatIpv4(route.gateway);
      const what = route.dest.prefix === 0 ? 'default gateway' : 'gateway';
      addresses.push({ ip, what: `${what} (via ${route.dev})` });
    }
  }
  for (const line of resolvConf.split('\n')) {
    const ip = /^\s*nameserver\s+(\S+)/.exec(line)?.[1];
    if (ip !== undefined && parseIpv4(ip) !== undefined) {
      addresses.push({ ip, what: 'DNS resolver (/etc/resolv.conf)' });
    }
  }
  return { onLink: [...onLink.values()], addresses };
}

const readOr = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** This machine's networking now (read afresh each time: interfaces come and go). */
export function machineNetworks(): MachineNetworks {
  return machineNetworksFrom(
    networkInterfaces(),
    readOr('/proc/net/route'),
    readOr('/etc/resolv.conf'),
  );
}
