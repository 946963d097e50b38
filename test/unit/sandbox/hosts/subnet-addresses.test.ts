import { describe, expect, it } from 'vitest';
import {
  parseHostAddress,
  subnetHostAddresses,
} from '../../../../src/sandbox/hosts/subnet-addresses.js';

const all = (cidr: string, gateway: string) => [...subnetHostAddresses(cidr, gateway)];

describe('subnetHostAddresses', () => {
  it('skips what Huawei VPC keeps in a /24: .0, the gateway .1, .253, .254 and .255', () => {
    const ips = all('192.168.0.0/24', '192.168.0.1');
    expect(ips[0]).toBe('192.168.0.2');
    expect(ips.at(-1)).toBe('192.168.0.252');
    expect(ips).toHaveLength(256 - 5);
  });

  it('skips a gateway placed elsewhere too, and the first address all the same', () => {
    const ips = all('10.0.8.0/28', '10.0.8.9');
    expect(ips).toEqual([
      '10.0.8.2',
      '10.0.8.3',
      '10.0.8.4',
      '10.0.8.5',
      '10.0.8.6',
      '10.0.8.7',
      '10.0.8.8',
      '10.0.8.10',
      '10.0.8.11',
      '10.0.8.12',
    ]);
  });

  it('has nothing to give in a block too small for a server', () => {
    expect(all('172.16.0.0/30', '172.16.0.1')).toEqual([]);
  });

  it("refuses a malformed block or gateway, and one overlapping the hosts' links", () => {
    expect(() => all('192.168.0.1/24', '192.168.0.1')).toThrow(
      expect.objectContaining({ code: 'INVALID_SUBNET_CIDR' }),
    );
    expect(() => all('192.168.0.0/24', 'gateway')).toThrow(
      expect.objectContaining({ code: 'INVALID_IP_ADDRESS' }),
    );
    expect(() => all('198.0.0.0/8', '198.0.0.1')).toThrow(
      expect.objectContaining({ code: 'SANDBOX_ADDRESS_RESERVED' }),
    );
  });
});

describe('parseHostAddress', () => {
  it("takes an EIP and refuses an address of the hosts' link range", () => {
    expect(parseHostAddress('203.0.113.9')).toBe(((203 << 24) >>> 0) + (113 << 8) + 9);
    expect(() => parseHostAddress('198.19.255.254')).toThrow(
      expect.objectContaining({ code: 'SANDBOX_ADDRESS_RESERVED' }),
    );
    expect(() => parseHostAddress('1.2.3')).toThrow(
      expect.objectContaining({ code: 'INVALID_IP_ADDRESS' }),
    );
  });
});
