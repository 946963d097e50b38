import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  cidrOverlaps,
  isHostAddress,
  usableAddressCount,
  parseCidr,
  parseIpv4,
} from '../../../src/sandbox/cidr.js';

describe('CIDR checks', () => {
  it('parses blocks and refuses host bits or bad text', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ base: 10 * 2 ** 24, prefix: 8 });
    expect(parseCidr('10.0.0.1/8')).toBeUndefined();
    expect(parseCidr('10.0.0/8')).toBeUndefined();
    expect(parseCidr('300.0.0.0/8')).toBeUndefined();
  });
  it('knows containment, overlap and host addresses', () => {
    const vpc = parseCidr('192.168.0.0/16')!;
    const a = parseCidr('192.168.1.0/24')!;
    expect(cidrContains(vpc, a)).toBe(true);
    expect(cidrContains(a, vpc)).toBe(false);
    expect(cidrOverlaps(a, parseCidr('192.168.1.128/25')!)).toBe(true);
    expect(cidrOverlaps(a, parseCidr('192.168.2.0/24')!)).toBe(false);
    expect(isHostAddress(a, parseIpv4('192.168.1.1')!)).toBe(true);
    expect(isHostAddress(a, parseIpv4('192.168.1.255')!)).toBe(false);
    expect(isHostAddress(a, parseIpv4('192.168.1.0')!)).toBe(false);
  });
  it('counts what a subnet can give to ports: the block less the five Huawei keeps', () => {
    expect(usableAddressCount(parseCidr('192.168.1.0/24')!)).toBe(251);
    expect(usableAddressCount(parseCidr('10.0.0.0/28')!)).toBe(11);
    expect(usableAddressCount(parseCidr('10.0.0.0/30')!)).toBe(0);
  });
});
