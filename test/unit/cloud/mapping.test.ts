import { describe, expect, it } from 'vitest';
import {
  toAvailabilityZone,
  toFlavor,
  toImage,
  toPublicIp,
  toServer,
} from '../../../src/cloud/mapping.js';

describe('wire mapping', () => {
  it('reads ECS flavors, whose vcpus is a string and status sits in extra specs', () => {
    expect(
      toFlavor({
        id: 's6.small.1',
        name: 's6.small.1',
        vcpus: '1',
        ram: 1024,
        os_extra_specs: { 'cond:operation:status': 'normal' },
      }),
    ).toEqual({ id: 's6.small.1', name: 's6.small.1', vcpus: 1, ramMb: 1024, status: 'normal' });
    expect(toFlavor({ id: 'x', name: 'x', vcpus: 'many' })).toMatchObject({ vcpus: 0, ramMb: 0 });
  });

  it("reads IMS images' double-underscore fields and Nova zones", () => {
    expect(
      toImage({
        id: 'img',
        name: 'Ubuntu 22.04',
        __imagetype: 'gold',
        status: 'active',
        __os_version: 'Ubuntu 22.04 server 64bit',
        __platform: 'Ubuntu',
        min_disk: 40,
        min_ram: 0,
      }),
    ).toEqual({
      id: 'img',
      name: 'Ubuntu 22.04',
      imageType: 'gold',
      status: 'active',
      osVersion: 'Ubuntu 22.04 server 64bit',
      platform: 'Ubuntu',
      minDiskGb: 40,
      minRamMb: 0,
    });
    expect(toAvailabilityZone({ zoneName: 'cn-north-4a', zoneState: { available: true } })).toEqual(
      { name: 'cn-north-4a', available: true },
    );
    expect(toAvailabilityZone({ zoneName: 'cn-north-4b', zoneState: {} }).available).toBe(false);
  });

  it('finds the fixed port and the floating address of a server', () => {
    const s = toServer({
      id: 'srv',
      name: 'vm',
      status: 'ACTIVE',
      'OS-EXT-AZ:availability_zone': 'cn-north-4a',
      flavor: { id: 's6.small.1' },
      image: { id: 'img' },
      addresses: {
        vpc1: [
          { addr: '192.168.1.10', 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS:port_id': 'port-1' },
          { addr: '100.64.0.9', 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS:port_id': 'port-1' },
        ],
      },
    });
    expect(s).toMatchObject({
      vpcId: 'vpc1',
      ip: '192.168.1.10',
      publicIp: '100.64.0.9',
      portId: 'port-1',
      availabilityZone: 'cn-north-4a',
      flavorId: 's6.small.1',
      imageId: 'img',
    });
  });

  it('reads an EIP v1 publicip', () => {
    expect(
      toPublicIp({
        id: 'eip',
        status: 'ACTIVE',
        public_ip_address: '100.64.0.9',
        alias: 'oneclick-d1',
        port_id: 'port-1',
        bandwidth_size: 5,
      }),
    ).toEqual({
      id: 'eip',
      address: '100.64.0.9',
      status: 'ACTIVE',
      alias: 'oneclick-d1',
      portId: 'port-1',
      bandwidthSize: 5,
    });
  });
});
