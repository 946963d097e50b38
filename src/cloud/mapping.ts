import type {
  AvailabilityZone,
  Flavor,
  Image,
  Job,
  PublicIp,
  RuleSpec,
  SecurityGroup,
  SecurityGroupRule,
  Server,
  Subnet,
  Vpc,
} from './types.js';

/**
 * From Huawei's wire JSON to OneClick's types. The SDK hands back plain JSON (reference §0 #1),
 * so every field is read with bracket access on its snake_case name and checked for its type:
 * a field the cloud leaves out becomes undefined, never a crash.
 */

export type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});
export const text = (v: unknown): string => (typeof v === 'string' ? v : '');
export const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
/** A number, also from a numeric string (ECS sends `vcpus` as `"2"`). */
export const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};
const optText = (v: unknown): string | undefined => text(v) || undefined;

export function toVpc(v: Json): Vpc {
  return { id: text(v.id), name: text(v.name), cidr: text(v.cidr), status: text(v.status) };
}

export function toSubnet(s: Json): Subnet {
  return {
    id: text(s.id),
    name: text(s.name),
    cidr: text(s.cidr),
    gatewayIp: text(s.gateway_ip),
    vpcId: text(s.vpc_id),
    status: text(s.status),
  };
}

export function toSecurityGroup(g: Json): SecurityGroup {
  return { id: text(g.id), name: text(g.name) };
}

export function toRule(r: Json): SecurityGroupRule {
  const protocol = text(r.protocol);
  return {
    id: text(r.id),
    securityGroupId: text(r.security_group_id),
    direction: text(r.direction) === 'egress' ? 'egress' : 'ingress',
    protocol: (protocol || 'tcp') as RuleSpec['protocol'],
    ports: optText(r.multiport),
    remoteIpPrefix: optText(r.remote_ip_prefix),
    ethertype: text(r.ethertype) === 'IPv6' ? 'IPv6' : 'IPv4',
    description: optText(r.description),
    ...(protocol === '' ? { anyProtocol: true } : {}),
  };
}

export function toServer(s: Json): Server {
  const addresses: Server['addresses'] = [];
  let vpcId: string | undefined;
  for (const [key, entries] of Object.entries(obj(s.addresses))) {
    vpcId ??= key;
    for (const a of list(entries)) {
      addresses.push({
        addr: text(a.addr),
        type: text(a['OS-EXT-IPS:type']) || 'fixed',
        mac: optText(a['OS-EXT-IPS-MAC:mac_addr']),
        portId: optText(a['OS-EXT-IPS:port_id']),
      });
    }
  }
  const tags: Record<string, string> = {};
  for (const t of Array.isArray(s.tags) ? s.tags : []) {
    if (typeof t !== 'string') continue;
    const eq = t.indexOf('=');
    tags[eq < 0 ? t : t.slice(0, eq)] = eq < 0 ? '' : t.slice(eq + 1);
  }
  const fault = obj(s.fault);
  const fixed = addresses.find((a) => a.type === 'fixed');
  return {
    id: text(s.id),
    name: text(s.name),
    status: text(s.status),
    vpcId: text(obj(s.metadata).vpc_id) || vpcId,
    ip: fixed?.addr,
    publicIp: addresses.find((a) => a.type === 'floating')?.addr,
    portId: fixed?.portId,
    availabilityZone: optText(s['OS-EXT-AZ:availability_zone']),
    flavorId: optText(obj(s.flavor).id),
    imageId: optText(obj(s.image).id),
    addresses,
    tags,
    fault:
      s.fault === undefined
        ? undefined
        : {
            code: typeof fault.code === 'number' ? fault.code : undefined,
            message: text(fault.message),
          },
  };
}

export function toJob(j: Json): Job {
  const subs = list(obj(j.entities).sub_jobs);
  const failed = subs.find((s) => text(s.status) === 'FAIL');
  return {
    id: text(j.job_id),
    status: text(j.status),
    type: text(j.job_type),
    serverIds: subs.map((s) => text(obj(s.entities).server_id)).filter(Boolean),
    errorCode: text(j.error_code) || text(failed?.error_code) || undefined,
    failReason:
      text(j.fail_reason) ||
      text(failed?.fail_reason) ||
      text(obj(failed?.entities).errorcode_message) ||
      undefined,
  };
}

/** ECS ListFlavors entry: `vcpus` is a string, `ram` MiB; the sale status sits in extra specs. */
export function toFlavor(f: Json): Flavor {
  return {
    id: text(f.id),
    name: text(f.name),
    vcpus: num(f.vcpus) ?? 0,
    ramMb: num(f.ram) ?? 0,
    status: optText(obj(f.os_extra_specs)['cond:operation:status']),
  };
}

/** IMS ListImages entry: Huawei's own fields start with a double underscore. */
export function toImage(i: Json): Image {
  return {
    id: text(i.id),
    name: text(i.name),
    imageType: text(i.__imagetype),
    status: text(i.status),
    osVersion: optText(i.__os_version),
    platform: optText(i.__platform),
    minDiskGb: num(i.min_disk),
    minRamMb: num(i.min_ram),
  };
}

/** Nova's `availabilityZoneInfo` entry. */
export function toAvailabilityZone(z: Json): AvailabilityZone {
  return { name: text(z.zoneName), available: obj(z.zoneState).available === true };
}

/** EIP v1 `publicip`. */
export function toPublicIp(p: Json): PublicIp {
  return {
    id: text(p.id),
    address: text(p.public_ip_address),
    status: text(p.status),
    alias: optText(p.alias),
    portId: optText(p.port_id),
    bandwidthSize: num(p.bandwidth_size),
  };
}
