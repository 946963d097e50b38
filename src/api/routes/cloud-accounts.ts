import type { Context } from 'hono';
import { AppError } from '../../errors.js';
import { agencyNameFor } from '../../cloud/agency-name.js';
import type { CloudAccountSecret, CloudConnector } from '../../cloud/types.js';
import {
  cloudAccountInUse,
  deleteCloudAccount,
  getCloudAccount,
  insertCloudAccount,
  listCloudAccounts,
  type CloudAccount,
} from '../../db/repositories/cloud-accounts.js';
import { appendAudit } from '../../license/audit-log.js';
import type { AppEnv } from '../context.js';
import { resourceRoutes } from '../contract.js';
import { encodeCursor } from '../cursor.js';
import {
  cloudAccountContracts as route,
  type LinkCloudAccountBody,
} from './cloud-accounts.schema.js';
import { cloudCallError } from './cloud-catalogue.schema.js';

/** The account as the API shows it: display fields flattened, nothing secret. */
function view(a: CloudAccount) {
  return {
    id: a.id,
    name: a.name,
    kind: a.kind,
    ...a.display,
    region: a.region,
    projectId: a.projectId,
    createdBy: a.createdBy,
    createdAt: a.createdAt,
  };
}

function secretOf(body: LinkCloudAccountBody): CloudAccountSecret {
  if (body.kind === 'aksk') return { kind: 'aksk', ak: body.ak, sk: body.sk };
  return {
    kind: 'agency',
    agencyName: body.agencyName,
    ...(body.domainName !== undefined && { domainName: body.domainName }),
    ...(body.domainId !== undefined && { domainId: body.domainId }),
  };
}

/** Cloud accounts belong to a buyer: every key of that buyer sees them, no one else does. */
function buyerOf(c: Context<AppEnv>): string {
  const buyerId = c.get('principal').buyerId;
  // The route admits buyers only, and a buyer principal always has its buyer (schema check).
  if (buyerId === null) throw new AppError('FORBIDDEN', 'cloud accounts belong to buyers');
  return buyerId;
}

const actorOf = (c: Context<AppEnv>) => {
  const p = c.get('principal');
  return `${p.role}:${p.id}`;
};

/**
 * The buyer's linked Huawei Cloud accounts, under /v1/cloud-accounts. Linking checks the account
 * with the connector first (credentials obtained, the region's project found), so nothing that
 * does not work is stored; the secret is sealed in the secret store and never shown again.
 */
export function cloudAccountRoutes(connector: CloudConnector) {
  return resourceRoutes()
    .openapi(route.link, async (c) => {
      const deps = c.get('deps');
      const keyring = deps.secretsKeyring;
      if (!keyring) throw new AppError('UNAVAILABLE', 'the secret store is not configured');
      const body = c.req.valid('json');
      const buyerId = buyerOf(c);
      // OneClick assumes only the agency named for this buyer: any agency trusting OneClick's
      // account is otherwise open to every buyer who can name the account it is in.
      if (body.kind === 'agency' && body.agencyName !== agencyNameFor(keyring, buyerId)) {
        throw new AppError(
          'AGENCY_NAME_NOT_YOURS',
          'agencyName: an agency for OneClick must carry the name GET /v1/cloud-accounts/agency-name gives you',
        );
      }
      const secret = secretOf(body);
      const region = body.region ?? connector.defaultRegion;
      let probed: { projectId: string; domainId?: string };
      try {
        probed = await connector.probe(secret, region);
      } catch (e) {
        throw cloudCallError('link cloud account', e);
      }
      const domainId = probed.domainId ?? (body.kind === 'agency' ? body.domainId : undefined);
      const account = await insertCloudAccount(
        deps.db,
        keyring,
        {
          buyerId,
          createdBy: c.get('principal').id,
          name: body.name,
          secret,
          region,
          projectId: probed.projectId,
          ...(domainId !== undefined && { domainId }),
        },
        (tx, a) =>
          appendAudit(tx, {
            actor: actorOf(c),
            action: 'cloud-account.link',
            subject: a.id,
            data: { buyerId, name: a.name, kind: a.kind, region, projectId: a.projectId },
          }).then(() => undefined),
      );
      return c.json(view(account), 201);
    })
    .openapi(route.agencyName, (c) => {
      const keyring = c.get('deps').secretsKeyring;
      if (!keyring) throw new AppError('UNAVAILABLE', 'the secret store is not configured');
      const agencyName = agencyNameFor(keyring, buyerOf(c));
      return c.json(
        {
          agencyName,
          how: `In your Huawei Cloud account: IAM > Agencies > Create agency, named ${agencyName}, type "Account", delegated to OneClick's account, with ECS, VPC, EIP and IMS permissions in the regions you deploy to; then link it here with kind "agency", your account's name and this agency name.`,
        },
        200,
      );
    })
    .openapi(route.list, async (c) => {
      const q = c.req.valid('query');
      const page = await listCloudAccounts(c.get('deps').db, buyerOf(c), {
        limit: q.limit,
        ...(q.cursor && { after: q.cursor }),
      });
      return c.json({ items: page.items.map(view), next: encodeCursor(page.next) }, 200);
    })
    .openapi(route.show, async (c) => {
      const a = await getCloudAccount(c.get('deps').db, c.req.valid('param').id, buyerOf(c));
      if (!a) throw new AppError('CLOUD_ACCOUNT_NOT_FOUND', 'no such cloud account');
      return c.json(view(a), 200);
    })
    .openapi(route.unlink, async (c) => {
      const { db } = c.get('deps');
      const id = c.req.valid('param').id;
      const buyerId = buyerOf(c);
      // A running deployment acts in the account until its end (compensation included), and a
      // delivered one's resources are deleted with its credentials when its order ends.
      if ((await getCloudAccount(db, id, buyerId)) && (await cloudAccountInUse(db, id))) {
        throw new AppError(
          'CLOUD_ACCOUNT_IN_USE',
          'a deployment runs in this cloud account, or an active order has its server there; unlink it once that deployment ends or that order is unsubscribed',
        );
      }
      const removed = await deleteCloudAccount(db, id, buyerId, (tx, a) =>
        appendAudit(tx, {
          actor: actorOf(c),
          action: 'cloud-account.unlink',
          subject: a.id,
          data: { buyerId, name: a.name, kind: a.kind },
        }).then(() => undefined),
      );
      if (!removed) throw new AppError('CLOUD_ACCOUNT_NOT_FOUND', 'no such cloud account');
      return c.body(null, 204);
    });
}
