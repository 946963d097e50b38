import { createHash } from 'node:crypto';
import { compactVerify, createLocalJWKSet, errors as joseErrors, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLicense } from '../../../../src/db/repositories/licenses.js';
import { latestPackageForProduct } from '../../../../src/db/repositories/packages.js';
import { getHostKeyFingerprint } from '../../../../src/db/repositories/ssh-host-keys.js';
import { DEPLOYMENT_STEPS } from '../../../../src/domain/deployment.js';
import type { EvidenceDocument } from '../../../../src/evidence/document.js';
import { createEvidenceService } from '../../../../src/evidence/evidence-service.js';
import { seedOrder, seedProduct } from '../../../helpers/deploy.js';
import { startDeploymentStack, type DeploymentStack } from '../../../helpers/deployment-stack.js';
import { leftovers } from '../../../helpers/provision-harness.js';

const ISSUER = 'http://oneclick.test';
const PASSWORD = 'Evid3nce!pass-42';
const PRODUCT_NAME = 'Demo <script>alert("evidence")</script> & Co';

interface EvidenceAnswer {
  document: EvidenceDocument;
  jws: string;
}

/**
 * The delivery evidence of a real License 2.0 deployment on the sandbox cloud: what it names,
 * what it never shows, its signature checked with jose against the published JWKS, who may read
 * it, and the page's escaping and policy.
 */
describe('delivery evidence routes', () => {
  let stack: DeploymentStack;
  const keys: Record<'buyer' | 'stranger' | 'seller' | 'rival' | 'operator', string> = {
    buyer: '',
    stranger: '',
    seller: '',
    rival: '',
    operator: '',
  };
  let sellerId: string;
  let productId: string;
  let orderRef: string;
  let undelivered: string;
  let deployed: Awaited<ReturnType<DeploymentStack['deploy']>>;
  let code: string;

  beforeAll(async () => {
    stack = await startDeploymentStack({
      issuer: ISSUER,
      appDeps: (db, license) => ({
        evidence: createEvidenceService({ db, license, issuer: ISSUER }),
      }),
    });
    const { t } = stack;
    const buyer = await t.principal('buyer', 'ev-buyer');
    keys.buyer = buyer.key;
    keys.stranger = (await t.principal('buyer', 'ev-stranger')).key;
    const seller = await t.principal('seller', 'ev-seller');
    keys.seller = seller.key;
    sellerId = seller.principal.sellerId!;
    keys.rival = (await t.principal('seller', 'ev-rival')).key;
    keys.operator = (await t.principal('operator', 'ev-operator')).key;
    const product = await seedProduct(t.db, stack.store, sellerId, { name: PRODUCT_NAME });
    productId = product.id;
    const ids = { buyerId: buyer.principal.buyerId!, sellerId, productId };
    orderRef = await seedOrder(t.db, ids);
    undelivered = await seedOrder(t.db, ids);
    deployed = await stack.deploy(orderRef, keys.buyer, PASSWORD);
    const license = await findLicense(t.db, 'id', deployed.result.licenseId);
    code = stack.license.codes.reveal(license!);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const get = (who: keyof typeof keys, ref: string, page = '') =>
    stack.t.call('GET', `/v1/orders/${ref}/deployments/current/evidence${page}`, {
      key: keys[who],
    });
  const evidence = async (who: keyof typeof keys = 'buyer') => {
    const res = await get(who, orderRef);
    expect(res.status).toBe(200);
    return (await res.json()) as EvidenceAnswer;
  };
  const jwks = async () =>
    createLocalJWKSet(
      (await (await stack.t.call('GET', '/.well-known/jwks.json')).json()) as JSONWebKeySet,
    );
  const payloadOf = (jws: string) =>
    Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8');

  it('names the created resources, the address and pinned host key, the package, the license and every step', async () => {
    const { document: doc } = await evidence();
    expect(doc).toMatchObject({ type: 'oneclick.delivery-evidence', version: 1, issuer: ISSUER });
    expect(doc.order).toMatchObject({ ref: orderRef, sellerId });
    expect(doc.product.name).toBe(PRODUCT_NAME);
    expect(doc.deployment).toMatchObject({ id: deployed.deploymentId, state: 'succeeded' });

    // The ids are the ones the sandbox holds for this deployment, all made by OneClick.
    const made = leftovers(stack.cloud, deployed.deploymentId);
    expect(doc.resources).toEqual({
      vpc: { id: made.vpcs[0], buyerOwned: false },
      subnet: { id: made.subnets[0], buyerOwned: false },
      securityGroup: { id: made.securityGroups[0], buyerOwned: false },
      server: { id: made.servers[0], buyerOwned: false },
    });
    expect(made.servers).toEqual([deployed.result.serverId]);

    const pinned = await getHostKeyFingerprint(stack.t.db, deployed.result.serverId);
    expect(pinned).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(doc.server).toEqual({
      id: deployed.result.serverId,
      address: deployed.result.serverIp,
      hostKeyFingerprint: pinned,
    });

    const pkg = await latestPackageForProduct(stack.t.db, productId);
    expect(doc.package).toMatchObject({
      fileName: 'demo.tar',
      sha256: pkg!.sha256,
      sizeBytes: pkg!.sizeBytes,
    });
    expect(doc.license).toEqual({
      id: deployed.result.licenseId,
      model: 'license2',
      status: 'claimed',
      expiresAt: expect.any(String) as string,
      activatedAt: null,
    });

    expect(doc.steps.map((s) => s.step)).toEqual([...DEPLOYMENT_STEPS]);
    for (const s of doc.steps) {
      expect(s.status).toBe('succeeded');
      expect(s.attempts).toBeGreaterThanOrEqual(1);
      expect(Date.parse(s.endedAt!)).toBeGreaterThanOrEqual(Date.parse(s.startedAt));
    }
    expect(doc.verify.outputTail).toContain('verified');
  });

  it('never shows the license code or the ECS password, in the JSON, the signed payload or the page', async () => {
    const { document, jws } = await evidence();
    const html = await (await get('buyer', orderRef, '.html')).text();
    const license = await findLicense(stack.t.db, 'id', deployed.result.licenseId);
    for (const text of [JSON.stringify(document), payloadOf(jws), html]) {
      for (const secret of [code, code.replace(/-/g, ''), PASSWORD, license!.sealedCode!]) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it("verifies with jose against the seller's published key, and not once the document is edited", async () => {
    const { document, jws } = await evidence();
    const { payload, protectedHeader } = await compactVerify(jws, await jwks());
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(document);
    expect(protectedHeader.typ).toBe('oneclick-evidence+json');
    const sellerKeys = await stack.license.keys.list(sellerId);
    expect(sellerKeys.map((k) => k.kid)).toContain(protectedHeader.kid);

    const [header, , signature] = jws.split('.');
    const edited = { ...document, server: { ...document.server, address: '203.0.113.9' } };
    const forged = `${header}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`;
    await expect(compactVerify(forged, await jwks())).rejects.toBeInstanceOf(
      joseErrors.JWSSignatureVerificationFailed,
    );
  });

  it("shows the order's buyer, its seller and operators the same evidence, and answers 404 to another buyer or seller", async () => {
    const ids = async (who: 'buyer' | 'seller' | 'operator') => {
      const { document } = await evidence(who);
      return { resources: document.resources, server: document.server, steps: document.steps };
    };
    const byBuyer = await ids('buyer');
    expect(await ids('seller')).toEqual(byBuyer);
    expect(await ids('operator')).toEqual(byBuyer);
    for (const who of ['stranger', 'rival'] as const) {
      for (const page of ['', '.html']) {
        const res = await get(who, orderRef, page);
        expect(res.status).toBe(404);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      }
    }
    const anonymous = await stack.t.call(
      'GET',
      `/v1/orders/${orderRef}/deployments/current/evidence`,
    );
    expect(anonymous.status).toBe(401);
  });

  it('answers 409 NO_DELIVERY for an order with no delivered deployment', async () => {
    for (const page of ['', '.html']) {
      const res = await get('buyer', undelivered, page);
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NO_DELIVERY');
    }
  });

  it('serves a page that shows a product name with <script> as text, under a policy that runs nothing', async () => {
    const res = await get('buyer', orderRef, '.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/script-src/);
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(
      'Demo &lt;script&gt;alert(&quot;evidence&quot;)&lt;/script&gt; &amp; Co',
    );
    // The page's one style is the one the policy allows, by its hash.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    // The page carries its own signed copy, and shows what that copy says.
    const jws = [...html.matchAll(/<pre>([A-Za-z0-9_.-]+)<\/pre>/g)].at(-1)?.[1] ?? '';
    const { payload } = await compactVerify(jws, await jwks());
    const document = JSON.parse(new TextDecoder().decode(payload)) as EvidenceDocument;
    expect(document.deployment.id).toBe(deployed.deploymentId);
    for (const shown of [
      document.server.hostKeyFingerprint!,
      document.server.address!,
      document.resources.vpc.id!,
      document.package!.sha256,
      document.license!.id,
    ]) {
      expect(html).toContain(shown);
    }
  });

  it("shows the activation time once the seller's software activates the code, still signed", async () => {
    await stack.license.codes.activate(sellerId, code);
    const { document, jws } = await evidence();
    const license = await findLicense(stack.t.db, 'id', deployed.result.licenseId);
    expect(license!.activatedAt).not.toBeNull();
    expect(document.license).toMatchObject({
      status: 'ALIVE',
      activatedAt: license!.activatedAt!.toISOString(),
    });
    await expect(compactVerify(jws, await jwks())).resolves.toBeDefined();
  });
});
