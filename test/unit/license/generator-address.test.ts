import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  checkSellerEndpoint,
  forbiddenAddressReason,
} from '../../../src/license/generator-address.js';

describe('seller endpoint addresses', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '0.0.0.0',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fd12:3456::1',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1',
    '2002:c0a8:101::1',
  ])('refuses %s', (address) => {
    expect(forbiddenAddressReason(address)).toBeDefined();
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'accepts the public address %s',
    (address) => {
      expect(forbiddenAddressReason(address)).toBeUndefined();
    },
  );

  it("refuses this machine's own addresses", () => {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) expect(forbiddenAddressReason(a.address)).toBeDefined();
    }
  });

  it('refuses a host name when any of its addresses is private, and names the address', async () => {
    const lookup = (addresses: string[]) => () => Promise.resolve(addresses);
    await expect(
      checkSellerEndpoint('https://gen.example.com/', {
        lookup: lookup(['93.184.216.34', '::ffff:192.168.0.5']),
      }),
    ).rejects.toMatchObject({
      code: 'GENERATOR_URL_FORBIDDEN',
      message: expect.stringContaining('::ffff:192.168.0.5') as string,
    });
    await expect(
      checkSellerEndpoint('https://gen.example.com/', {
        lookup: () => Promise.reject(new Error('NXDOMAIN')),
      }),
    ).rejects.toMatchObject({ code: 'GENERATOR_URL_INVALID' });
    const ok = await checkSellerEndpoint('https://gen.example.com/x', {
      lookup: lookup(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']),
    });
    expect(ok.href).toBe('https://gen.example.com/x');
  });

  it('allows HTTP on loopback and private addresses only in the sandbox', async () => {
    await expect(checkSellerEndpoint('http://127.0.0.1:1/')).rejects.toMatchObject({
      code: 'GENERATOR_URL_NOT_HTTPS',
    });
    await expect(checkSellerEndpoint('https://127.0.0.1:1/')).rejects.toMatchObject({
      code: 'GENERATOR_URL_FORBIDDEN',
    });
    const sandbox = { allowPrivateNetwork: true };
    expect((await checkSellerEndpoint('http://127.0.0.1:1/', sandbox)).port).toBe('1');
    expect((await checkSellerEndpoint('https://10.0.0.1/', sandbox)).host).toBe('10.0.0.1');
    await expect(checkSellerEndpoint('http://10.0.0.1/', sandbox)).rejects.toMatchObject({
      code: 'GENERATOR_URL_NOT_HTTPS',
    });
  });
});
