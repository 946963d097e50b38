import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/db/ids.js';
import {
  beginStepAttempt,
  endStep,
  finishDeployment,
  insertOrGetActiveDeployment,
} from '../../../src/db/repositories/deployments.js';
import { insertPackage } from '../../../src/db/repositories/packages.js';
import { insertHostKeyIfAbsent } from '../../../src/db/repositories/ssh-host-keys.js';
import type { Database } from '../../../src/db/sql.js';
import {
  DEPLOYMENT_STEPS,
  stepTail,
  type DeployLicenseInput,
  type DeploymentStep,
} from '../../../src/domain/deployment.js';
import {
  createEvidenceService,
  type EvidenceService,
} from '../../../src/evidence/evidence-service.js';
import { verifyCompact } from '../../../src/license/jws.js';
import { createLicenseServices, type LicenseServices } from '../../../src/license/services.js';
import { databaseKinds, openTestDatabase } from '../../helpers/databases.js';
import { seedOrder, testWraps, type Seeded } from '../../helpers/license/seed.js';

const SHA = '0f'.repeat(32);
const HOST_KEY = `SHA256:${'A1b2'.repeat(10)}xyz`;
const BUYER_CHOICES: DeployLicenseInput['choices'] = {
  vpc: { existingId: 'vpc-buyer' },
  subnet: { existingId: 'subnet-buyer' },
  securityGroup: { existingId: 'sg-buyer' },
  server: { existingId: 'srv-buyer', host: '172.16.5.9' },
  adminPassRef: 'sec_admin',
};

/**
 * The evidence service over deployments recorded the way the activities record them (no
 * workflow runs here; the route test drives a real one): what it reads from the rows, which
 * deployment it picks, and what it refuses.
 */
describe.each(databaseKinds)('evidence service (%s)', (kind) => {
  let db: Database;
  let license: LicenseServices;
  let evidence: EvidenceService;
  let seeded: Seeded;
  let code: string;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    license = createLicenseServices({ sql: db, wraps: testWraps(), issuer: 'http://x.test' });
    evidence = createEvidenceService({ db, license, issuer: 'http://x.test' });
    seeded = await seedOrder(db, 'license2');
    await insertPackage(db, {
      sellerId: seeded.sellerId,
      productId: seeded.productId,
      sha256: SHA,
      sizeBytes: 2048,
      storageKey: `sha256/${SHA}`,
      fileName: 'app-1.0.tar.gz',
    });
    const issued = await license.codes.issue(seeded.orderRef, 'test');
    await license.codes.claim(issued.license.id, 'test');
    code = issued.code;
    await insertHostKeyIfAbsent(db, 'srv-buyer', HOST_KEY);
  });
  afterAll(async () => {
    await db?.close();
  });

  /** A deployment of the order with its steps recorded as the activities record them. */
  async function recordDeployment(
    orderRef: string,
    end: 'succeeded' | 'failed' | undefined,
    tails: Partial<Record<DeploymentStep, string>> = {},
  ): Promise<string> {
    const id = newId('dep');
    await insertOrGetActiveDeployment(db, {
      id,
      orderRef,
      workflowId: `deploy-${orderRef}`,
      request: { deploymentId: id, orderRef, choices: BUYER_CHOICES },
    });
    for (const [i, step] of DEPLOYMENT_STEPS.entries()) {
      await beginStepAttempt(db, id, step, 1);
      await endStep(db, id, step, {
        status: 'succeeded',
        attempts: 1 + (i % 2),
        logTail: tails[step],
      });
    }
    if (end) await finishDeployment(db, id, { state: end, code: 'X', message: 'x' });
    return id;
  }

  it("reads the buyer's resources, the address, pin, package, license and steps from what was recorded", async () => {
    const tails = {
      network: 'vpc vpc-buyer, subnet subnet-buyer, security group sg-buyer',
      server: stepTail.server({ id: 'srv-buyer', status: 'ACTIVE', ip: '172.16.5.8' }),
      push: stepTail.push({ skipped: true, remotePath: '/var/tmp/oneclick/app', sha256: SHA }),
      license: stepTail.license({
        licenseId: (await license.codes.issue(seeded.orderRef, 'test')).license.id,
        remotePath: '/opt/app/license.key',
      }),
      // A careless installer and verify command that print the code.
      install: `wrote ${code}`,
      verify: `license ${code} accepted\nverified`,
    };
    const id = await recordDeployment(seeded.orderRef, undefined, tails);
    await expect(evidence.forOrder(seeded.orderRef)).rejects.toMatchObject({ code: 'NO_DELIVERY' });
    await expect(evidence.forDeployment(id)).rejects.toMatchObject({ code: 'NO_DELIVERY' });
    await finishDeployment(db, id, { state: 'succeeded' });

    const { document: doc, jws, html } = await evidence.forOrder(seeded.orderRef);
    expect(doc.deployment.id).toBe(id);
    expect(doc.resources).toEqual({
      vpc: { id: 'vpc-buyer', buyerOwned: true },
      subnet: { id: 'subnet-buyer', buyerOwned: true },
      securityGroup: { id: 'sg-buyer', buyerOwned: true },
      server: { id: 'srv-buyer', buyerOwned: true },
    });
    // No ssh tail was recorded: the pin stands in.
    expect(doc.server).toEqual({
      id: 'srv-buyer',
      address: '172.16.5.9',
      hostKeyFingerprint: HOST_KEY,
    });
    expect(doc.package).toEqual({
      fileName: 'app-1.0.tar.gz',
      sha256: SHA,
      sizeBytes: 2048,
      remotePath: '/var/tmp/oneclick/app',
    });
    expect(doc.license).toMatchObject({ model: 'license2', status: 'claimed', activatedAt: null });
    expect(doc.steps.map((s) => [s.step, s.attempts])).toEqual(
      DEPLOYMENT_STEPS.map((s, i) => [s, 1 + (i % 2)]),
    );
    expect(doc.verify.outputTail).toBe('license [redacted] accepted\nverified');
    for (const text of [
      JSON.stringify(doc),
      html,
      Buffer.from(jws.split('.')[1]!, 'base64url').toString(),
    ]) {
      expect(text).not.toContain(code);
      expect(text).not.toContain('sec_admin');
    }

    const verified = verifyCompact(jws, await license.keys.publishedKeys());
    expect(verified.payload).toEqual(doc);
    expect(verified.header.kid).toBe((await license.keys.activeKey(seeded.sellerId)).kid);
    expect((await evidence.forDeployment(id)).document.resources).toEqual(doc.resources);
  });

  it("picks the order's newest succeeded deployment, not a later failed one", async () => {
    const other = await seedOrder(db, 'license2', { sellerId: seeded.sellerId });
    const delivered = await recordDeployment(other.orderRef, 'succeeded');
    const failed = await recordDeployment(other.orderRef, 'failed');
    expect((await evidence.forOrder(other.orderRef)).document.deployment.id).toBe(delivered);
    await expect(evidence.forDeployment(failed)).rejects.toMatchObject({ code: 'NO_DELIVERY' });
  });

  it('answers NOT_FOUND for an unknown order or deployment', async () => {
    await expect(evidence.forOrder('ord_unknown')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(evidence.forDeployment('dep_unknown')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
