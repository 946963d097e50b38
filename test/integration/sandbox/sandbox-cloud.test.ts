import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHuaweiCloud } from '../../../src/cloud/huawei-cloud.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import { startSandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';

/** Names of the network namespaces on this machine (exact names, not substrings). */
const netns = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);

describe('stopping the sandbox cloud', () => {
  it('stops every server host and removes its namespaces', async () => {
    const cloud = await startSandboxCloud();
    try {
      const adapter = createHuaweiCloud({ ...cloud, pollMs: 20 });
      const vpc = await adapter.createVpc({ name: 'stop', cidr: '192.168.0.0/16' });
      const subnet = await adapter.createSubnet({
        name: 'stop',
        cidr: '192.168.3.0/24',
        gatewayIp: '192.168.3.1',
        vpcId: vpc.id,
      });
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const { jobId, serverIds } = await adapter.createServer({
          name: `stop-${i}`,
          imageRef: DEFAULT_IMAGE_ID,
          flavorRef: DEFAULT_FLAVOR,
          vpcId: vpc.id,
          subnetId: subnet.id,
          securityGroupIds: [],
          clientToken: randomUUID(),
        });
        await adapter.waitJob(jobId);
        ids.push(...serverIds);
      }
      const hosts = ids.map((id) => cloud.emulator.hostOf(id));
      expect(hosts.every((h) => h !== undefined)).toBe(true);
      for (const h of hosts) expect(netns()).toContain(h!.netns);
      await cloud.stop();
      for (const h of hosts) expect(netns()).not.toContain(h!.netns);
    } finally {
      await cloud.stop();
    }
  });
});
