import { describe, expect, it } from 'vitest';
import {
  NO_MACHINE_NETWORKS,
  checkOffLink,
  parseHostAddress,
  subnetHostAddresses,
  type MachineNetworks,
} from '../../../../src/sandbox/hosts/subnet-addresses.js';

const all = (cidr: string, gateway: string, machine: MachineNetworks = NO_MACHINE_NETWORKS) => [
  ...subnetHostAddresses(cidr, gateway, machine),
];

/** A machine on `onLink` (`cidr dev` each), with `addresses` to leave alone. */
const machine = (onLink: string[], addresses: string[] = []): MachineNetworks => ({
  onLink: onLink.map((line) => {
    const [cidr = '', dev = ''] = line.split(' ');
    return { cidr, dev };
  }),
  addresses: addresses.map((ip) => ({ ip, what: 'default gateway (via eth0)' })),
});

const onLinkError = (network: string): unknown =>
  expect.objectContaining({
    code: 'SANDBOX_SUBNET_ON_LINK',
    message: expect.stringContaining(network) as unknown,
  });

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

describe("subnetHostAddresses beside this machine's own networks", () => {
  it("refuses a subnet inside a network this machine is on, naming it: Docker's, its LAN", () => {
    const docker = machine(['172.17.0.0/16 docker0', '10.1.0.0/16 eth0']);
    expect(() => all('172.17.0.0/16', '172.17.0.1', docker)).toThrow(onLinkError('172.17.0.0/16'));
    expect(() => all('172.17.0.0/16', '172.17.0.1', docker)).toThrow(/docker0/);
    expect(() => all('10.1.4.0/24', '10.1.4.1', docker)).toThrow(onLinkError('10.1.0.0/16,'));
  });

  it('skips the part of a subnet a network of this machine covers, giving the rest', () => {
    const lan = machine(['192.168.0.0/24 eth0']);
    const ips = all('192.168.0.0/23', '192.168.0.1', lan);
    expect(ips[0]).toBe('192.168.1.0');
    expect(ips.at(-1)).toBe('192.168.1.252');
    expect(ips).toHaveLength(253);
    expect(ips.filter((ip) => ip.startsWith('192.168.0.'))).toEqual([]);
  });

  it('skips a small network of this machine inside a subnet, and gives what follows it', () => {
    const ips = all('10.0.0.0/24', '10.0.0.1', machine(['10.0.0.0/28 eth1']));
    expect(ips[0]).toBe('10.0.0.16');
    expect(ips).toHaveLength(256 - 5 - 14);
  });

  it("skips this machine's gateway and DNS resolver wherever they are", () => {
    const ips = all('10.0.0.0/29', '10.0.0.1', machine([], ['10.0.0.2', '10.0.0.4']));
    expect(ips).toEqual(['10.0.0.3']);
  });

  it("refuses a subnet this machine's networks cover between them", () => {
    const halves = machine(['10.0.0.0/25 eth0', '10.0.0.128/25 eth1']);
    expect(() => all('10.0.0.0/24', '10.0.0.1', halves)).toThrow(
      expect.objectContaining({ code: 'SANDBOX_SUBNET_ON_LINK' }),
    );
  });

  it('steps over a big network of this machine at once', () => {
    const first = subnetHostAddresses(
      '10.0.0.0/8',
      '10.0.0.1',
      machine(['10.0.0.0/9 eth0']),
    ).next();
    expect(first.value).toBe('10.128.0.0');
  });

  it('gives a subnet beside the networks of this machine in full', () => {
    const ips = all('172.24.0.0/24', '172.24.0.1', machine(['172.17.0.0/16 docker0']));
    expect(ips).toEqual(all('172.24.0.0/24', '172.24.0.1'));
  });
});

describe('checkOffLink', () => {
  const lan = machine(['192.168.7.0/24 eth0'], ['10.9.0.1']);

  it("refuses an address of this machine's networks or its gateway, and takes an EIP", () => {
    expect(() => checkOffLink('192.168.7.20', lan)).toThrow(
      expect.objectContaining({
        code: 'SANDBOX_ADDRESS_ON_LINK',
        message: expect.stringContaining('192.168.7.0/24') as unknown,
      }),
    );
    expect(() => checkOffLink('10.9.0.1', lan)).toThrow(/default gateway/);
    expect(() => checkOffLink('203.0.113.9', lan)).not.toThrow();
    expect(() => checkOffLink('192.168.8.1', lan)).not.toThrow();
    expect(() => checkOffLink('198.18.0.2', lan)).toThrow(
      expect.objectContaining({ code: 'SANDBOX_ADDRESS_RESERVED' }),
    );
  });
});

describe('parseHostAddress', () => {
  it("takes an EIP (the range's top /22) and refuses an address of the hosts' links", () => {
    expect(parseHostAddress('198.19.255.254')).toBe(
      ((198 << 24) >>> 0) + (19 << 16) + (255 << 8) + 254,
    );
    expect(() => parseHostAddress('198.19.251.254')).toThrow(
      expect.objectContaining({ code: 'SANDBOX_ADDRESS_RESERVED' }),
    );
    expect(() => parseHostAddress('1.2.3')).toThrow(
      expect.objectContaining({ code: 'INVALID_IP_ADDRESS' }),
    );
  });
});
