import * as ecs from '@huaweicloud/huaweicloud-sdk-ecs';
import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc';
import type { CloudContext } from './cloud-context.js';
import { AppError } from '../errors.js';
import {
  list,
  obj,
  text,
  toAvailabilityZone,
  toFlavor,
  toImage,
  toSecurityGroup,
  toServer,
  toSubnet,
  toVpc,
} from './mapping.js';
import { decodePageMarker, encodePageMarker, idMarker, pageLimit } from './page-markers.js';
import type {
  AvailabilityZone,
  CloudCatalogue,
  Flavor,
  Image,
  Page,
  PageQuery,
  SecurityGroup,
  Server,
  Subnet,
  Vpc,
} from './types.js';

/**
 * What the Start Deployment form offers, read from the account and region through the official
 * SDKs (ECS, VPC) and the IMS client: one call per page, paged with an opaque marker.
 */

/** A page whose API pages by the last id: a full page may have a successor. */
function byLastId<T extends { id: string }>(items: T[], limit: number): Page<T> {
  const last = items[items.length - 1];
  return items.length >= limit && last ? { items, nextMarker: last.id } : { items };
}

/**
 * A marker the caller gave that the cloud refuses (not an id of this listing: 400 on VPC and IMS)
 * is the caller's bad request, not the cloud failing: INVALID_PAGE_MARKER, a 400.
 */
function refusedMarker(marker: string | undefined, e: unknown): unknown {
  const refused =
    marker !== undefined &&
    e instanceof AppError &&
    (e.code === 'CLOUD_INVALID_REQUEST' || e.code === 'CLOUD_NOT_FOUND');
  return refused
    ? new AppError('INVALID_PAGE_MARKER', 'the page marker is not one this list handed out')
    : e;
}

export function createCatalogue(ctx: CloudContext): CloudCatalogue {
  const { sdk } = ctx;
  /** One list call; with a marker, the cloud refusing it is INVALID_PAGE_MARKER. */
  const call = <T>(op: string, marker: string | undefined, fn: () => Promise<T>): Promise<T> =>
    ctx.call(op, fn).catch((e: unknown) => {
      throw refusedMarker(marker, e);
    });
  return {
    async listFlavors(q: { availabilityZone?: string } = {}): Promise<Flavor[]> {
      const req = new ecs.ListFlavorsRequest();
      if (q.availabilityZone) req.withAvailabilityZone(q.availabilityZone);
      const res = await call('ListFlavors', undefined, () => sdk.ecs.listFlavors(req));
      return list(obj(res)['flavors']).map(toFlavor);
    },

    async listAvailabilityZones(): Promise<AvailabilityZone[]> {
      const res = await call('NovaListAvailabilityZones', undefined, () =>
        sdk.ecs.novaListAvailabilityZones(new ecs.NovaListAvailabilityZonesRequest()),
      );
      return list(obj(res)['availabilityZoneInfo']).map(toAvailabilityZone);
    },

    async listImages(q: { imageType: 'gold' | 'private' } & PageQuery): Promise<Page<Image>> {
      const limit = pageLimit(q.limit);
      const res = await call('ListImages', q.marker, () =>
        sdk.ims.listImages({
          __imagetype: q.imageType,
          status: 'active',
          limit,
          marker: idMarker(q.marker),
        }),
      );
      return byLastId(list(obj(res)['images']).map(toImage), limit);
    },

    async listVpcs(q: PageQuery = {}): Promise<Page<Vpc>> {
      const limit = pageLimit(q.limit);
      const req = new vpc.ListVpcsRequest().withLimit(limit);
      const marker = idMarker(q.marker);
      if (marker) req.withMarker(marker);
      const res = await call('ListVpcs', marker, () => sdk.vpc.listVpcs(req));
      return byLastId(list(obj(res)['vpcs']).map(toVpc), limit);
    },

    async listSubnetsPage(q: { vpcId?: string } & PageQuery = {}): Promise<Page<Subnet>> {
      const limit = pageLimit(q.limit);
      const req = new vpc.ListSubnetsRequest().withLimit(limit);
      if (q.vpcId) req.withVpcId(q.vpcId);
      const marker = idMarker(q.marker);
      if (marker) req.withMarker(marker);
      const res = await call('ListSubnets', marker, () => sdk.vpc.listSubnets(req));
      return byLastId(list(obj(res)['subnets']).map(toSubnet), limit);
    },

    async listSecurityGroupsPage(q: PageQuery = {}): Promise<Page<SecurityGroup>> {
      const req = new vpc.v3.ListSecurityGroupsRequest().withLimit(pageLimit(q.limit));
      const marker = idMarker(q.marker);
      if (marker) req.withMarker(marker);
      const res = obj(
        await call('ListSecurityGroups', marker, () => sdk.vpc3.listSecurityGroups(req)),
      );
      const items = list(res['security_groups']).map(toSecurityGroup);
      const next = text(obj(res['page_info']).next_marker);
      return next ? { items, nextMarker: next } : { items };
    },

    async listServers(q: PageQuery = {}): Promise<Page<Server>> {
      // ECS pages by page number (offset, from 1), wrapped into the opaque marker.
      const { page, limit } = q.marker
        ? decodePageMarker(q.marker)
        : { page: 1, limit: pageLimit(q.limit) };
      const req = new ecs.ListServersDetailsRequest().withLimit(limit).withOffset(page);
      const res = obj(
        await call('ListServersDetails', q.marker, () => sdk.ecs.listServersDetails(req)),
      );
      const items = list(res['servers']).map(toServer);
      const count = typeof res['count'] === 'number' ? res['count'] : undefined;
      const more = count === undefined ? items.length >= limit : page * limit < count;
      return more && items.length > 0
        ? { items, nextMarker: encodePageMarker(page + 1, limit) }
        : { items };
    },
  };
}
