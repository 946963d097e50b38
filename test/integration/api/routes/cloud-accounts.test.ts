import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../../src/db/ids.js';
import { readAudit } from '../../../../src/db/repositories/audit-log.js';
import type { TestApp } from '../../../helpers/api.js';
import {
  agencyNameOf,
  startCloudApp,
  type SandboxBuyerAccount,
} from '../../../helpers/cloud-app.js';
import { seedOrder } from '../../../helpers/deploy.js';

interface ShownAccount {
  id: string;
  name: string;
  kind: string;
  domainName?: string;
  domainId?: string;
  agencyName?: string;
  accessKey?: string;
  region: string;
  projectId: string;
}

/**
 * Linking a buyer's Huawei Cloud account through the real connector (official SDKs, OneClick's
 * IAM client) against the sandbox cloud's IAM: agencies and AK/SK pairs are checked before they
 * are stored, stored sealed, shown masked, kept per buyer, and removed with their secret.
 */
describe('cloud account routes', () => {
  let app: Awaited<ReturnType<typeof startCloudApp>>;
  let t: TestApp;
  let alice: string;
  let aliceIds: { buyerId: string; principalId: string };
  let mallory: string;
  let seller: string;
  let buyerAccount: SandboxBuyerAccount;
  /** The agency name OneClick gives alice, and the one it gives mallory. */
  let agencyName: string;
  let malloryAgency: string;

  beforeAll(async () => {
    app = await startCloudApp();
    t = app.t;
    const a = await t.principal('buyer', 'alice');
    alice = a.key;
    aliceIds = { buyerId: a.principal.buyerId!, principalId: a.principal.id };
    mallory = (await t.principal('buyer', 'mallory')).key;
    seller = (await t.principal('seller', 'acme')).key;
    buyerAccount = await app.newBuyerAccount('alice_corp');
    agencyName = await agencyNameOf(t, alice);
    malloryAgency = await agencyNameOf(t, mallory);
    await app.addAgency(buyerAccount.domain.id, agencyName);
    // An account of alice's company with no agency for OneClick.
    await app.newBuyerAccount('alice_lab');
  });
  afterAll(async () => {
    await app?.stop();
  });

  const link = (key: string, body: unknown, headers?: Record<string, string>) =>
    t.call('POST', '/v1/cloud-accounts', { key, body, ...(headers && { headers }) });
  const errorOf = async (res: Response) =>
    ((await res.json()) as { error: { code: string; message: string } }).error;
  const count = async (table: 'cloud_accounts' | 'secrets') =>
    Number((await t.db.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n);

  /** Everything OneClick keeps that a secret could leak into: its tables and its log. */
  async function everythingKept(): Promise<string> {
    const tables = ['cloud_accounts', 'secrets', 'idempotency_keys', 'audit_events'];
    const rows = await Promise.all(tables.map((n) => t.db.query(`select * from ${n}`)));
    // Every request logs a line: the log checked is not empty.
    expect(t.logLines.length).toBeGreaterThan(0);
    return JSON.stringify(rows) + t.logLines.join('');
  }

  it("links an account through an agency, checked in IAM, and learns the account's project", async () => {
    const res = await link(alice, {
      name: 'production',
      kind: 'agency',
      domainName: buyerAccount.domain.name,
      agencyName,
    });
    expect(res.status).toBe(201);
    const shown = (await res.json()) as ShownAccount;
    const project = (
      await t.db.query<{ project_id: string }>(
        'select project_id from cloud_accounts where id = $1',
        [shown.id],
      )
    )[0]!.project_id;
    expect(shown).toMatchObject({
      name: 'production',
      kind: 'agency',
      domainName: 'alice_corp',
      agencyName,
      region: app.cloud.region,
      projectId: project,
    });
    // The project is the buyer's, in the region checked: not OneClick's own.
    expect(project).not.toBe(app.cloud.projectId);
    expect(project).toMatch(/^[0-9a-f]{32}$/);
  });

  it('links by a sub-user AK/SK and never shows or keeps the SK in clear, nor the AK', async () => {
    const res = await link(alice, {
      name: 'fallback',
      kind: 'aksk',
      ak: buyerAccount.ak,
      sk: buyerAccount.sk,
    });
    expect(res.status).toBe(201);
    const text = await res.text();
    const shown = JSON.parse(text) as ShownAccount & Record<string, unknown>;
    expect(shown.kind).toBe('aksk');
    expect(shown.accessKey).toBe(`${buyerAccount.ak.slice(0, 4)}****${buyerAccount.ak.slice(-4)}`);
    expect(Object.keys(shown)).not.toContain('sk');
    expect(text).not.toContain(buyerAccount.sk);
    expect(text).not.toContain(buyerAccount.ak);

    const list = await t.call('GET', '/v1/cloud-accounts', { key: alice });
    const listed = await list.text();
    expect(listed).not.toContain(buyerAccount.sk);
    expect(listed).not.toContain(buyerAccount.ak);
    const kept = await everythingKept();
    expect(kept).not.toContain(buyerAccount.sk);
    expect(kept).not.toContain(buyerAccount.ak);
  });

  it("lists the buyer's accounts newest first, page by page, masked", async () => {
    const first = await t.call('GET', '/v1/cloud-accounts?limit=1', { key: alice });
    expect(first.status).toBe(200);
    const p1 = (await first.json()) as { items: ShownAccount[]; next: string | null };
    expect(p1.items.map((a) => a.name)).toEqual(['fallback']);
    expect(p1.next).toEqual(expect.any(String));
    const second = await t.call('GET', `/v1/cloud-accounts?limit=1&cursor=${p1.next}`, {
      key: alice,
    });
    const p2 = (await second.json()) as { items: ShownAccount[]; next: string | null };
    expect(p2.items.map((a) => a.name)).toEqual(['production']);
    expect(p2.next).toBeNull();
  });

  it("answers 404 for another buyer's account, lists none of it, and lets no one else remove it", async () => {
    const mine = (
      (await (await t.call('GET', '/v1/cloud-accounts', { key: alice })).json()) as {
        items: ShownAccount[];
      }
    ).items[0]!;
    const show = await t.call('GET', `/v1/cloud-accounts/${mine.id}`, { key: mallory });
    expect(show.status).toBe(404);
    expect((await errorOf(show)).code).toBe('CLOUD_ACCOUNT_NOT_FOUND');
    const del = await t.call('DELETE', `/v1/cloud-accounts/${mine.id}`, { key: mallory });
    expect(del.status).toBe(404);
    expect((await errorOf(del)).code).toBe('CLOUD_ACCOUNT_NOT_FOUND');
    const theirs = await t.call('GET', '/v1/cloud-accounts', { key: mallory });
    expect(((await theirs.json()) as { items: unknown[] }).items).toEqual([]);
    expect((await t.call('GET', `/v1/cloud-accounts/${mine.id}`, { key: alice })).status).toBe(200);
  });

  it("refuses another buyer's agency: its name is alice's, and mallory's own name is no agency there", async () => {
    expect(malloryAgency).not.toBe(agencyName);
    const before = { accounts: await count('cloud_accounts'), secrets: await count('secrets') };
    const stolen = await link(mallory, {
      name: 'not-mine',
      kind: 'agency',
      domainName: buyerAccount.domain.name,
      agencyName,
    });
    expect(stolen.status).toBe(400);
    expect((await errorOf(stolen)).code).toBe('AGENCY_NAME_NOT_YOURS');
    const guessed = await link(mallory, {
      name: 'not-mine',
      kind: 'agency',
      domainName: buyerAccount.domain.name,
      agencyName: malloryAgency,
    });
    expect(guessed.status).toBe(422);
    expect((await errorOf(guessed)).code).toBe('CLOUD_AUTH_FAILED');
    expect({ accounts: await count('cloud_accounts'), secrets: await count('secrets') }).toEqual(
      before,
    );
  });

  it('answers 403 to sellers', async () => {
    expect((await t.call('GET', '/v1/cloud-accounts', { key: seller })).status).toBe(403);
    const res = await link(seller, {
      name: 'x',
      kind: 'agency',
      domainName: 'alice_corp',
      agencyName,
    });
    expect(res.status).toBe(403);
  });

  it.each([
    ['an account with no agency for OneClick', 'alice_lab'],
    ['an account that does not exist', 'nobody_here'],
  ])('refuses %s with a 4xx CLOUD_AUTH_FAILED and stores nothing', async (_what, domainName) => {
    const before = { accounts: await count('cloud_accounts'), secrets: await count('secrets') };
    const res = await link(alice, {
      name: `bad-${Math.random()}`,
      kind: 'agency',
      domainName,
      agencyName,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await errorOf(res)).code).toBe('CLOUD_AUTH_FAILED');
    expect({ accounts: await count('cloud_accounts'), secrets: await count('secrets') }).toEqual(
      before,
    );
  });

  it('refuses a wrong SK with a 4xx CLOUD_AUTH_FAILED, without echoing or logging it', async () => {
    const wrong = `${buyerAccount.sk.slice(0, -4)}WXYZ`;
    const before = await count('secrets');
    const res = await link(alice, { name: 'wrong', kind: 'aksk', ak: buyerAccount.ak, sk: wrong });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const text = await res.text();
    expect(text).toContain('CLOUD_AUTH_FAILED');
    expect(text).not.toContain(wrong);
    expect(await count('secrets')).toBe(before);
    expect(await everythingKept()).not.toContain(wrong);
  });

  it('refuses a region the account has no project in with a 4xx CLOUD_REGION_UNKNOWN', async () => {
    const res = await link(alice, {
      name: 'far-away',
      kind: 'agency',
      domainName: buyerAccount.domain.name,
      agencyName,
      region: 'eu-west-101',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await errorOf(res)).code).toBe('CLOUD_REGION_UNKNOWN');
  });

  it('links in another region the account has, learning that region’s project', async () => {
    const res = await link(alice, {
      name: 'east',
      kind: 'agency',
      domainId: buyerAccount.domain.id,
      agencyName,
      region: 'cn-east-3',
    });
    expect(res.status).toBe(201);
    const shown = (await res.json()) as ShownAccount;
    expect(shown).toMatchObject({ region: 'cn-east-3', domainId: buyerAccount.domain.id });
    const north = (
      await t.db.query<{ project_id: string }>(
        `select project_id from cloud_accounts where name = 'production'`,
      )
    )[0]!.project_id;
    expect(shown.projectId).not.toBe(north);
  });

  it.each([
    ['an agency without the account', { kind: 'agency', agencyName: 'a' }, 'domainName'],
    ['an unknown kind', { kind: 'password', password: 'x' }, 'kind'],
    ['a short AK', { kind: 'aksk', ak: 'AK', sk: 'secret-value-1' }, 'ak'],
    ['an SK with spaces', { kind: 'aksk', ak: 'A'.repeat(20), sk: 'not a secret key' }, 'sk'],
    [
      'an unknown field',
      { kind: 'aksk', ak: 'A'.repeat(20), sk: 'x'.repeat(40), token: 't' },
      'token',
    ],
    ['no name', { name: '  ', kind: 'agency', domainName: 'd', agencyName: 'a' }, 'name'],
  ])('answers 400 VALIDATION_FAILED to %s, naming the field only', async (_what, body, field) => {
    const res = await link(alice, { name: 'v', ...body });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(field);
    expect(error.message).not.toContain('not a secret key');
  });

  it('answers 409 CLOUD_ACCOUNT_NAME_TAKEN to a second account of the same name', async () => {
    const before = await count('secrets');
    const res = await link(alice, {
      name: 'production',
      kind: 'aksk',
      ak: buyerAccount.ak,
      sk: buyerAccount.sk,
    });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('CLOUD_ACCOUNT_NAME_TAKEN');
    expect(await count('secrets')).toBe(before);
  });

  it('replays a link sent again with the same Idempotency-Key instead of linking twice', async () => {
    const body = {
      name: 'replayed',
      kind: 'agency',
      domainName: buyerAccount.domain.name,
      agencyName,
    };
    const headers = { 'idempotency-key': newId('idem') };
    const first = await link(alice, body, headers);
    const again = await link(alice, body, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as ShownAccount).id).toBe(
      ((await first.json()) as ShownAccount).id,
    );
  });

  it('unlinks an account with its sealed secret, and audits link and unlink without secrets', async () => {
    const res = await link(alice, {
      name: 'short-lived',
      kind: 'aksk',
      ak: buyerAccount.ak,
      sk: buyerAccount.sk,
    });
    const { id } = (await res.json()) as ShownAccount;
    const ref = (
      await t.db.query<{ secret_ref: string }>(
        'select secret_ref from cloud_accounts where id = $1',
        [id],
      )
    )[0]!.secret_ref;
    const del = await t.call('DELETE', `/v1/cloud-accounts/${id}`, { key: alice });
    expect(del.status).toBe(204);
    expect(await t.db.query('select id from secrets where id = $1', [ref])).toEqual([]);
    expect(await t.db.query('select id from cloud_accounts where id = $1', [id])).toEqual([]);
    const gone = await t.call('GET', `/v1/cloud-accounts/${id}`, { key: alice });
    expect(gone.status).toBe(404);
    const again = await t.call('DELETE', `/v1/cloud-accounts/${id}`, { key: alice });
    expect(again.status).toBe(404);

    const audit = await readAudit(t.db, id);
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['cloud-account.link', `buyer:${aliceIds.principalId}`],
      ['cloud-account.unlink', `buyer:${aliceIds.principalId}`],
    ]);
    expect(JSON.stringify(audit)).not.toContain(buyerAccount.sk);
  });

  it('answers 409 CLOUD_ACCOUNT_IN_USE while a deployment runs in the account', async () => {
    const res = await link(alice, {
      name: 'busy',
      kind: 'agency',
      domainName: buyerAccount.domain.name,
      agencyName,
    });
    const { id } = (await res.json()) as ShownAccount;
    const s = (await t.principal('seller', `acme-${id}`)).principal;
    const productId = newId('prd');
    await t.db.query(
      `insert into products (id, seller_id, marketplace_product_id, name, license_model)
       values ($1, $2, $3, 'Demo', 'license2')`,
      [productId, s.sellerId, `MP-${productId}`],
    );
    const orderRef = await seedOrder(t.db, {
      buyerId: aliceIds.buyerId,
      sellerId: s.sellerId!,
      productId,
    });
    const deploymentId = newId('dep');
    await t.db.query(
      `insert into deployments (id, order_id, workflow_id, state, request)
       values ($1, $2, $3, 'server', $4)`,
      [deploymentId, orderRef, `deploy-${orderRef}`, JSON.stringify({ cloud: { accountId: id } })],
    );
    const busy = await t.call('DELETE', `/v1/cloud-accounts/${id}`, { key: alice });
    expect(busy.status).toBe(409);
    expect((await errorOf(busy)).code).toBe('CLOUD_ACCOUNT_IN_USE');
    await t.db.query(`update deployments set state = 'failed' where id = $1`, [deploymentId]);
    expect((await t.call('DELETE', `/v1/cloud-accounts/${id}`, { key: alice })).status).toBe(204);
  });

  it('documents its routes and the form lists in the OpenAPI document, with their error codes', async () => {
    const doc = (await (await t.call('GET', '/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/cloud-accounts',
        '/v1/cloud-accounts/{id}',
        '/v1/cloud/availability-zones',
        '/v1/cloud/flavors',
        '/v1/cloud/images',
        '/v1/cloud/vpcs',
        '/v1/cloud/subnets',
        '/v1/cloud/security-groups',
        '/v1/cloud/servers',
      ]),
    );
    const link = JSON.stringify(doc.paths['/v1/cloud-accounts']?.post?.responses);
    for (const code of ['CLOUD_AUTH_FAILED', 'CLOUD_REGION_UNKNOWN', 'CLOUD_ACCOUNT_NAME_TAKEN']) {
      expect(link).toContain(code);
    }
    expect(Object.keys(doc.paths['/v1/cloud-accounts/{id}']?.delete?.responses ?? {})).toEqual(
      expect.arrayContaining(['204', '404', '409']),
    );
  });
});
