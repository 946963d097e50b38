import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { machineNetworksFrom } from '../../../../src/sandbox/hosts/machine-networks.js';

const v4 = (cidr: string, internal = false): NetworkInterfaceInfo => ({
  address: cidr.split('/')[0] ?? '',
  netmask: '',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr,
});

const INTERFACES: NodeJS.Dict<NetworkInterfaceInfo[]> = {
  lo: [v4('127.0.0.1/8', true)],
  eth0: [
    v4('192.168.7.23/24'),
    { ...v4('fd00::2/64'), family: 'IPv6', scopeid: 0, address: 'fd00::2' },
  ],
  docker0: [v4('172.17.0.1/16')],
  // The sandbox's own link to slot 3's host.
  ocv3: [v4('198.18.0.13/30')],
};

// /proc/net/route of a little-endian machine: a default route via 192.168.7.1, eth0's and
// docker0's networks, a direct route to 10.50.0.0/16 on eth1, a sandbox host's /32 route and
// link, and the sandbox's unreachable fences.
const ROUTES = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t0107A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'eth0\t0007A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'eth1\t0000320A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'ocv3\t020018AC\t0E0012C6\t0007\t0\t0\t0\tFFFFFFFF\t0\t0\t0',
  'ocv3\t0C0012C6\t00000000\t0001\t0\t0\t0\tFCFFFFFF\t0\t0\t0',
  '*\t000012C6\t00000000\t0201\t0\t0\t0\t0000FEFF\t0\t0\t0',
  '*\t006433C6\t00000000\t0201\t0\t0\t0\t00FFFFFF\t0\t0\t0',
].join('\n');

describe('machineNetworksFrom', () => {
  const machine = machineNetworksFrom(
    INTERFACES,
    ROUTES,
    '# generated\nnameserver 10.0.0.2\nnameserver fd00::53\nsearch example\n',
    true,
  );

  it("lists the networks of this machine's interfaces and direct routes, but the sandbox's own", () => {
    expect(machine.onLink).toEqual([
      { cidr: '127.0.0.0/8', dev: 'lo' },
      { cidr: '192.168.7.0/24', dev: 'eth0' },
      { cidr: '172.17.0.0/16', dev: 'docker0' },
      { cidr: '10.50.0.0/16', dev: 'eth1' },
    ]);
  });

  it('lists its gateway and its IPv4 DNS resolvers, not the routes to sandbox hosts', () => {
    expect(machine.addresses).toEqual([
      { ip: '192.168.7.1', what: 'default gateway (via eth0)' },
      { ip: '10.0.0.2', what: 'DNS resolver (/etc/resolv.conf)' },
    ]);
  });

  it('reads a big-endian route table too, and takes nothing from empty input', () => {
    const be = machineNetworksFrom(
      {},
      'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\neth0\t00000000\tC0A80701\t0003\t0\t0\t0\t00000000',
      '',
      false,
    );
    expect(be.addresses).toEqual([{ ip: '192.168.7.1', what: 'default gateway (via eth0)' }]);
    expect(machineNetworksFrom({}, '', '')).toEqual({ onLink: [], addresses: [] });
  });

  it('takes no direct default route (a point-to-point link) for a neighbourhood', () => {
    const ppp = machineNetworksFrom(
      {},
      'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000',
      '',
      true,
    );
    expect(ppp.onLink).toEqual([]);
  });
});
