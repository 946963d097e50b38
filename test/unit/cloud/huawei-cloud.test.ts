import { describe, expect, it } from 'vitest';
import { userDataForKey } from '../../../src/cloud/huawei-cloud.js';
import { keysFromUserData } from '../../../src/sandbox/ecs-api.js';

describe('user data', () => {
  it('carries the key in cloud-config that the sandbox reads back', () => {
    const key =
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDx9d0N5bGpXc2t3YXBwbGVzYXVjZWFuZHRvYXN0 deploy@oneclick';
    const text = Buffer.from(userDataForKey(key), 'base64').toString('utf8');
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(keysFromUserData(text)).toEqual([key]);
  });
});
