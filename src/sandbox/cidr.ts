/** IPv4 CIDR arithmetic for the emulator's VPC and subnet checks. */

export interface Cidr {
  base: number;
  prefix: number;
}

/** Parses a dotted IPv4 address into an unsigned 32-bit number; undefined when malformed. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `a.b.c.d/n` whose host bits are zero; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [ip, len, ...rest] = text.split('/');
  if (ip === undefined || len === undefined || rest.length > 0 || !/^\d{1,2}$/.test(len)) {
    return undefined;
  }
  const base = parseIpv4(ip);
  const prefix = Number(len);
  if (base === undefined || prefix > 32) return undefined;
  if ((base & mask(prefix)) >>> 0 !== base) return undefined;
  return { base, prefix };
}

/** True when `inner` lies wholly inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && (inner.base & mask(outer.prefix)) >>> 0 === outer.base;
}

/** True when two blocks share any address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** True when `ip` is a usable host address of `cidr` (not its network or broadcast address). */
export function isHostAddress(cidr: Cidr, ip: number): boolean {
  const size = 2 ** (32 - cidr.prefix);
  return ip > cidr.base && ip < cidr.base + size - 1;
}

/** Formats an unsigned 32-bit number as dotted IPv4. */
export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * Addresses a VPC subnet can give to ports: all of the block less the five a Huawei subnet keeps
 * (the network address, the gateway, the two before the broadcast address, the broadcast).
 */
export function usableAddressCount(cidr: Cidr): number {
  return Math.max(2 ** (32 - cidr.prefix) - 5, 0);
}
