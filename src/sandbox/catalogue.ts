import type { Emulator } from './emulator.js';
import { SANDBOX_FLAVORS, SANDBOX_IMAGES } from './emulator.js';

/**
 * What the sandbox cloud sells: availability zones per region, flavors with the ECS extra specs
 * that say where each is on sale, and the gold (public) images with IMS's attributes. Every
 * catalogue endpoint (ecs-api.ts, ims-api.ts) and CreateServers's checks read from here, so a
 * choice the form offers is one CreateServers accepts.
 */

/** Zones per region; a region the table does not know has two. */
const ZONE_COUNT: Record<string, number> = { 'cn-north-4': 3, 'cn-east-3': 3 };

/** A region's zones: `<region>a`, `<region>b`, ... */
export function zonesOf(region: string): string[] {
  const count = ZONE_COUNT[region] ?? 2;
  return Array.from({ length: count }, (_, i) => `${region}${String.fromCharCode(97 + i)}`);
}

/**
 * The region of a project: IAM names a region's project after the region (`cn-north-4`, or
 * `cn-north-4_1` for a further project of it). Unknown ids fall back to the sandbox's region.
 */
export function regionOfProject(emu: Emulator, projectId: string): string {
  for (const domain of emu.accounts.allDomains()) {
    const project = domain.projects.find((p) => p.id === projectId);
    if (project) return project.name.split('_')[0] || emu.options.region;
  }
  return emu.options.region;
}

/** Flavors sold out in a zone letter (so a zone filter has something to leave out). */
const SOLD_OUT: Record<string, string[]> = { 'c7.xlarge.2': ['b'] };

const PERFORMANCE_TYPE: Record<string, string> = { s6: 'normal', c7: 'computingv3' };

/** Each zone of the region with the flavor's state there (`normal` or `sellout`). */
function flavorZones(flavorId: string, region: string): { zone: string; state: string }[] {
  return zonesOf(region).map((zone) => ({
    zone,
    state: (SOLD_OUT[flavorId] ?? []).includes(zone.slice(region.length)) ? 'sellout' : 'normal',
  }));
}

/** True when the flavor is on sale in the zone. */
export function flavorOnSale(flavorId: string, region: string, zone: string): boolean {
  return flavorZones(flavorId, region).some((z) => z.zone === zone && z.state === 'normal');
}

/** Flavors as ECS ListFlavors prints them, optionally only those on sale in one zone. */
export function flavorList(region: string, endpoint: string, projectId: string, zone?: string) {
  return Object.entries(SANDBOX_FLAVORS)
    .filter(([id]) => zone === undefined || flavorOnSale(id, region, zone))
    .map(([id, f]) => {
      const zones = flavorZones(id, region);
      const href = `${endpoint}/v1/${projectId}/flavors/${id}`;
      return {
        id,
        name: id,
        vcpus: f.vcpus,
        ram: Number(f.ram),
        disk: '0',
        swap: '',
        'OS-FLV-EXT-DATA:ephemeral': 0,
        'OS-FLV-DISABLED:disabled': false,
        rxtx_factor: 1,
        rxtx_quota: null,
        rxtx_cap: null,
        'os-flavor-access:is_public': true,
        links: [
          { rel: 'self', href, type: null },
          { rel: 'bookmark', href, type: null },
        ],
        os_extra_specs: {
          'ecs:performancetype': PERFORMANCE_TYPE[id.split('.')[0] ?? ''] ?? 'normal',
          'ecs:generation': id.split('.')[0] ?? '',
          'ecs:virtualization_env_types': 'CloudCompute',
          'ecs:instance_architecture': 'x86',
          resource_type: `IOoptimized${(id.split('.')[0] ?? '').toUpperCase()}`,
          'cond:operation:status': 'normal',
          'cond:operation:az': zones.map((z) => `${z.zone}(${z.state})`).join(','),
        },
      };
    });
}

/** IMS attributes of the gold images (the sandbox hosts run this machine's Debian either way). */
const IMAGE_OS: Record<string, { platform: string; version: string }> = {
  'Debian 12 64bit': { platform: 'Debian', version: 'Debian GNU/Linux 12.0.0 64bit' },
  'Ubuntu 22.04 server 64bit': { platform: 'Ubuntu', version: 'Ubuntu 22.04 server 64bit' },
};

/** When the gold images were published (fixed, so listings are stable). */
const GOLD_CREATED = '2024-06-01T00:00:00Z';

/** An image as IMS ListImages prints it. */
export function imageBody(
  img: { id: string; name: string; created_at: string; osName: string },
  kind: 'gold' | 'private',
  owner: string,
) {
  const os = IMAGE_OS[img.osName] ?? { platform: 'Other', version: img.osName };
  return {
    id: img.id,
    name: img.name,
    status: 'active',
    visibility: kind === 'gold' ? 'public' : 'private',
    protected: kind === 'gold',
    __imagetype: kind,
    __os_type: 'Linux',
    __os_version: os.version,
    __platform: os.platform,
    __os_bit: '64',
    __isregistered: 'true',
    __support_kvm: 'true',
    __image_source_type: 'uds',
    __image_size: '2147483648',
    __description: '',
    __data_origin: kind === 'private' ? `instance,${img.id}` : undefined,
    min_disk: 40,
    min_ram: 0,
    disk_format: 'zvhd2',
    container_format: 'bare',
    virtual_env_type: 'FusionCompute',
    owner,
    tags: [],
    created_at: img.created_at,
    updated_at: img.created_at,
    self: `/v2/images/${img.id}`,
    file: `/v2/images/${img.id}/file`,
    schema: '/v2/schemas/image',
  };
}

/** The gold images, in a fixed order. */
export function goldImages() {
  return Object.entries(SANDBOX_IMAGES).map(([id, name]) => ({
    id,
    name,
    created_at: GOLD_CREATED,
    osName: name,
  }));
}
