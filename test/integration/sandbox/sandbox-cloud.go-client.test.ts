import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHuaweiCloud } from '../../../src/cloud/huawei-cloud.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import { startSandboxCloud, type SandboxCloud } from '../../../src/sandbox/sandbox-cloud.js';

const run = promisify(execFile);
const SOURCE = fileURLToPath(new URL('../../go-client/', import.meta.url));

/** Builds the Go client once per source version, cached under ~/.cache/oneclick/go-client/. */
async function buildGoClient(): Promise<string> {
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(path.join(SOURCE, f)));
  const dir = path.join(
    homedir(),
    '.cache',
    'oneclick',
    'go-client',
    hash.digest('hex').slice(0, 16),
  );
  const binary = path.join(dir, 'go-client');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  await run('go', ['build', '-o', tmp, '.'], { cwd: SOURCE, timeout: 280_000 });
  renameSync(tmp, binary);
  return binary;
}

interface GoReport {
  jobId: string;
  serverId: string;
  jobStatus: string;
  serverStatus: string;
  serverName: string;
  address: string;
  deleteJob: string;
  deleteStatus: string;
  goneAfterDelete: boolean;
  badSignatureStatus: number;
  badSignatureCode: string;
  weakPasswordCode: string;
}

describe('the official Go SDK against the sandbox cloud', () => {
  let cloud: SandboxCloud;
  let binary: string;

  beforeAll(async () => {
    [cloud, binary] = await Promise.all([startSandboxCloud(), buildGoClient()]);
  }, 300_000);
  afterAll(async () => {
    await cloud?.stop();
  });

  it('creates, shows and deletes a server, and reads the error bodies', async () => {
    const adapter = createHuaweiCloud({
      ecsEndpoint: cloud.ecsEndpoint,
      vpcEndpoint: cloud.vpcEndpoint,
      ak: cloud.ak,
      sk: cloud.sk,
      projectId: cloud.projectId,
      pollMs: 20,
    });
    const vpc = await adapter.createVpc({ name: 'go-vpc', cidr: '192.168.0.0/16' });
    await adapter.waitVpcReady(vpc.id);
    const subnet = await adapter.createSubnet({
      name: 'go-subnet',
      cidr: '192.168.7.0/24',
      gatewayIp: '192.168.7.1',
      vpcId: vpc.id,
    });
    await adapter.waitSubnetReady(subnet.id);
    const sg = await adapter.createSecurityGroup({ name: 'go-sg' });

    const { stdout } = await run(binary, [], {
      timeout: 60_000,
      env: {
        ...process.env,
        HWC_ENDPOINT: cloud.ecsEndpoint,
        HWC_AK: cloud.ak,
        HWC_SK: cloud.sk,
        HWC_PROJECT_ID: cloud.projectId,
        HWC_VPC_ID: vpc.id,
        HWC_SUBNET_ID: subnet.id,
        HWC_SECURITY_GROUP_ID: sg.id,
        HWC_IMAGE_ID: DEFAULT_IMAGE_ID,
        HWC_FLAVOR: DEFAULT_FLAVOR,
        HWC_CLIENT_TOKEN: randomUUID(),
      },
    });
    const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as GoReport;
    expect(report).toMatchObject({
      jobStatus: 'SUCCESS',
      serverStatus: 'ACTIVE',
      serverName: 'go-sdk-vm',
      deleteStatus: 'SUCCESS',
      goneAfterDelete: true,
      badSignatureStatus: 401,
      badSignatureCode: 'APIGW.0301',
      weakPasswordCode: 'Ecs.0011',
    });
    // The address ECS shows lies in the server's subnet.
    expect(report.address).toMatch(/^192\.168\.7\./);
    expect(cloud.inventory().servers).toEqual([]);
    expect(
      cloud
        .inventory()
        .jobs.map((j) => j.job_type)
        .sort(),
    ).toEqual(['createServer', 'deleteVMs']);
  });
});
