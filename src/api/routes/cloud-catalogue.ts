import type { Context } from 'hono';
import { AppError } from '../../errors.js';
import type { CloudCatalogue, CloudConnector, Page } from '../../cloud/types.js';
import { cloudAccountExists, cloudAccountOwnedBy } from '../../db/repositories/cloud-accounts.js';
import type { AppEnv } from '../context.js';
import { resourceRoutes } from '../contract.js';
import { createTtlCache } from '../ttl-cache.js';
import { catalogueContracts as route, cloudCallError } from './cloud-catalogue.schema.js';

export const CATALOGUE_TTL_MS = 30_000;
const CATALOGUE_MAX_ENTRIES = 1_000;

export interface CatalogueOptions {
  /** How long a list is served from the cache (default 30 s). */
  ttlMs?: number;
  /** Most lists kept at once (default 1,000); the oldest go first. */
  maxEntries?: number;
  /** The cache's clock (tests move it instead of waiting). */
  now?: () => number;
}

/**
 * Whether the caller may list in the account: a buyer in their own linked accounts, an operator
 * in any; absent means OneClick's own account, which the sandbox and single-account installs
 * deploy into, so buyers without a linked account may list it too. Others answer 404.
 */
async function mustSeeAccount(c: Context<AppEnv>, accountId: string | undefined): Promise<void> {
  const { db, ownAccountForBuyers } = c.get('deps');
  const p = c.get('principal');
  if (accountId === undefined) {
    if (p.role === 'buyer' && ownAccountForBuyers === false) throw ownAccountRefused();
    return;
  }
  const visible =
    p.role === 'operator'
      ? await cloudAccountExists(db, accountId)
      : p.buyerId !== null && (await cloudAccountOwnedBy(db, accountId, p.buyerId));
  if (!visible) throw new AppError('CLOUD_ACCOUNT_NOT_FOUND', 'no such cloud account');
}

/** A buyer naming no linked account where OneClick's own is not theirs to use. */
export const ownAccountRefused = () =>
  new AppError(
    'CLOUD_ACCOUNT_REQUIRED',
    'accountId: name one of your linked cloud accounts (GET /v1/cloud-accounts); OneClick does not deploy buyers into its own account here',
  );

const paged = <T>(p: Page<T>) => ({ items: p.items, nextMarker: p.nextMarker ?? null });

/**
 * What the Start Deployment form offers, under /v1/cloud: read-only lists of an account's region
 * through the cloud connector, each cached briefly (per node: see ttl-cache.ts), keyed by account,
 * region, list and query. The account is checked on every request, before the cache, so a list
 * cached for one buyer never answers another.
 */
export function cloudCatalogueRoutes(connector: CloudConnector, options: CatalogueOptions = {}) {
  const cache = createTtlCache<unknown>({
    ttlMs: options.ttlMs ?? CATALOGUE_TTL_MS,
    maxEntries: options.maxEntries ?? CATALOGUE_MAX_ENTRIES,
    ...(options.now && { now: options.now }),
  });

  async function list<T>(
    c: Context<AppEnv>,
    name: string,
    query: { accountId?: string | undefined; region?: string | undefined } & Record<
      string,
      unknown
    >,
    load: (catalogue: CloudCatalogue) => Promise<T>,
  ): Promise<T> {
    const { accountId, region: asked, ...rest } = query;
    await mustSeeAccount(c, accountId);
    const region = asked ?? connector.defaultRegion;
    const key = JSON.stringify([accountId ?? null, region, name, rest]);
    return (await cache.getOrLoad(key, async () => {
      try {
        const adapter = await connector.forTarget({
          ...(accountId !== undefined && { accountId }),
          region,
        });
        return await load(adapter);
      } catch (e) {
        throw cloudCallError(name, e);
      }
    })) as T;
  }

  return resourceRoutes()
    .openapi(route.availabilityZones, async (c) => {
      const q = c.req.valid('query');
      const items = await list(c, 'availability-zones', q, (a) => a.listAvailabilityZones());
      return c.json({ items }, 200);
    })
    .openapi(route.flavors, async (c) => {
      const q = c.req.valid('query');
      const items = await list(c, 'flavors', q, (a) =>
        a.listFlavors(
          q.availabilityZone === undefined ? {} : { availabilityZone: q.availabilityZone },
        ),
      );
      return c.json({ items }, 200);
    })
    .openapi(route.images, async (c) => {
      const q = c.req.valid('query');
      const p = await list(c, 'images', q, (a) =>
        a.listImages({ imageType: q.type, ...pageQuery(q.limit, q.marker) }),
      );
      return c.json(paged(p), 200);
    })
    .openapi(route.vpcs, async (c) => {
      const q = c.req.valid('query');
      const p = await list(c, 'vpcs', q, (a) => a.listVpcs(pageQuery(q.limit, q.marker)));
      return c.json(paged(p), 200);
    })
    .openapi(route.subnets, async (c) => {
      const q = c.req.valid('query');
      const p = await list(c, 'subnets', q, (a) =>
        a.listSubnetsPage({
          ...(q.vpcId !== undefined && { vpcId: q.vpcId }),
          ...pageQuery(q.limit, q.marker),
        }),
      );
      return c.json(paged(p), 200);
    })
    .openapi(route.securityGroups, async (c) => {
      const q = c.req.valid('query');
      const p = await list(c, 'security-groups', q, (a) =>
        a.listSecurityGroupsPage(pageQuery(q.limit, q.marker)),
      );
      return c.json(paged(p), 200);
    })
    .openapi(route.servers, async (c) => {
      const q = c.req.valid('query');
      const p = await list(c, 'servers', q, (a) => a.listServers(pageQuery(q.limit, q.marker)));
      return c.json(paged(p), 200);
    });
}

/** The Page API's query, without keys for what was not asked. */
function pageQuery(limit: number | undefined, marker: string | undefined) {
  return { ...(limit !== undefined && { limit }), ...(marker !== undefined && { marker }) };
}
