import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudConnectorFromConfig } from '../../../src/cloud/from-config.js';
import { runRegionCheck } from '../../../src/cloud/real-region-check.js';
import type { CloudAccountSecret } from '../../../src/cloud/types.js';
import { loadConfig } from '../../../src/config.js';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';

/**
 * The operator's real-region check, run against the sandbox cloud: the same calls, so the script
 * is known to work before anyone spends money with it.
 */
describe('the real-region check against the sandbox cloud', () => {
  let cloud: SandboxCloud;
  beforeAll(async () => {
    cloud = await startSandboxCloud();
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('lists, creates, shows and deletes everything again, printing no secret', async () => {
    const buyer = cloud.emulator.createAccount();
    cloud.emulator.createAgency(buyer.domainId, {
      name: 'oneclick',
      trustDomainId: cloud.domainId,
    });
    const secret: CloudAccountSecret = {
      kind: 'agency',
      domainId: buyer.domainId,
      agencyName: 'oneclick',
    };
    const connector = cloudConnectorFromConfig(loadConfig({}).huaweiCloud, cloud, {
      secretFor: () => Promise.resolve(secret),
    });
    const lines: string[] = [];
    const ok = await runRegionCheck(
      {
        ak: cloud.ak,
        sk: cloud.sk,
        region: cloud.region,
        agency: { domainId: buyer.domainId, agencyName: 'oneclick' },
        endpoints: {},
        create: true,
      },
      (line) => lines.push(line),
      connector,
    );
    const out = lines.join('\n');
    expect(ok, out).toBe(true);
    for (const call of [
      'NovaListAvailabilityZones',
      'ListFlavors',
      'ListImages',
      'CreateVpc',
      'CreatePublicip',
      'CreateServers',
      'UpdatePublicip',
      'DeleteServers',
      'DeleteVpc',
    ]) {
      expect(out).toContain(call);
    }
    expect(out).not.toContain('✗');
    expect(out).not.toContain(cloud.sk);
    // Everything it made in the buyer's project is gone again.
    const project = buyer.projects.find((p) => p.name === cloud.region)?.id;
    const inv = cloud.inventory();
    const left = [
      ...inv.vpcs.filter((v) => v.projectId === project),
      ...inv.subnets.filter((s) => s.projectId === project),
      ...inv.eips.filter((e) => e.projectId === project),
      ...inv.servers.filter((s) => s.projectId === project),
    ];
    expect(left).toEqual([]);
  });
});
