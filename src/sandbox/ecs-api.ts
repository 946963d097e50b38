import { createHash, randomUUID } from 'node:crypto';
import { adminPassProblem } from './admin-pass.js';
import { asObject, ecsError, q, str, type ApiRequest, type ApiResponse } from './api-types.js';
import { flavorList, regionOfProject, zonesOf } from './catalogue.js';
import { floatingAddresses } from './eip-api.js';
import { nowIso, type ProjectState, type ServerRecord } from './emulator-state.js';
import { SANDBOX_FLAVORS, type Emulator, type HostSecrets } from './emulator.js';
import { imageName, imageUsable } from './ims-api.js';
import { defaultSecurityGroup } from './vpc-api.js';

/**
 * ECS endpoints: CreateServers (v1.1), ShowJob, ShowServer, ListServersDetails, DeleteServers,
 * ListFlavors and NovaListAvailabilityZones, with ECS's `{"error":{"code","message"}}` bodies
 * (shared/reference/huaweicloud-ecs-vpc.md §2).
 */

const NAME = /^[\p{L}\p{N}_.-]{1,64}$/u;
const VOLUME_TYPES = ['SATA', 'SAS', 'SSD', 'GPSSD', 'ESSD', 'GPSSD2', 'ESSD2'];
const KEY_LINE = /(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+(?: [^\s"']*)?/g;
const MAX_USER_DATA = 32 * 1024;

const invalid = (message: string) => ecsError(400, 'Ecs.0005', message);
const notFound = (id: string) => ecsError(404, 'Ecs.0114', `Instance[${id}] could not be found.`);

/** OpenSSH public keys found in cloud-init user data (`ssh_authorized_keys:` or a script). */
export function keysFromUserData(userData: string): string[] {
  return [...userData.matchAll(KEY_LINE)].map((m) => m[0].trim());
}

interface CreateInput {
  server: ServerRecord;
  count: number;
  secrets: HostSecrets;
}

function parseCreate(
  emu: Emulator,
  p: ProjectState,
  body: Record<string, unknown>,
): CreateInput | ApiResponse {
  const s = asObject(body.server);
  if (!s) return invalid('request body is illegal: server is required.');
  const name = str(s, 'name') ?? '';
  const count = s.count === undefined ? 1 : Number(s.count);
  if (!Number.isInteger(count) || count < 1 || count > 500) return invalid('count must be 1-500.');
  if (!NAME.test(name) || (count > 1 && name.length > 59))
    return invalid(`Invalid server name ${JSON.stringify(name)}.`);
  const imageRef = str(s, 'imageRef') ?? '';
  if (!imageUsable(p, imageRef))
    return invalid(`Image ${imageRef} does not exist or is not available.`);
  const flavorRef = str(s, 'flavorRef') ?? '';
  if (!(flavorRef in SANDBOX_FLAVORS))
    return invalid(`Flavor ${flavorRef} does not exist or is sold out.`);
  const vpcId = str(s, 'vpcid') ?? '';
  const vpc = p.vpcs.get(vpcId);
  if (!vpc) return invalid(`VPC ${vpcId} does not exist.`);
  const nics = Array.isArray(s.nics) ? s.nics.map(asObject) : [];
  if (nics.length === 0 || nics.length > 12) return invalid('nics must list 1-12 subnets.');
  const subnetId = str(nics[0], 'subnet_id') ?? '';
  for (const nic of nics) {
    const subnet = p.subnets.get(str(nic, 'subnet_id') ?? '');
    if (!subnet || subnet.vpc_id !== vpcId)
      return invalid(`Subnet ${str(nic, 'subnet_id')} is not in VPC ${vpcId}.`);
    if (subnet.status !== 'ACTIVE') return invalid(`Subnet ${subnet.id} is not active.`);
  }
  const volume = asObject(s.root_volume);
  const volumetype = str(volume, 'volumetype') ?? '';
  if (!volume || !VOLUME_TYPES.includes(volumetype)) {
    return invalid('root_volume.volumetype is required and must be a known type.');
  }
  const size = volume.size === undefined ? 40 : Number(volume.size);
  if (!Number.isInteger(size) || size < 1 || size > 1024) {
    return invalid('root_volume.size must be 1-1024 (GB).');
  }
  const zones = zonesOf(regionOfProject(emu, p.id));
  const az = str(s, 'availability_zone');
  if (az !== undefined && !zones.includes(az)) {
    return invalid(`Invalid availability_zone ${az}: use one of ${zones.join(', ')}.`);
  }
  const sgs = Array.isArray(s.security_groups) ? s.security_groups.map(asObject) : [];
  const securityGroupIds = sgs.map((g) => str(g, 'id') ?? '');
  for (const id of securityGroupIds)
    if (!p.securityGroups.has(id)) return invalid(`Security group ${id} does not exist.`);
  const adminPass = str(s, 'adminPass');
  if (adminPass !== undefined) {
    const problem = adminPassProblem(adminPass);
    if (problem)
      return ecsError(
        400,
        'Ecs.0011',
        `Ensure the password meets the password complexity requirements: ${problem}.`,
      );
  }
  let authorizedKeys: string[] = [];
  const userData = str(s, 'user_data');
  if (userData !== undefined) {
    const decoded = Buffer.from(userData, 'base64');
    if (
      decoded.length > MAX_USER_DATA ||
      decoded.toString('base64') !== userData.replace(/\s/g, '')
    ) {
      return invalid('user_data must be base64 of at most 32 KB.');
    }
    authorizedKeys = keysFromUserData(decoded.toString('utf8'));
  }
  const tagsIn = Array.isArray(s.server_tags) ? s.server_tags.map(asObject) : [];
  if (tagsIn.length > 10) return invalid('At most 10 server_tags.');
  const tags = tagsIn.map((t) => ({ key: str(t, 'key') ?? '', value: str(t, 'value') ?? '' }));
  if (tags.some((t) => !/^[\p{L}\p{N}_.:=+@ -]{1,128}$/u.test(t.key) || t.value.length > 255)) {
    return invalid('Invalid server tag.');
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(asObject(s.metadata) ?? {})) metadata[k] = String(v);
  const now = nowIso();
  return {
    count,
    secrets: { authorizedKeys, rootPassword: adminPass },
    server: {
      id: '',
      name,
      status: 'BUILD',
      vpcId,
      subnetId,
      securityGroupIds,
      flavorRef,
      imageRef,
      availabilityZone: az ?? zones[0] ?? '',
      tags,
      metadata,
      portId: '',
      rootVolume: { id: '', volumetype, size },
      created: now,
      updated: now,
    },
  };
}

export function createServers(emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const body = asObject(req.body);
  if (!body) return invalid('request body is illegal.');
  const token = req.headers['x-client-token'];
  const fingerprint = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  if (typeof token === 'string' && token !== '') {
    const seen = p.clientTokens.get(token);
    if (seen && seen.fingerprint === fingerprint) return { status: 200, body: seen.answer };
    if (seen) return invalid('X-Client-Token was already used with different parameters.');
  }
  const parsed = parseCreate(emu, p, body);
  if ('status' in parsed) return parsed;
  if (body.dry_run === true) return { status: 202, body: {} };
  if (p.servers.size + parsed.count > emu.options.serverQuota) {
    return ecsError(400, 'Ecs.0001', 'Quota exceeded: instances.');
  }
  // Without security groups ECS puts the server in the project's `default` group.
  if (parsed.server.securityGroupIds.length === 0) {
    parsed.server.securityGroupIds = [defaultSecurityGroup(p).id];
  }
  const ids: string[] = [];
  for (let i = 0; i < parsed.count; i++) {
    const id = randomUUID();
    const name =
      parsed.count > 1
        ? `${parsed.server.name}-${String(i + 1).padStart(4, '0')}`
        : parsed.server.name;
    const server = structuredClone(parsed.server);
    p.servers.set(id, {
      ...server,
      id,
      name,
      portId: randomUUID(),
      rootVolume: server.rootVolume && { ...server.rootVolume, id: randomUUID() },
    });
    ids.push(id);
  }
  const job = emu.newJob(p, 'createServer', 'createSingleServer', ids);
  const answer = { job_id: job.job_id, serverIds: ids };
  if (typeof token === 'string' && token !== '') p.clientTokens.set(token, { fingerprint, answer });
  emu.runCreateJob(p, job, parsed.secrets);
  return { status: 200, body: answer };
}

export function showJob(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const id = req.params.job_id ?? '';
  const job = p.jobs.get(id);
  if (!job) return ecsError(404, 'Ecs.0200', `Job ${id} does not exist.`);
  const { sub_jobs, ...rest } = job;
  return {
    status: 200,
    body: { ...rest, entities: { sub_jobs_total: sub_jobs.length, sub_jobs } },
  };
}

/** Nova's time format for launched_at: no zone, microseconds. */
function novaTime(iso: string | undefined): string {
  return iso === undefined ? '' : iso.replace(/(\.\d+)?Z$/, '.000000');
}

/** Stable made-up hypervisor names derived from the server id (a real cloud's are opaque too). */
function hypervisorOf(s: ServerRecord) {
  const hex = s.id.replace(/-/g, '');
  return {
    host: `pod01.${s.availabilityZone}`,
    hypervisorHostname: `nova${String(parseInt(hex.slice(0, 4), 16) % 1000).padStart(3, '0')}@36`,
    instanceName: `instance-${hex.slice(0, 8)}`,
    hostId: createHash('sha224')
      .update(`${s.availabilityZone}:${hex.slice(0, 4)}`)
      .digest('hex'),
  };
}

/** `host_status`: UP while the sandbox host runs, empty while building, else UNKNOWN. */
function hostStatus(emu: Emulator, s: ServerRecord): string {
  if (emu.hostOf(s.id)) return 'UP';
  return s.status === 'BUILD' ? '' : 'UNKNOWN';
}

/** A server as ShowServer and ListServersDetails print it. */
export function serverDetail(emu: Emulator, p: ProjectState, s: ServerRecord) {
  const flavor = SANDBOX_FLAVORS[s.flavorRef] ?? { vcpus: '1', ram: '1024' };
  const vmState = s.status === 'ACTIVE' ? 'active' : s.status === 'ERROR' ? 'error' : 'building';
  const hv = hypervisorOf(s);
  return {
    id: s.id,
    name: s.name,
    description: '',
    status: s.status,
    addresses:
      s.ip === undefined
        ? {}
        : {
            [s.vpcId]: [
              {
                version: '4',
                addr: s.ip,
                'OS-EXT-IPS:type': 'fixed',
                'OS-EXT-IPS-MAC:mac_addr': s.mac ?? '',
                'OS-EXT-IPS:port_id': s.portId,
                primary: true,
              },
              ...floatingAddresses(p, s),
            ],
          },
    flavor: { id: s.flavorRef, name: s.flavorRef, vcpus: flavor.vcpus, ram: flavor.ram, disk: '0' },
    image: { id: s.imageRef },
    'os-extended-volumes:volumes_attached': s.rootVolume
      ? [{ id: s.rootVolume.id, delete_on_termination: 'true', bootIndex: '0', device: '/dev/vda' }]
      : [],
    'OS-SRV-USG:launched_at': novaTime(s.launchedAt),
    'OS-SRV-USG:terminated_at': '',
    'OS-EXT-SRV-ATTR:host': hv.host,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': hv.hypervisorHostname,
    'OS-EXT-SRV-ATTR:instance_name': hv.instanceName,
    'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
    config_drive: '',
    host_status: hostStatus(emu, s),
    security_groups: s.securityGroupIds.map((id) => ({
      id,
      name: p.securityGroups.get(id)?.name ?? id,
    })),
    metadata: {
      vpc_id: s.vpcId,
      image_name: imageName(p, s.imageRef),
      os_type: 'Linux',
      charging_mode: '0',
      ...s.metadata,
    },
    tags: s.tags.map((t) => `${t.key}=${t.value}`),
    'OS-EXT-AZ:availability_zone': s.availabilityZone,
    'OS-EXT-STS:vm_state': vmState,
    'OS-EXT-STS:task_state': s.taskState ?? '',
    'OS-EXT-STS:power_state': s.status === 'ACTIVE' ? 1 : 0,
    'OS-EXT-SRV-ATTR:hostname': s.name.toLowerCase(),
    'OS-DCF:diskConfig': 'MANUAL',
    progress: s.status === 'BUILD' ? 0 : 100,
    locked: false,
    key_name: '',
    tenant_id: p.id,
    user_id: 'sandbox-user',
    hostId: s.status === 'BUILD' ? '' : hv.hostId,
    created: s.created,
    updated: s.updated,
    enterprise_project_id: '0',
    ...(s.fault ? { fault: s.fault } : {}),
  };
}

export function showServer(emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const id = req.params.server_id ?? '';
  const server = p.servers.get(id);
  return server ? { status: 200, body: { server: serverDetail(emu, p, server) } } : notFound(id);
}

export function listServersDetails(emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const name = q(req, 'name');
  const tags = q(req, 'tags');
  const status = q(req, 'status');
  const ids = q(req, 'server_id')?.split(',');
  const limit = Math.min(Math.max(Number(q(req, 'limit') ?? 25) || 25, 1), 1000);
  const page = Math.max(Number(q(req, 'offset') ?? 1) || 1, 1);
  const matches = [...p.servers.values()].filter((s) => {
    if (ids) return ids.includes(s.id);
    if (name !== undefined && !s.name.includes(name)) return false;
    if (status !== undefined && s.status !== status) return false;
    if (tags !== undefined && !s.tags.some((t) => `${t.key}=${t.value}` === tags)) return false;
    return true;
  });
  const servers = matches
    .slice((page - 1) * limit, page * limit)
    .map((s) => serverDetail(emu, p, s));
  return { status: 200, body: { count: matches.length, servers } };
}

export function deleteServers(emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const body = asObject(req.body);
  const list = Array.isArray(body?.servers) ? body.servers.map(asObject) : [];
  if (list.length === 0 || list.length > 1000) return invalid('servers must list 1-1000 servers.');
  const ids = list.map((s) => str(s, 'id') ?? '');
  const known = ids.filter((id) => p.servers.has(id));
  if (known.length === 0) return notFound(ids.join(','));
  for (const id of known) {
    const s = p.servers.get(id);
    if (s) s.taskState = 'deleting';
  }
  // ECS types the job deleteVMs and each server's sub-job deleteVM.
  const job = emu.newJob(p, 'deleteVMs', 'deleteVM', known);
  // delete_publicip releases the EIPs bound to the servers with them; else they are unbound.
  emu.runDeleteJob(p, job, { deletePublicip: body?.delete_publicip === true });
  return { status: 200, body: { job_id: job.job_id } };
}

export function listFlavors(emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const zone = q(req, 'availability_zone');
  const region = regionOfProject(emu, p.id);
  // A zone the region does not have lists nothing, as ECS does.
  const endpoint = `https://ecs.${region}.myhuaweicloud.com`;
  return { status: 200, body: { flavors: flavorList(region, endpoint, p.id, zone || undefined) } };
}

export function listAvailabilityZones(emu: Emulator, p: ProjectState): ApiResponse {
  const zones = zonesOf(regionOfProject(emu, p.id));
  return {
    status: 200,
    body: {
      availabilityZoneInfo: zones.map((zoneName) => ({
        zoneName,
        zoneState: { available: true },
        hosts: null,
      })),
    },
  };
}
