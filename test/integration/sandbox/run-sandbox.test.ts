import { afterAll, describe, expect, it } from 'vitest';
import { cloudFromConfig } from '../../../src/cloud/from-config.js';
import { loadConfig } from '../../../src/config.js';
import { runSandbox } from '../../../src/sandbox/run-sandbox.js';
import type { SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';

describe('oneclick sandbox', () => {
  let cloud: SandboxCloud | undefined;
  afterAll(async () => {
    await cloud?.stop();
  });

  it('prints its endpoint and keys, serves the SDK and takes fault settings over HTTP', async () => {
    const started = await runSandbox({
      delays: { jobStartMs: 0, serverBuildMs: 0, networkActiveMs: 0 },
    });
    cloud = started.cloud;
    expect(started.banner).toContain(cloud.ecsEndpoint);
    expect(started.banner).toContain(cloud.ak);

    const adapter = cloudFromConfig(loadConfig({}).huaweiCloud, cloud);
    const vpc = await adapter.createVpc({ name: 'demo', cidr: '192.168.0.0/16' });
    expect(cloud.inventory().vpcs.map((v) => v.id)).toEqual([vpc.id]);

    const put = (body: string) =>
      fetch(`${cloud!.ecsEndpoint}/_sandbox/faults`, { method: 'PUT', body });
    expect((await put('{"throttle":1,"retryAfterSeconds":0}')).status).toBe(200);
    expect(cloud.faults.forRequest('ShowVpc')).toEqual({ kind: 'throttle', retryAfterSeconds: 0 });
    expect((await put('{"throttle":2}')).status).toBe(400);
    expect((await put('{"unknown":1}')).status).toBe(400);
    expect((await put('not json')).status).toBe(400);
  });

  it('refuses to build a cloud adapter with neither credentials nor a sandbox', () => {
    expect(() => cloudFromConfig(loadConfig({}).huaweiCloud)).toThrow(
      expect.objectContaining({ code: 'SANDBOX_NOT_RUNNING' }),
    );
  });
});
