import { describe, expect, it } from 'vitest';
import { adminPassProblem } from '../../../src/sandbox/admin-pass.js';
import {
  cidrContains,
  cidrOverlaps,
  isHostAddress,
  parseCidr,
  parseIpv4,
} from '../../../src/sandbox/cidr.js';
import { keysFromUserData } from '../../../src/sandbox/ecs-api.js';
import { userDataForKey } from '../../../src/cloud/huawei-cloud.js';

describe('adminPass rules (Ecs.0011)', () => {
  it.each(['Passw0rd!23', 'abcDEF123', 'ab1!ab1!', 'A-b_c=d+e[f]'])('accepts %s', (p) => {
    expect(adminPassProblem(p)).toBeUndefined();
  });
  it.each([
    ['short', 'Ab1!'],
    ['too long', 'Aa1!'.repeat(7)],
    ['two classes', 'abcdefgh12'],
    ['the user name', 'Root1234!x'],
    ['the reversed user name', 'xTOOR123a'],
    ['a character ECS refuses', 'Passw0rd 23'],
  ])('refuses %s', (_why, p) => {
    expect(adminPassProblem(p)).toBeDefined();
  });
  it('refuses three consecutive characters of Administrator on Windows', () => {
    expect(adminPassProblem('Xmin!2345a', 'windows')).toBeDefined();
    expect(adminPassProblem('Xmin!2345a', 'linux')).toBeUndefined();
  });
});

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
});

describe('user data', () => {
  it('carries the key in cloud-config that the sandbox reads back', () => {
    const key =
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDx9d0N5bGpXc2t3YXBwbGVzYXVjZWFuZHRvYXN0 deploy@oneclick';
    const text = Buffer.from(userDataForKey(key), 'base64').toString('utf8');
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(keysFromUserData(text)).toEqual([key]);
  });
});
