import type { Sql } from '../sql.js';
import { newId } from '../ids.js';
import { AppError } from '../../errors.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { CloudAccountSecret, CloudAccountSource } from '../../cloud/types.js';
import { createSqlSecretStore } from '../../secrets/secret-store.js';
import {
  afterKeyset,
  keysetColumn,
  newestFirst,
  toPage,
  type Keyset,
  type Page,
} from './keyset.js';
import { iso } from './row-values.js';
import { deleteSecret } from './secrets.js';

/**
 * Buyers' linked Huawei Cloud accounts (`cloud_accounts`). The whole secret (agency or AK/SK) is
 * sealed in the secret store and the row points at it; the row keeps only what may be shown.
 * Accounts belong to a buyer, so every principal (API key) of that buyer sees them, as orders.
 */

const SECRET_PURPOSE = 'cloud-account';

/** What may be shown of an account's secret: never the SK, the AK only masked. */
export type CloudAccountDisplay =
  { domainName?: string; domainId?: string; agencyName: string } | { accessKey: string };

export interface CloudAccount {
  id: string;
  buyerId: string;
  createdBy: string;
  name: string;
  kind: CloudAccountSecret['kind'];
  display: CloudAccountDisplay;
  /** The region the link was checked in, and the project id learnt there. */
  region: string;
  projectId: string;
  domainId: string | null;
  createdAt: string;
}

interface CloudAccountRow {
  id: string;
  buyer_id: string;
  created_by: string;
  name: string;
  kind: CloudAccountSecret['kind'];
  display: CloudAccountDisplay | string;
  region: string;
  project_id: string;
  domain_id: string | null;
  created_at: Date | string;
}

const columns = `a.id, a.buyer_id, a.created_by, a.name, a.kind, a.display, a.region, a.project_id,
  a.domain_id, a.created_at`;

const toAccount = (r: CloudAccountRow): CloudAccount => ({
  id: r.id,
  buyerId: r.buyer_id,
  createdBy: r.created_by,
  name: r.name,
  kind: r.kind,
  display:
    typeof r.display === 'string' ? (JSON.parse(r.display) as CloudAccountDisplay) : r.display,
  region: r.region,
  projectId: r.project_id,
  domainId: r.domain_id,
  createdAt: iso(r.created_at),
});

/** An access key as shown: its first 4 and last 4 characters, the rest hidden. */
export function maskAccessKey(ak: string): string {
  // Shorter keys would show most of themselves; AKs are 20 characters, the schema asks for 12+.
  if (ak.length < 12) return '****';
  return `${ak.slice(0, 4)}****${ak.slice(-4)}`;
}

/** The display fields of a secret: the agency's names as they are, the AK masked, no SK. */
export function displayOf(secret: CloudAccountSecret): CloudAccountDisplay {
  if (secret.kind === 'aksk') return { accessKey: maskAccessKey(secret.ak) };
  return {
    ...(secret.domainName !== undefined && { domainName: secret.domainName }),
    ...(secret.domainId !== undefined && { domainId: secret.domainId }),
    agencyName: secret.agencyName,
  };
}

/**
 * Links an account: seals the secret and inserts the row in one transaction, so a refused insert
 * (the buyer has an account of that name: CLOUD_ACCOUNT_NAME_TAKEN) leaves no sealed secret behind.
 */
export async function insertCloudAccount(
  sql: Sql,
  keyring: Keyring,
  input: {
    buyerId: string;
    createdBy: string;
    name: string;
    secret: CloudAccountSecret;
    region: string;
    projectId: string;
    domainId?: string;
  },
  /** Runs inside the transaction after the insert (the audit entry commits with the row). */
  also?: (tx: Sql, account: CloudAccount) => Promise<void>,
): Promise<CloudAccount> {
  return sql.transaction(async (tx) => {
    const secretRef = await createSqlSecretStore(tx, keyring).put(
      SECRET_PURPOSE,
      JSON.stringify(input.secret),
    );
    const rows = await tx.query<CloudAccountRow>(
      `insert into cloud_accounts as a (id, buyer_id, created_by, name, kind, secret_ref, display,
         region, project_id, domain_id)
       values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)
       on conflict (buyer_id, name) do nothing
       returning ${columns}`,
      [
        newId('cla'),
        input.buyerId,
        input.createdBy,
        input.name,
        input.secret.kind,
        secretRef,
        JSON.stringify(displayOf(input.secret)),
        input.region,
        input.projectId,
        input.domainId ?? null,
      ],
    );
    const row = rows[0];
    if (!row) {
      // Throwing rolls the sealed secret back with the transaction.
      throw new AppError(
        'CLOUD_ACCOUNT_NAME_TAKEN',
        `you have a cloud account named ${JSON.stringify(input.name)} already`,
      );
    }
    const account = toAccount(row);
    await also?.(tx, account);
    return account;
  });
}

/** The buyer's account, or undefined when there is none of that id or it is another buyer's. */
export async function getCloudAccount(
  sql: Sql,
  id: string,
  buyerId: string,
): Promise<CloudAccount | undefined> {
  const rows = await sql.query<CloudAccountRow>(
    `select ${columns} from cloud_accounts a where a.id = $1 and a.buyer_id = $2`,
    [id, buyerId],
  );
  return rows[0] && toAccount(rows[0]);
}

/** Whether the account exists and belongs to the buyer (the deployment request's check). */
export async function cloudAccountOwnedBy(
  sql: Sql,
  accountId: string,
  buyerId: string,
): Promise<boolean> {
  return (await getCloudAccount(sql, accountId, buyerId)) !== undefined;
}

/** Whether the account exists at all (operators may act in any buyer's account). */
export async function cloudAccountExists(sql: Sql, accountId: string): Promise<boolean> {
  const rows = await sql.query('select 1 from cloud_accounts where id = $1', [accountId]);
  return rows.length > 0;
}

/**
 * Whether OneClick still needs the account's credentials: a deployment that has not ended acts in
 * it (and may have to compensate there), or a delivered one's resources live there while its order
 * is active (decommissioning deletes them with these credentials).
 */
export async function cloudAccountInUse(sql: Sql, accountId: string): Promise<boolean> {
  const rows = await sql.query(
    `select 1 from deployments d join orders o on o.id = d.order_id
      where d.request -> 'cloud' ->> 'accountId' = $1
        and (d.state not in ('succeeded', 'failed', 'cancelled')
             or (d.state = 'succeeded' and o.status = 'active'))
      limit 1`,
    [accountId],
  );
  return rows.length > 0;
}

/** The buyer's accounts, newest first. */
export async function listCloudAccounts(
  sql: Sql,
  buyerId: string,
  page: { limit: number; after?: Keyset },
): Promise<Page<CloudAccount>> {
  const params: unknown[] = [buyerId];
  const after = page.after ? `and ${afterKeyset('a', page.after, params)}` : '';
  const rows = await sql.query<CloudAccountRow & { keyset_at: string }>(
    `select ${columns}, ${keysetColumn('a')} from cloud_accounts a
      where a.buyer_id = $1 ${after}
      ${newestFirst('a')} limit $${params.push(page.limit + 1)}`,
    params,
  );
  return toPage(rows, page.limit, toAccount);
}

/**
 * Removes the buyer's account and its sealed secret together; undefined when the buyer has no
 * such account (nothing removed).
 */
export async function deleteCloudAccount(
  sql: Sql,
  id: string,
  buyerId: string,
  /** Runs inside the transaction after the removal (the audit entry commits with it). */
  also?: (tx: Sql, account: CloudAccount) => Promise<void>,
): Promise<CloudAccount | undefined> {
  return sql.transaction(async (tx) => {
    const rows = await tx.query<CloudAccountRow & { secret_ref: string }>(
      `delete from cloud_accounts a where a.id = $1 and a.buyer_id = $2
       returning ${columns}, a.secret_ref`,
      [id, buyerId],
    );
    const row = rows[0];
    if (!row) return undefined;
    await deleteSecret(tx, row.secret_ref);
    const account = toAccount(row);
    await also?.(tx, account);
    return account;
  });
}

/**
 * The worker's view: an account's secret, unsealed, by account id (no tenancy here: the API
 * checked the account belongs to the deployment's buyer before the id reached the workflow).
 */
export function createCloudAccountSource(sql: Sql, keyring: Keyring): CloudAccountSource {
  const secrets = createSqlSecretStore(sql, keyring);
  return {
    async secretFor(accountId) {
      const rows = await sql.query<{ secret_ref: string }>(
        'select secret_ref from cloud_accounts where id = $1',
        [accountId],
      );
      const ref = rows[0]?.secret_ref;
      if (ref === undefined) return undefined;
      const text = await secrets.resolve(ref);
      return text === undefined ? undefined : (JSON.parse(text) as CloudAccountSecret);
    },
  };
}
