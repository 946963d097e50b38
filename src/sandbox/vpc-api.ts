import { randomUUID } from 'node:crypto';
import {
  asObject,
  q,
  str,
  vpcV1Error,
  vpcV3Error,
  type ApiRequest,
  type ApiResponse,
} from './api-types.js';
import {
  cidrContains,
  cidrOverlaps,
  isHostAddress,
  parseCidr,
  parseIpv4,
  usableAddressCount,
} from './cidr.js';
import {
  nowIso,
  type ProjectState,
  type RuleRecord,
  type SecurityGroupRecord,
  type SubnetRecord,
} from './emulator-state.js';
import type { Emulator } from './emulator.js';

/**
 * VPC endpoints: v1 VPCs and subnets (`{code,message}` errors) and v3 security groups and rules
 * (`{request_id,error_code,error_msg}` errors), at the paths and with the shapes of
 * shared/reference/huaweicloud-ecs-vpc.md §3.
 */

const PRIVATE_BLOCKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);
const NAME = /^[\p{L}\p{N}_.-]{1,64}$/u;

const vpcMissing = (id: string) => vpcV1Error(404, 'VPC.0003', `VPC ${id} does not exist.`);
const subnetMissing = (id: string) => vpcV1Error(404, 'VPC.0202', `Subnet ${id} does not exist.`);

export function createVpc(emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const vpc = asObject(asObject(req.body)?.vpc);
  const name = str(vpc, 'name') ?? '';
  const cidrText = str(vpc, 'cidr') ?? '192.168.0.0/16';
  const cidr = parseCidr(cidrText);
  if (!vpc || (name !== '' && !NAME.test(name))) {
    return vpcV1Error(400, 'VPC.0002', 'Invalid VPC name or request body.');
  }
  if (!cidr || cidr.prefix > 24 || !PRIVATE_BLOCKS.some((block) => cidrContains(block, cidr))) {
    return vpcV1Error(
      400,
      'VPC.0002',
      `Invalid cidr ${cidrText}: use 10.0.0.0/8-24, 172.16.0.0/12-24 or 192.168.0.0/16-24.`,
    );
  }
  const now = nowIso();
  const record = {
    id: randomUUID(),
    name,
    cidr: cidrText,
    description: str(vpc, 'description') ?? '',
    status: 'CREATING' as 'CREATING' | 'OK',
    routes: [],
    enterprise_project_id: str(vpc, 'enterprise_project_id') ?? '0',
    tenant_id: p.id,
    created_at: now,
    updated_at: now,
  };
  p.vpcs.set(record.id, record);
  emu.activateLater(() => {
    record.status = 'OK';
  });
  return { status: 200, body: { vpc: record } };
}

export function showVpc(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const id = req.params.vpc_id ?? '';
  const vpc = p.vpcs.get(id);
  return vpc ? { status: 200, body: { vpc } } : vpcMissing(id);
}

/**
 * Marker paging (VPC v1 and v3): items after `marker` (an id), at most `limit` (default and
 * maximum 2000). A marker that is not in the list is refused rather than read as "from the
 * start", which would make a client loop forever.
 */
export function markerPage<T extends { id: string }>(
  items: T[],
  req: ApiRequest,
): { items: T[]; more: boolean } | { error: string } {
  const marker = q(req, 'marker');
  const limitText = q(req, 'limit');
  const limit = limitText === undefined || limitText === '' ? 2000 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0 || limit > 2000) {
    return { error: `Invalid limit ${limitText}: use 0-2000.` };
  }
  let start = 0;
  if (marker !== undefined && marker !== '') {
    start = items.findIndex((i) => i.id === marker) + 1;
    if (start === 0) return { error: `Invalid marker ${marker}: no such resource.` };
  }
  // limit=0 means the default, as in the real API.
  const size = limit === 0 ? 2000 : limit;
  return { items: items.slice(start, start + size), more: start + size < items.length };
}

/** v1 paging: the page, or VPC v1's 400 for a bad limit or marker. */
function page<T extends { id: string }>(items: T[], req: ApiRequest): T[] | ApiResponse {
  const paged = markerPage(items, req);
  return 'error' in paged ? vpcV1Error(400, 'VPC.0002', paged.error) : paged.items;
}

export function listVpcs(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const ids = req.query.id;
  const vpcs = page(
    [...p.vpcs.values()].filter((v) => !ids || ids.includes(v.id)),
    req,
  );
  return Array.isArray(vpcs) ? { status: 200, body: { vpcs } } : vpcs;
}

export function deleteVpc(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const id = req.params.vpc_id ?? '';
  if (!p.vpcs.has(id)) return vpcMissing(id);
  if ([...p.subnets.values()].some((s) => s.vpc_id === id)) {
    return vpcV1Error(409, 'VPC.0009', 'The VPC still has subnets. Delete them first.');
  }
  p.vpcs.delete(id);
  return { status: 204 };
}

export function createSubnet(emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const s = asObject(asObject(req.body)?.subnet);
  const name = str(s, 'name');
  const vpcId = str(s, 'vpc_id') ?? '';
  const cidrText = str(s, 'cidr') ?? '';
  const gateway = str(s, 'gateway_ip') ?? '';
  if (!s || !name || !NAME.test(name) || !vpcId) {
    return vpcV1Error(400, 'VPC.0002', 'name, cidr, vpc_id and gateway_ip are required.');
  }
  const vpc = p.vpcs.get(vpcId);
  if (!vpc) return vpcMissing(vpcId);
  if (vpc.status !== 'OK') return vpcV1Error(400, 'VPC.0004', 'VPC is not active.');
  const cidr = parseCidr(cidrText);
  const vpcCidr = parseCidr(vpc.cidr);
  const gw = parseIpv4(gateway);
  if (!cidr || !vpcCidr || cidr.prefix > 28 || !cidrContains(vpcCidr, cidr)) {
    return vpcV1Error(
      400,
      'VPC.0002',
      `Subnet cidr ${cidrText} must be inside ${vpc.cidr}, at most /28.`,
    );
  }
  if (gw === undefined || !isHostAddress(cidr, gw)) {
    return vpcV1Error(400, 'VPC.0002', `Gateway ${gateway} is not a host address of ${cidrText}.`);
  }
  for (const other of p.subnets.values()) {
    const o = parseCidr(other.cidr);
    if (other.vpc_id === vpcId && o && cidrOverlaps(o, cidr)) {
      return vpcV1Error(400, 'VPC.0002', `Subnet cidr ${cidrText} overlaps ${other.cidr}.`);
    }
  }
  const now = nowIso();
  const id = randomUUID();
  const primaryDns = str(s, 'primary_dns') ?? '100.125.1.250';
  const secondaryDns = str(s, 'secondary_dns') ?? '100.125.129.250';
  const record = {
    id,
    name,
    description: str(s, 'description') ?? '',
    cidr: cidrText,
    gateway_ip: gateway,
    vpc_id: vpcId,
    status: 'UNKNOWN' as 'UNKNOWN' | 'ACTIVE',
    dhcp_enable: s.dhcp_enable !== false,
    primary_dns: primaryDns,
    secondary_dns: secondaryDns,
    dnsList: [primaryDns, secondaryDns],
    availability_zone: str(s, 'availability_zone') ?? `${emu.options.region}a`,
    ipv6_enable: false,
    neutron_network_id: id,
    neutron_subnet_id: randomUUID(),
    extra_dhcp_opts: [],
    tenant_id: p.id,
    created_at: now,
    updated_at: now,
  };
  p.subnets.set(id, record);
  emu.activateLater(() => {
    record.status = 'ACTIVE';
  });
  return { status: 200, body: { subnet: subnetBody(p, record) } };
}

/**
 * A subnet as v1 prints it: the record plus `scope` (a central-region subnet) and the addresses
 * still free, counted now: the CIDR's usable ones less one per server port in it.
 */
export function subnetBody(p: ProjectState, subnet: SubnetRecord) {
  const cidr = parseCidr(subnet.cidr);
  const ports = [...p.servers.values()].filter((s) => s.subnetId === subnet.id).length;
  const usable = cidr ? usableAddressCount(cidr) : 0;
  return { ...subnet, scope: 'center', available_ip_address_count: Math.max(usable - ports, 0) };
}

export function showSubnet(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const id = req.params.subnet_id ?? '';
  const subnet = p.subnets.get(id);
  return subnet ? { status: 200, body: { subnet: subnetBody(p, subnet) } } : subnetMissing(id);
}

export function listSubnets(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const vpcId = q(req, 'vpc_id');
  const subnets = page(
    [...p.subnets.values()].filter((s) => !vpcId || s.vpc_id === vpcId),
    req,
  );
  if (!Array.isArray(subnets)) return subnets;
  return { status: 200, body: { subnets: subnets.map((s) => subnetBody(p, s)) } };
}

export function deleteSubnet(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const vpcId = req.params.vpc_id ?? '';
  const id = req.params.subnet_id ?? '';
  const subnet = p.subnets.get(id);
  if (!p.vpcs.has(vpcId)) return vpcMissing(vpcId);
  if (!subnet || subnet.vpc_id !== vpcId) return subnetMissing(id);
  if ([...p.servers.values()].some((s) => s.subnetId === id)) {
    return vpcV1Error(
      409,
      'VPC.0211',
      'The subnet still has ports in use. Delete the servers first.',
    );
  }
  p.subnets.delete(id);
  return { status: 204 };
}

/** A new rule of a group with the API's defaults for every field not given. */
export function rule(
  p: ProjectState,
  sgId: string,
  fields: Partial<RuleRecord> & Pick<RuleRecord, 'direction' | 'ethertype'>,
): RuleRecord {
  const now = nowIso();
  return {
    id: randomUUID(),
    security_group_id: sgId,
    description: '',
    protocol: '',
    multiport: '',
    remote_ip_prefix: '',
    remote_group_id: '',
    remote_address_group_id: '',
    action: 'allow',
    priority: 1,
    enabled: true,
    project_id: p.id,
    created_at: now,
    updated_at: now,
    ...fields,
  };
}

function sgBody(p: ProjectState, id: string) {
  const sg = p.securityGroups.get(id);
  if (!sg) return undefined;
  const rules = [...p.rules.values()].filter((r) => r.security_group_id === id);
  // vpc_id is VPC v1's; v3 does not print it.
  const { vpc_id: _vpcId, ...v3 } = sg;
  return { ...v3, security_group_rules: rules };
}

/**
 * Adds a security group with the default rules every new group gets (v1 and v3 alike): ingress
 * from the group itself and egress anywhere, on IPv4 and IPv6.
 */
export function addSecurityGroup(
  p: ProjectState,
  fields: Pick<SecurityGroupRecord, 'name'> & Partial<SecurityGroupRecord>,
): SecurityGroupRecord {
  const now = nowIso();
  const id = randomUUID();
  const record: SecurityGroupRecord = {
    description: '',
    project_id: p.id,
    enterprise_project_id: '0',
    tags: [],
    created_at: now,
    updated_at: now,
    ...fields,
    id,
  };
  p.securityGroups.set(id, record);
  for (const ethertype of ['IPv4', 'IPv6'] as const) {
    const inRule = rule(p, id, { direction: 'ingress', ethertype, remote_group_id: id });
    const outRule = rule(p, id, {
      direction: 'egress',
      ethertype,
      remote_ip_prefix: ethertype === 'IPv4' ? '0.0.0.0/0' : '::/0',
      priority: 100,
    });
    p.rules.set(inRule.id, inRule);
    p.rules.set(outRule.id, outRule);
  }
  return record;
}

/**
 * The project's `default` security group, made on first need as ECS does when a server is
 * created without one: the default rules plus SSH (22), RDP (3389) and ping from anywhere.
 */
export function defaultSecurityGroup(p: ProjectState): SecurityGroupRecord {
  const existing = [...p.securityGroups.values()].find((g) => g.name === 'default');
  if (existing) return existing;
  const sg = addSecurityGroup(p, { name: 'default', description: 'Default security group' });
  const open = (protocol: string, multiport: string) =>
    rule(p, sg.id, {
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol,
      multiport,
      remote_ip_prefix: '0.0.0.0/0',
    });
  for (const r of [open('tcp', '22'), open('tcp', '3389'), open('icmp', '')]) p.rules.set(r.id, r);
  return sg;
}

const sgMissing = (req: ApiRequest, id: string) =>
  vpcV3Error(404, 'VPC.0601', `Security group ${id} does not exist.`, req.requestId);

export function createSecurityGroup(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const body = asObject(req.body);
  const sg = asObject(body?.security_group);
  const name = str(sg, 'name');
  if (!sg || !name || !NAME.test(name)) {
    return vpcV3Error(
      400,
      'VPC.0602',
      'security_group.name is required (1-64 characters).',
      req.requestId,
    );
  }
  if (body?.dry_run === true) return { status: 202, body: { request_id: req.requestId } };
  const { id } = addSecurityGroup(p, {
    name,
    description: str(sg, 'description') ?? '',
    enterprise_project_id: str(sg, 'enterprise_project_id') ?? '0',
  });
  return { status: 201, body: { request_id: req.requestId, security_group: sgBody(p, id) } };
}

export function showSecurityGroup(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const id = req.params.security_group_id ?? '';
  const sg = sgBody(p, id);
  return sg
    ? { status: 200, body: { request_id: req.requestId, security_group: sg } }
    : sgMissing(req, id);
}

export function listSecurityGroups(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const names = req.query.name;
  const ids = req.query.id;
  const matching = [...p.securityGroups.values()].filter(
    (g) => (!names || names.includes(g.name)) && (!ids || ids.includes(g.id)),
  );
  const paged = markerPage(matching, req);
  if ('error' in paged) return vpcV3Error(400, 'VPC.0002', paged.error, req.requestId);
  const groups = paged.items.map((g) => sgBody(p, g.id));
  const first = paged.items[0];
  const last = paged.items[paged.items.length - 1];
  return {
    status: 200,
    body: {
      request_id: req.requestId,
      security_groups: groups,
      // As v3 pages: markers of this page's first and last item; next_marker only if more follow.
      page_info: {
        current_count: groups.length,
        ...(first ? { previous_marker: first.id } : {}),
        ...(paged.more && last ? { next_marker: last.id } : {}),
      },
    },
  };
}

export function deleteSecurityGroup(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const id = req.params.security_group_id ?? '';
  if (!p.securityGroups.has(id)) return sgMissing(req, id);
  if ([...p.servers.values()].some((s) => s.securityGroupIds.includes(id))) {
    return vpcV3Error(409, 'VPC.0603', 'The security group is in use by a server.', req.requestId);
  }
  for (const r of [...p.rules.values()]) if (r.security_group_id === id) p.rules.delete(r.id);
  p.securityGroups.delete(id);
  return { status: 204 };
}

/** Two rules are the same when everything but id, description and timestamps matches. */
export function sameRule(a: RuleRecord, b: RuleRecord): boolean {
  const keys = [
    'security_group_id',
    'direction',
    'ethertype',
    'protocol',
    'multiport',
    'remote_ip_prefix',
    'remote_group_id',
    'remote_address_group_id',
    'action',
  ] as const;
  return keys.every((k) => a[k] === b[k]);
}

export function createSecurityGroupRule(
  _emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): ApiResponse {
  const r = asObject(asObject(req.body)?.security_group_rule);
  const sgId = str(r, 'security_group_id') ?? '';
  const direction = str(r, 'direction');
  const ethertype = str(r, 'ethertype') ?? 'IPv4';
  const protocol = str(r, 'protocol') ?? '';
  const multiport = str(r, 'multiport') ?? '';
  const bad = (m: string) => vpcV3Error(400, 'VPC.0604', m, req.requestId);
  if (!r) return bad('security_group_rule is required.');
  if (!p.securityGroups.has(sgId)) return sgMissing(req, sgId);
  if (direction !== 'ingress' && direction !== 'egress')
    return bad('direction must be ingress or egress.');
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6') return bad('ethertype must be IPv4 or IPv6.');
  if (!['', 'tcp', 'udp', 'icmp', 'icmpv6'].includes(protocol))
    return bad(`Invalid protocol ${protocol}.`);
  if (multiport !== '' && !/^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/.test(multiport)) {
    return bad(`Invalid multiport ${multiport}.`);
  }
  const prefix = str(r, 'remote_ip_prefix') ?? '';
  if (prefix !== '' && ethertype === 'IPv4' && !parseCidr(prefix)) {
    return bad(`Invalid remote_ip_prefix ${prefix}.`);
  }
  const action = str(r, 'action') ?? 'allow';
  if (action !== 'allow' && action !== 'deny') return bad('action must be allow or deny.');
  const candidate = rule(p, sgId, {
    direction,
    ethertype,
    protocol,
    multiport,
    remote_ip_prefix: prefix,
    remote_group_id: str(r, 'remote_group_id') ?? '',
    remote_address_group_id: str(r, 'remote_address_group_id') ?? '',
    description: str(r, 'description') ?? '',
    action,
    priority: Number(str(r, 'priority') ?? r.priority ?? 1),
  });
  const existing = [...p.rules.values()].find((x) => sameRule(x, candidate));
  if (existing) {
    return vpcV3Error(
      409,
      'VPC.0605',
      `Security group rule already exists. Rule id is ${existing.id}.`,
      req.requestId,
    );
  }
  p.rules.set(candidate.id, candidate);
  return { status: 201, body: { request_id: req.requestId, security_group_rule: candidate } };
}

export function listSecurityGroupRules(
  _emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): ApiResponse {
  const sgIds = req.query.security_group_id;
  const rules = [...p.rules.values()].filter((r) => !sgIds || sgIds.includes(r.security_group_id));
  return {
    status: 200,
    body: {
      request_id: req.requestId,
      security_group_rules: rules,
      page_info: { current_count: rules.length },
    },
  };
}

export function deleteSecurityGroupRule(
  _emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): ApiResponse {
  const id = req.params.security_group_rule_id ?? '';
  if (!p.rules.delete(id)) {
    return vpcV3Error(404, 'VPC.0606', `Security group rule ${id} does not exist.`, req.requestId);
  }
  return { status: 204 };
}
