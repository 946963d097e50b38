import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';
import { deprovisionWorkflow, provisionWorkflow } from '../../../workflows/provision.js';
import {
  failureType,
  newEverything,
  sandboxActivities,
  startHarness,
  type Harness,
} from '../../helpers/provision-harness.js';

describe('20 provisionings under 30% throttling and 10% job failures', () => {
  let cloud: SandboxCloud;
  let h: Harness;

  beforeAll(async () => {
    cloud = await startSandboxCloud({ seed: 20261124 });
    h = await startHarness({
      address: inject('temporalAddress'),
      namespace: inject('temporalNamespace'),
      taskQueue: `provision-soak-${randomUUID()}`,
      activities: sandboxActivities(cloud),
    });
  });
  afterAll(async () => {
    await h?.stop();
    await cloud?.stop();
  });

  it('leaves zero resources in the inventory once every run is undone or compensated, failed servers replaced', async () => {
    cloud.faults.retryAfterSeconds = 0;
    cloud.faults.setRates({ throttle: 0.3, jobFailure: 0.1 });
    const runs = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => {
        const deploymentId = `soak-${i}-${randomUUID().slice(0, 8)}`;
        return h.client.workflow.execute(provisionWorkflow, {
          taskQueue: h.taskQueue,
          workflowId: `provision-${deploymentId}`,
          args: [
            newEverything(deploymentId, {
              vpc: { cidr: `10.${i}.0.0/16` },
              subnet: { cidr: `10.${i}.1.0/24`, gatewayIp: `10.${i}.1.1` },
            }),
          ],
        });
      }),
    );
    const ok = runs.filter((r) => r.status === 'fulfilled');
    const failed = runs.filter((r) => r.status === 'rejected');
    // A failed job is replaced by a new server; a run fails only after three in a row, as
    // CLOUD_JOB_FAILED, compensated by the workflow.
    expect(failed.map((r) => failureType(r.reason))).toEqual(failed.map(() => 'CLOUD_JOB_FAILED'));
    expect(failed.length * 3).toBeLessThanOrEqual(cloud.faults.injected.jobFailure);
    expect(cloud.faults.injected.throttle).toBeGreaterThan(20);
    expect(cloud.inventory().servers).toHaveLength(ok.length);

    // Undo the successful ones, still under throttling.
    await Promise.all(
      ok.map((r) =>
        h.client.workflow.execute(deprovisionWorkflow, {
          taskQueue: h.taskQueue,
          workflowId: `deprovision-${randomUUID()}`,
          args: [{ created: r.value.created, timeouts: { retryInitialMs: 50, retryMaxMs: 500 } }],
        }),
      ),
    );
    const inv = cloud.inventory();
    expect({
      vpcs: inv.vpcs.length,
      subnets: inv.subnets.length,
      securityGroups: inv.securityGroups.length,
      servers: inv.servers.length,
    }).toEqual({ vpcs: 0, subnets: 0, securityGroups: 0, servers: 0 });
  });
});
