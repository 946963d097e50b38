import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { AppError } from '../errors.js';

/**
 * Where OneClick may call a seller's endpoint. A seller chooses the URL, so without a check a
 * seller could make OneClick call this machine's ports or the private network around it (SSRF).
 * Outside the sandbox an endpoint is `https` and every address its host name resolves to is a
 * public one; in the sandbox (no cloud credentials, everything local) plain HTTP on loopback
 * and private addresses are allowed, as before.
 */

/** Address ranges that are never a seller's public endpoint. */
const FORBIDDEN = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata at 169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  FORBIDDEN.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  FORBIDDEN.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIpv4(v6: string): string | undefined {
  const groups = expandIpv6(v6);
  if (!groups) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (n: number) => groups.slice(0, n).every((g) => g === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated)
  if (zeros(5) && (groups[5] === 0xffff || groups[5] === 0)) return v4(groups[6]!, groups[7]!);
  // 64:ff9b::a.b.c.d (NAT64)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) {
    return v4(groups[6]!, groups[7]!);
  }
  // 2002:aabb:ccdd::/48 (6to4)
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return undefined;
}

/** Eight 16-bit groups of an IPv6 address (dotted IPv4 tail allowed), or undefined. */
function expandIpv6(text: string): number[] | undefined {
  let s = text.split('%')[0]!.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const part = (p: string) => (p === '' ? [] : p.split(':').map((g) => parseInt(g, 16)));
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...(Array(Math.max(fill, 0)).fill(0) as number[]), ...t];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

/** This machine's own addresses (any interface), which are never a seller's. */
function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.add(a.address.toLowerCase());
  }
  return out;
}

/** Why an address may not be called, or undefined for a public address. */
export function forbiddenAddressReason(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  const kind = isIP(bare);
  if (kind === 0) return 'is not an IP address';
  if (localAddresses().has(bare.toLowerCase())) return 'is an address of this machine';
  if (kind === 4)
    return FORBIDDEN.check(bare, 'ipv4') ? 'is a private or reserved address' : undefined;
  const v4 = embeddedIpv4(bare);
  if (v4 !== undefined) {
    const inner = forbiddenAddressReason(v4);
    if (inner) return `carries ${v4}, which ${inner}`;
  }
  return FORBIDDEN.check(bare, 'ipv6') ? 'is a private or reserved address' : undefined;
}

export type AddressLookup = (hostname: string) => Promise<string[]>;

const systemLookup: AddressLookup = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface EndpointPolicy {
  /** The sandbox: plain HTTP on loopback and private addresses are allowed. */
  allowPrivateNetwork?: boolean;
  /** Resolves a host name to all its addresses (tests inject one). */
  lookup?: AddressLookup;
}

/** The URL's shape: a URL, no credentials, `https` (or, in the sandbox, `http` on loopback). */
export function sellerUrlShape(text: string, policy: EndpointPolicy = {}): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError('GENERATOR_URL_INVALID', 'The endpoint is not a URL');
  }
  if (url.username || url.password) {
    throw new AppError('GENERATOR_URL_INVALID', 'The endpoint URL must not carry credentials');
  }
  if (url.protocol === 'https:') return url;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && loopback && policy.allowPrivateNetwork) return url;
  throw new AppError('GENERATOR_URL_NOT_HTTPS', 'The endpoint must use HTTPS (KooGallery §2.5)');
}

/**
 * Checks a seller endpoint before OneClick calls it: its shape, then (outside the sandbox) every
 * address its host resolves to. Refuses with GENERATOR_URL_FORBIDDEN (or _INVALID when the name
 * does not resolve); returns the URL.
 */
export async function checkSellerEndpoint(text: string, policy: EndpointPolicy = {}): Promise<URL> {
  const url = sellerUrlShape(text, policy);
  if (policy.allowPrivateNetwork) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await (policy.lookup ?? systemLookup)(host);
    } catch {
      throw new AppError('GENERATOR_URL_INVALID', `The endpoint's host name does not resolve`, {
        context: { host },
      });
    }
    if (addresses.length === 0) {
      throw new AppError('GENERATOR_URL_INVALID', `The endpoint's host name does not resolve`, {
        context: { host },
      });
    }
  }
  for (const address of addresses) {
    const why = forbiddenAddressReason(address);
    if (why) {
      throw new AppError(
        'GENERATOR_URL_FORBIDDEN',
        `The endpoint must be a public address: ${host === address ? address : `${host} resolves to ${address}, which`} ${why}`,
        { context: { host, address } },
      );
    }
  }
  return url;
}
