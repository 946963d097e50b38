import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../helpers/databases.js';
import { testKeyring } from '../../../helpers/deploy.js';
import type { Database } from '../../../../src/db/sql.js';
import type { Keyring } from '../../../../src/crypto/keyring.js';
import { createPrincipal, type Principal } from '../../../../src/db/repositories/principals.js';
import {
  cloudAccountInUse,
  cloudAccountOwnedBy,
  createCloudAccountSource,
  deleteCloudAccount,
  getCloudAccount,
  insertCloudAccount,
  listCloudAccounts,
  maskAccessKey,
} from '../../../../src/db/repositories/cloud-accounts.js';
import type { CloudAccountSecret } from '../../../../src/cloud/types.js';

const AK = 'HPUAXQ7RZ2KD8WFM3N5T';
const SK = 'sk-3c9f0b7e1d2a4f6b8c0e2d4f6a8b0c2e4f6a8b0c';

describe.each(databaseKinds)('cloud accounts repository on %s', (kind) => {
  let db: Database;
  let keyring: Keyring;
  let alice: Principal;
  let bob: Principal;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
    keyring = testKeyring();
    alice = await createPrincipal(db, { role: 'buyer', name: 'alice', marketplaceCustomerId: 'a' });
    bob = await createPrincipal(db, { role: 'buyer', name: 'bob', marketplaceCustomerId: 'b' });
  });
  afterEach(async () => {
    await db.close();
  });

  const link = (p: Principal, name: string, secret: CloudAccountSecret) =>
    insertCloudAccount(db, keyring, {
      buyerId: p.buyerId!,
      createdBy: p.id,
      name,
      secret,
      region: 'cn-north-4',
      projectId: 'f'.repeat(32),
    });

  it('seals the whole secret: neither the SK nor the AK is stored in clear, the AK shows masked', async () => {
    const a = await link(alice, 'prod', { kind: 'aksk', ak: AK, sk: SK });
    expect(a.display).toEqual({ accessKey: 'HPUA****3N5T' });
    const dump = JSON.stringify([
      await db.query('select * from cloud_accounts'),
      await db.query('select * from secrets'),
    ]);
    expect(dump).not.toContain(SK);
    expect(dump).not.toContain(AK);
    expect(await createCloudAccountSource(db, keyring).secretFor(a.id)).toEqual({
      kind: 'aksk',
      ak: AK,
      sk: SK,
    });
  });

  it('keeps an agency link with its names for display', async () => {
    const a = await link(alice, 'agency', {
      kind: 'agency',
      domainName: 'buyer_corp',
      agencyName: 'oneclick_deployer',
    });
    expect(a).toMatchObject({
      kind: 'agency',
      display: { domainName: 'buyer_corp', agencyName: 'oneclick_deployer' },
      projectId: 'f'.repeat(32),
      region: 'cn-north-4',
    });
    expect(await createCloudAccountSource(db, keyring).secretFor(a.id)).toEqual({
      kind: 'agency',
      domainName: 'buyer_corp',
      agencyName: 'oneclick_deployer',
    });
  });

  it('refuses a second account of the same name and leaves no sealed secret behind', async () => {
    await link(alice, 'prod', { kind: 'aksk', ak: AK, sk: SK });
    await expect(link(alice, 'prod', { kind: 'aksk', ak: AK, sk: SK })).rejects.toMatchObject({
      code: 'CLOUD_ACCOUNT_NAME_TAKEN',
    });
    expect(await db.query('select id from secrets')).toHaveLength(1);
    // Another buyer may use the name.
    await link(bob, 'prod', { kind: 'aksk', ak: AK, sk: SK });
  });

  it("shows and lists a buyer's own accounts only, newest first, page by page", async () => {
    const ids: string[] = [];
    for (const n of ['one', 'two', 'three']) {
      ids.push((await link(alice, n, { kind: 'aksk', ak: AK, sk: SK })).id);
    }
    const bobs = await link(bob, 'bobs', { kind: 'aksk', ak: AK, sk: SK });
    const first = await listCloudAccounts(db, alice.buyerId!, { limit: 2 });
    expect(first.items.map((a) => a.name)).toEqual(['three', 'two']);
    const second = await listCloudAccounts(db, alice.buyerId!, { limit: 2, after: first.next! });
    expect(second.items.map((a) => a.name)).toEqual(['one']);
    expect(second.next).toBeUndefined();
    expect(await getCloudAccount(db, bobs.id, alice.buyerId!)).toBeUndefined();
    expect(await cloudAccountOwnedBy(db, bobs.id, alice.buyerId!)).toBe(false);
    expect(await cloudAccountOwnedBy(db, ids[0]!, alice.buyerId!)).toBe(true);
  });

  it("removes an account with its sealed secret; another buyer's delete removes nothing", async () => {
    const a = await link(alice, 'prod', { kind: 'aksk', ak: AK, sk: SK });
    expect(await deleteCloudAccount(db, a.id, bob.buyerId!)).toBeUndefined();
    expect(await db.query('select id from secrets')).toHaveLength(1);
    expect((await deleteCloudAccount(db, a.id, alice.buyerId!))?.id).toBe(a.id);
    expect(await db.query('select id from secrets')).toHaveLength(0);
    expect(await createCloudAccountSource(db, keyring).secretFor(a.id)).toBeUndefined();
  });

  it('says an account is in use while a deployment in it runs, or its delivered server belongs to an active order', async () => {
    const a = await link(alice, 'prod', { kind: 'aksk', ak: AK, sk: SK });
    expect(await cloudAccountInUse(db, a.id)).toBe(false);
    const seller = await createPrincipal(db, { role: 'seller', name: 'acme' });
    await db.query(
      `insert into products (id, seller_id, marketplace_product_id, name, license_model)
       values ('prd_1', $1, 'MP-1', 'Demo', 'license2')`,
      [seller.sellerId],
    );
    const orders = await db.query<{ id: string }>(
      `insert into orders (id, marketplace_order_id, order_line_id, buyer_id, seller_id, product_id,
         status) values ('ord_1', 'CS1', 'L1', $1, $2, 'prd_1', 'active') returning id`,
      [alice.buyerId, seller.sellerId],
    );
    await db.query(
      `insert into deployments (id, order_id, workflow_id, state, request)
       values ('dep_1', $1, 'deploy-1', 'server', $2)`,
      [orders[0]!.id, JSON.stringify({ cloud: { accountId: a.id, region: 'cn-north-4' } })],
    );
    expect(await cloudAccountInUse(db, a.id)).toBe(true);
    await db.query(`update deployments set state = 'failed' where id = 'dep_1'`);
    expect(await cloudAccountInUse(db, a.id)).toBe(false);
    // Delivered: its resources stay in the account until the order ends and is decommissioned.
    await db.query(`update deployments set state = 'succeeded' where id = 'dep_1'`);
    expect(await cloudAccountInUse(db, a.id)).toBe(true);
    await db.query(`update orders set status = 'unsubscribed' where id = 'ord_1'`);
    expect(await cloudAccountInUse(db, a.id)).toBe(false);
  });
});

describe('access key masking', () => {
  it('masks short and long access keys without showing most of them', () => {
    expect(maskAccessKey('ABCDEFGHIJKLMNOPQRST')).toBe('ABCD****QRST');
    expect(maskAccessKey('SHORT')).toBe('****');
  });
});
