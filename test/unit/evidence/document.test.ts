import { describe, expect, it } from 'vitest';
import type { DeployLicenseInput, StepProgress } from '../../../src/domain/deployment.js';
import {
  buildEvidenceDocument,
  redact,
  type EvidenceFacts,
} from '../../../src/evidence/document.js';
import type { RecordedTails } from '../../../src/evidence/step-tails.js';

const SHA = 'cd'.repeat(32);
const HOST_KEY = `SHA256:${'k'.repeat(43)}`;
const CODE = 'PL-ABCDEFG-HJKMNPQ-RSTVWXC';

const steps: StepProgress[] = ['requested', 'network', 'server'].map((s, i) => ({
  step: s as StepProgress['step'],
  status: 'succeeded',
  attempts: i + 1,
  startedAt: `2025-01-01T00:00:0${i}.000Z`,
  endedAt: `2025-01-01T00:00:0${i + 1}.000Z`,
  logTail: `tail of ${s}`,
}));

const tails: RecordedTails = {
  network: { vpcId: 'vpc-new', subnetId: 'sub-new', securityGroupId: 'sg-new' },
  server: { id: 'srv-new', status: 'ACTIVE', ip: '198.18.0.4' },
  hostKey: HOST_KEY,
  push: { sha256: SHA, remotePath: '/var/tmp/oneclick/x-demo.tar', skipped: false },
  verify: `checked ${CODE}; verified`,
};

function request(choices: Partial<DeployLicenseInput['choices']> = {}): DeployLicenseInput {
  return {
    deploymentId: 'dep_1',
    orderRef: 'ord_1',
    choices: {
      vpc: { cidr: '192.168.0.0/16' },
      subnet: { cidr: '192.168.1.0/24', gatewayIp: '192.168.1.1' },
      securityGroup: { create: true },
      server: { imageRef: 'img', flavorRef: 's6.small.1' },
      adminPassRef: 'sec_password',
      ...choices,
    },
  };
}

function facts(o: Partial<EvidenceFacts> = {}): EvidenceFacts {
  return {
    generatedAt: new Date('2025-02-01T00:00:00.000Z'),
    issuer: 'https://oneclick.example',
    order: {
      ref: 'ord_1',
      marketplaceOrderId: 'CS1',
      orderLineId: 'CS1-000001',
      buyerId: 'buy_1',
      sellerId: 'sel_1',
      serviceStartTime: null,
    },
    product: { id: 'prd_1', name: 'Demo', marketplaceProductId: 'MP-1', skuCode: 'SKU-1' },
    deployment: {
      id: 'dep_1',
      workflowId: 'deploy-ord_1',
      runId: 'run-1',
      state: 'succeeded',
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:01:00.000Z',
      request: request(),
    },
    steps,
    tails,
    pinnedHostKey: HOST_KEY,
    packageRecord: { fileName: 'demo.tar', sizeBytes: 10240 },
    license: {
      id: 'lic_1',
      model: 'license2',
      status: 'claimed',
      expiresAt: new Date('2026-01-01T00:00:00.000Z'),
      activatedAt: null,
    },
    secrets: [CODE],
    ...o,
  };
}

describe('buildEvidenceDocument', () => {
  it('names what OneClick created, the server, package and license, and each step without its tail', () => {
    const doc = buildEvidenceDocument(facts());
    expect(doc).toMatchObject({
      type: 'oneclick.delivery-evidence',
      version: 1,
      generatedAt: '2025-02-01T00:00:00.000Z',
      resources: {
        vpc: { id: 'vpc-new', buyerOwned: false },
        subnet: { id: 'sub-new', buyerOwned: false },
        securityGroup: { id: 'sg-new', buyerOwned: false },
        server: { id: 'srv-new', buyerOwned: false },
      },
      server: { id: 'srv-new', address: '198.18.0.4', hostKeyFingerprint: HOST_KEY },
      package: {
        fileName: 'demo.tar',
        sha256: SHA,
        sizeBytes: 10240,
        remotePath: '/var/tmp/oneclick/x-demo.tar',
      },
      license: {
        id: 'lic_1',
        model: 'license2',
        status: 'claimed',
        expiresAt: '2026-01-01T00:00:00.000Z',
        activatedAt: null,
      },
    });
    expect(doc.steps).toEqual(steps.map(({ logTail: _tail, ...s }) => s));
    expect(JSON.stringify(doc)).not.toContain('sec_password');
  });

  it("marks the buyer's own resources and reaches their server at the address they gave", () => {
    const doc = buildEvidenceDocument(
      facts({
        deployment: {
          ...facts().deployment,
          request: request({
            vpc: { existingId: 'vpc-buyer' },
            subnet: { existingId: 'sub-buyer' },
            securityGroup: { existingId: 'sg-buyer' },
            server: { existingId: 'srv-buyer', host: '172.16.5.9' },
          }),
        },
        tails: {
          ...tails,
          network: undefined,
          server: { id: 'srv-buyer', status: 'ACTIVE', ip: '172.16.5.8' },
        },
      }),
    );
    expect(doc.resources).toEqual({
      vpc: { id: 'vpc-buyer', buyerOwned: true },
      subnet: { id: 'sub-buyer', buyerOwned: true },
      securityGroup: { id: 'sg-buyer', buyerOwned: true },
      server: { id: 'srv-buyer', buyerOwned: true },
    });
    expect(doc.server.address).toBe('172.16.5.9');
  });

  it('takes the host key the ssh step saw, and the pin only when the step recorded none', () => {
    const pin = `SHA256:${'p'.repeat(43)}`;
    expect(buildEvidenceDocument(facts({ pinnedHostKey: pin })).server.hostKeyFingerprint).toBe(
      HOST_KEY,
    );
    const noTail = facts({ tails: { ...tails, hostKey: undefined }, pinnedHostKey: pin });
    expect(buildEvidenceDocument(noTail).server.hostKeyFingerprint).toBe(pin);
  });

  it('dates the activation by the license, else by the service start, else leaves it null', () => {
    const activated = new Date('2025-01-02T03:04:05.000Z');
    const base = facts();
    const withLicense = facts({ license: { ...base.license!, activatedAt: activated } });
    expect(buildEvidenceDocument(withLicense).license?.activatedAt).toBe(activated.toISOString());
    const started = facts({
      order: { ...base.order, serviceStartTime: '2025-01-03T00:00:00.000Z' },
    });
    expect(buildEvidenceDocument(started).license?.activatedAt).toBe('2025-01-03T00:00:00.000Z');
    expect(buildEvidenceDocument(base).license?.activatedAt).toBeNull();
  });

  it('scrubs the license code from the verify output, whatever its letter case', () => {
    const doc = buildEvidenceDocument(
      facts({ tails: { ...tails, verify: `a ${CODE} b ${CODE.toLowerCase()} c` } }),
    );
    expect(doc.verify.outputTail).toBe('a [redacted] b [redacted] c');
    expect(JSON.stringify(doc).toLowerCase()).not.toContain(CODE.toLowerCase());
  });

  it('records null for what the deployment did not record', () => {
    const doc = buildEvidenceDocument(
      facts({ tails: {}, pinnedHostKey: null, packageRecord: null, license: null }),
    );
    expect(doc.resources.vpc).toEqual({ id: null, buyerOwned: false });
    expect(doc.server).toEqual({ id: null, address: null, hostKeyFingerprint: null });
    expect(doc.package).toBeNull();
    expect(doc.license).toBeNull();
    expect(doc.verify.outputTail).toBeNull();
  });
});

describe('redact', () => {
  it('leaves secrets too short to tell from ordinary words', () => {
    expect(redact('pass ok', ['pass'])).toBe('pass ok');
    expect(redact('a.b*c (x) a.b*c (x)', ['a.b*c (x)'])).toBe('[redacted] [redacted]');
  });
});
