import { asObject, q, str, vpcV1Error, type ApiRequest, type ApiResponse } from './api-types.js';
import { parseCidr } from './cidr.js';
import type { ProjectState, RuleRecord } from './emulator-state.js';
import type { Emulator } from './emulator.js';
import type { Operation } from './faults.js';
import { addSecurityGroup, markerPage, rule, sameRule } from './vpc-api.js';

/**
 * VPC v1 security groups and rules (`/v1/{project_id}/security-groups`, `.../security-group-rules`)
 * over the same records as v3 (vpc-api.ts), so a group made by one is seen by the other. v1 differs
 * in shape: a rule has `port_range_min`/`port_range_max` where v3 has `multiport`, a group prints
 * its `vpc_id`, absent values print as null, creates answer 200, and errors are `{code,message}`.
 */

const NAME = /^[\p{L}\p{N}_.-]{1,64}$/u;

const sgMissing = (id: string) =>
  vpcV1Error(404, 'VPC.0601', `Security group ${id} does not exist.`);
const ruleMissing = (id: string) =>
  vpcV1Error(404, 'VPC.0606', `Security group rule ${id} does not exist.`);
const bad = (message: string) => vpcV1Error(400, 'VPC.0604', message);

const orNull = (v: string) => (v === '' ? null : v);

/** v3's `multiport` as v1's range: one port or one range; anything else has no v1 form. */
function portRange(multiport: string): { min: number | null; max: number | null } {
  const m = /^(\d+)(?:-(\d+))?$/.exec(multiport);
  if (!m) return { min: null, max: null };
  return { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
}

/** A rule as v1 prints it. */
function v1Rule(r: RuleRecord) {
  const { min, max } = portRange(r.multiport);
  return {
    id: r.id,
    description: r.description,
    security_group_id: r.security_group_id,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: orNull(r.protocol),
    port_range_min: min,
    port_range_max: max,
    remote_ip_prefix: orNull(r.remote_ip_prefix),
    remote_group_id: orNull(r.remote_group_id),
    remote_address_group_id: orNull(r.remote_address_group_id),
    tenant_id: r.project_id,
  };
}

/** A group as v1 prints it, with its rules. */
function v1Group(p: ProjectState, id: string) {
  const sg = p.securityGroups.get(id);
  if (!sg) return undefined;
  return {
    id: sg.id,
    name: sg.name,
    description: sg.description,
    vpc_id: sg.vpc_id ?? null,
    enterprise_project_id: sg.enterprise_project_id,
    security_group_rules: [...p.rules.values()]
      .filter((r) => r.security_group_id === id)
      .map(v1Rule),
  };
}

export function createSecurityGroupV1(
  _emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): ApiResponse {
  const sg = asObject(asObject(req.body)?.security_group);
  const name = str(sg, 'name');
  if (!sg || !name || !NAME.test(name)) {
    return vpcV1Error(400, 'VPC.0602', 'security_group.name is required (1-64 characters).');
  }
  const vpcId = str(sg, 'vpc_id');
  if (vpcId !== undefined && vpcId !== '' && !p.vpcs.has(vpcId)) {
    return vpcV1Error(404, 'VPC.0003', `VPC ${vpcId} does not exist.`);
  }
  const made = addSecurityGroup(p, {
    name,
    description: str(sg, 'description') ?? '',
    enterprise_project_id: str(sg, 'enterprise_project_id') ?? '0',
    ...(vpcId ? { vpc_id: vpcId } : {}),
  });
  return { status: 200, body: { security_group: v1Group(p, made.id) } };
}

export function showSecurityGroupV1(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const id = req.params.security_group_id ?? '';
  const sg = v1Group(p, id);
  return sg ? { status: 200, body: { security_group: sg } } : sgMissing(id);
}

export function listSecurityGroupsV1(
  _emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): ApiResponse {
  const vpcId = q(req, 'vpc_id');
  const paged = markerPage(
    [...p.securityGroups.values()].filter((g) => !vpcId || g.vpc_id === vpcId),
    req,
  );
  if ('error' in paged) return vpcV1Error(400, 'VPC.0002', paged.error);
  return { status: 200, body: { security_groups: paged.items.map((g) => v1Group(p, g.id)) } };
}

export function deleteSecurityGroupV1(
  _emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): ApiResponse {
  const id = req.params.security_group_id ?? '';
  if (!p.securityGroups.has(id)) return sgMissing(id);
  if ([...p.servers.values()].some((s) => s.securityGroupIds.includes(id))) {
    return vpcV1Error(409, 'VPC.0603', 'The security group is in use by a server.');
  }
  for (const r of [...p.rules.values()]) if (r.security_group_id === id) p.rules.delete(r.id);
  p.securityGroups.delete(id);
  return { status: 204 };
}

/** A v1 port bound: absent, or an integer port. */
function port(value: unknown): number | undefined | 'bad' {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535
    ? value
    : 'bad';
}

export function createSecurityGroupRuleV1(
  _emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): ApiResponse {
  const r = asObject(asObject(req.body)?.security_group_rule);
  if (!r) return bad('security_group_rule is required.');
  const sgId = str(r, 'security_group_id') ?? '';
  if (!p.securityGroups.has(sgId)) return sgMissing(sgId);
  const direction = str(r, 'direction');
  const ethertype = str(r, 'ethertype') ?? 'IPv4';
  const protocol = str(r, 'protocol') ?? '';
  if (direction !== 'ingress' && direction !== 'egress')
    return bad('direction must be ingress or egress.');
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6') return bad('ethertype must be IPv4 or IPv6.');
  if (!['', 'tcp', 'udp', 'icmp', 'icmpv6'].includes(protocol))
    return bad(`Invalid protocol ${protocol}.`);
  const min = port(r.port_range_min);
  const max = port(r.port_range_max);
  if (min === 'bad' || max === 'bad') return bad('port_range_min/max must be ports (0-65535).');
  if ((min !== undefined || max !== undefined) && (protocol === '' || protocol === 'icmpv6')) {
    return bad('A port range needs protocol tcp, udp or icmp.');
  }
  if (min !== undefined && max !== undefined && min > max) {
    return bad('port_range_min must not exceed port_range_max.');
  }
  const prefix = str(r, 'remote_ip_prefix') ?? '';
  const remoteGroup = str(r, 'remote_group_id') ?? '';
  if (prefix !== '' && remoteGroup !== '') {
    return bad('remote_ip_prefix and remote_group_id are mutually exclusive.');
  }
  if (prefix !== '' && ethertype === 'IPv4' && !parseCidr(prefix)) {
    return bad(`Invalid remote_ip_prefix ${prefix}.`);
  }
  if (remoteGroup !== '' && !p.securityGroups.has(remoteGroup)) return sgMissing(remoteGroup);
  const low = min ?? max;
  const high = max ?? min;
  const multiport =
    low === undefined || high === undefined ? '' : low === high ? `${low}` : `${low}-${high}`;
  const candidate = rule(p, sgId, {
    direction,
    ethertype,
    protocol,
    multiport,
    remote_ip_prefix: prefix,
    remote_group_id: remoteGroup,
    remote_address_group_id: str(r, 'remote_address_group_id') ?? '',
    description: str(r, 'description') ?? '',
  });
  if ([...p.rules.values()].some((x) => sameRule(x, candidate))) {
    return vpcV1Error(409, 'VPC.0605', 'Security group rule already exists.');
  }
  p.rules.set(candidate.id, candidate);
  return { status: 200, body: { security_group_rule: v1Rule(candidate) } };
}

export function showSecurityGroupRuleV1(
  _emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): ApiResponse {
  const id = req.params.security_group_rule_id ?? '';
  const r = p.rules.get(id);
  return r ? { status: 200, body: { security_group_rule: v1Rule(r) } } : ruleMissing(id);
}

export function listSecurityGroupRulesV1(
  _emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): ApiResponse {
  const sgId = q(req, 'security_group_id');
  const paged = markerPage(
    [...p.rules.values()].filter((r) => !sgId || r.security_group_id === sgId),
    req,
  );
  if ('error' in paged) return vpcV1Error(400, 'VPC.0002', paged.error);
  return { status: 200, body: { security_group_rules: paged.items.map(v1Rule) } };
}

export function deleteSecurityGroupRuleV1(
  _emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): ApiResponse {
  const id = req.params.security_group_rule_id ?? '';
  return p.rules.delete(id) ? { status: 204 } : ruleMissing(id);
}

type V1Handler = (emu: Emulator, p: ProjectState, req: ApiRequest) => ApiResponse;

/** The v1 routes, `[method, path, operation, handler]`, for emulator-server.ts's table. */
export const V1_SECURITY_GROUP_ROUTES: [string, string, Operation, V1Handler][] = [
  ['POST', '/v1/{project_id}/security-groups', 'CreateSecurityGroupV1', createSecurityGroupV1],
  ['GET', '/v1/{project_id}/security-groups', 'ListSecurityGroupsV1', listSecurityGroupsV1],
  [
    'GET',
    '/v1/{project_id}/security-groups/{security_group_id}',
    'ShowSecurityGroupV1',
    showSecurityGroupV1,
  ],
  [
    'DELETE',
    '/v1/{project_id}/security-groups/{security_group_id}',
    'DeleteSecurityGroupV1',
    deleteSecurityGroupV1,
  ],
  [
    'POST',
    '/v1/{project_id}/security-group-rules',
    'CreateSecurityGroupRuleV1',
    createSecurityGroupRuleV1,
  ],
  [
    'GET',
    '/v1/{project_id}/security-group-rules',
    'ListSecurityGroupRulesV1',
    listSecurityGroupRulesV1,
  ],
  [
    'GET',
    '/v1/{project_id}/security-group-rules/{security_group_rule_id}',
    'ShowSecurityGroupRuleV1',
    showSecurityGroupRuleV1,
  ],
  [
    'DELETE',
    '/v1/{project_id}/security-group-rules/{security_group_rule_id}',
    'DeleteSecurityGroupRuleV1',
    deleteSecurityGroupRuleV1,
  ],
];
