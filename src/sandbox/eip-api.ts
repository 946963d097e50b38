import { randomUUID } from 'node:crypto';
import { asObject, q, str, vpcV1Error, type ApiRequest, type ApiResponse } from './api-types.js';
import { claimEipAddress, keepEipAddress, releaseEipAddress } from './eip-pool.js';
import type { EipRecord, ProjectState, ServerRecord } from './emulator-state.js';
import type { Emulator } from './emulator.js';

/**
 * EIP v1 on the VPC endpoint: assign, list, show, bind/unbind (update) and release elastic IPs,
 * with EIP's `{code,message}` errors and codes. Binding routes the address to the server's
 * sandbox host (SandboxHost.attachAddress), so the EIP really reaches the server's sshd from
 * this machine; unbinding, releasing and deleting the server take the route away.
 */

const EIP_TYPES = ['5_bgp', '5_sbgp', '5_youxuanbgp'];
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const ALIAS = /^[A-Za-z0-9_.-]{0,64}$/;
/** EIPs per project unless the sandbox is started with another quota. */
export const DEFAULT_EIP_QUOTA = 10;

const invalid = (message: string) => vpcV1Error(400, 'VPC.0501', message);
const badBandwidth = (message: string) => vpcV1Error(400, 'VPC.0301', message);
const missing = () => vpcV1Error(404, 'VPC.0504', 'Floating IP could not be found.');

/** EIP v1's time format: `yyyy-MM-dd HH:mm:ss`, UTC. */
function eipTime(date = new Date()): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '');
}

/** The record as EIP v1 prints it (how the bandwidth is billed stays inside). */
function wire(e: EipRecord): Omit<EipRecord, 'chargeMode'> {
  const { chargeMode: _billing, ...rest } = e;
  return rest;
}

export function createPublicip(emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const body = asObject(req.body);
  const ip = asObject(body?.publicip);
  const bw = asObject(body?.bandwidth);
  if (!ip) return invalid('publicip is required.');
  const type = str(ip, 'type') ?? '5_bgp';
  if (!EIP_TYPES.includes(type)) return invalid(`publicip type ${type} is not supported.`);
  if (ip.ip_version !== undefined && ip.ip_version !== 4) {
    return invalid('ip_version must be 4 (the sandbox assigns IPv4 EIPs only).');
  }
  if (ip.ip_address !== undefined) {
    return invalid('ip_address cannot be chosen in the sandbox: omit it to be assigned one.');
  }
  const alias = str(ip, 'alias') ?? '';
  if (!ALIAS.test(alias)) return invalid('alias must be 0-64 of letters, digits, _ . -');
  if (!bw) return badBandwidth('Bandwidth name or share_type is invalid.');
  const shareType = str(bw, 'share_type');
  if (shareType !== 'PER') {
    return badBandwidth(
      shareType === 'WHOLE'
        ? 'Shared bandwidth (WHOLE) is not offered by the sandbox; use PER.'
        : 'Bandwidth name or share_type is invalid.',
    );
  }
  const name = str(bw, 'name') ?? '';
  if (!NAME.test(name)) return badBandwidth('Bandwidth name or share_type is invalid.');
  const size = bw.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 2000) {
    return badBandwidth('Bandwidth size must be an integer from 1 to 2000 Mbit/s.');
  }
  const chargeMode = str(bw, 'charge_mode') ?? 'bandwidth';
  if (chargeMode !== 'traffic' && chargeMode !== 'bandwidth') {
    return badBandwidth('Bandwidth charge_mode must be traffic or bandwidth.');
  }
  if (p.eips.size >= (emu.options.eipQuota ?? DEFAULT_EIP_QUOTA)) {
    return vpcV1Error(409, 'VPC.0521', "Quota exceeded for resources: ['floatingip'].");
  }
  const address = claimEipAddress();
  if (address === undefined) {
    return vpcV1Error(409, 'VPC.0532', 'No more IP addresses available on network.');
  }
  const record: EipRecord = {
    id: randomUUID(),
    status: 'PENDING_CREATE',
    type,
    public_ip_address: address,
    ip_version: 4,
    tenant_id: p.id,
    create_time: eipTime(),
    bandwidth_id: randomUUID(),
    bandwidth_name: name,
    bandwidth_size: size,
    bandwidth_share_type: 'PER',
    enterprise_project_id: str(body, 'enterprise_project_id') ?? '0',
    public_border_group: 'center',
    alias,
    chargeMode,
  };
  p.eips.set(record.id, record);
  // The answer shows the creation under way, as EIP does; the record turns DOWN (unbound) after
  // the network delay.
  const answer = wire(structuredClone(record));
  emu.activateLater(() => {
    if (record.status === 'PENDING_CREATE') record.status = 'DOWN';
  });
  return { status: 200, body: { publicip: answer } };
}

export function listPublicips(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const limitText = q(req, 'limit');
  const limit = limitText === undefined ? 2000 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 2000) return invalid('Invalid limit.');
  const ports = req.query.port_id;
  const addresses = req.query.public_ip_address;
  const all = [...p.eips.values()].filter(
    (e) =>
      (!ports || (e.port_id !== undefined && ports.includes(e.port_id))) &&
      (!addresses || addresses.includes(e.public_ip_address)),
  );
  const marker = q(req, 'marker');
  let start = 0;
  if (marker !== undefined) {
    const at = all.findIndex((e) => e.id === marker);
    if (at < 0) return invalid('Invalid marker.');
    start = at + 1;
  }
  return { status: 200, body: { publicips: all.slice(start, start + limit).map(wire) } };
}

export function showPublicip(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const eip = p.eips.get(req.params.publicip_id ?? '');
  return eip ? { status: 200, body: { publicip: wire(eip) } } : missing();
}

function serverOnPort(p: ProjectState, portId: string): ServerRecord | undefined {
  for (const s of p.servers.values()) if (s.portId === portId) return s;
  return undefined;
}

/** Binds (port_id given), unbinds (`port_id: null` or no port_id at all) or renames (alias). */
export async function updatePublicip(
  emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
): Promise<ApiResponse> {
  const eip = p.eips.get(req.params.publicip_id ?? '');
  if (!eip) return missing();
  const ip = asObject(asObject(req.body)?.publicip);
  if (!ip) return invalid('publicip is required.');
  if (ip.alias !== undefined) {
    const alias = str(ip, 'alias');
    if (alias === undefined || !ALIAS.test(alias)) {
      return invalid('alias must be 0-64 of letters, digits, _ . -');
    }
    eip.alias = alias;
  }
  const portId = ip.port_id;
  if (portId !== undefined && portId !== null && typeof portId !== 'string') {
    return invalid('Port id is invalid.');
  }
  // An update that names neither a port nor anything else unbinds, as EIP's `{"publicip":{}}`.
  const unbind = portId === null || portId === '' || Object.keys(ip).length === 0;
  if (typeof portId === 'string' && portId !== '') {
    const bound = await bind(emu, p, eip, portId);
    if (bound) return bound;
  } else if (unbind) {
    await unbindEip(emu, p, eip);
  }
  return { status: 200, body: { publicip: wire(eip) } };
}

/** Binds the EIP to a server's port and routes it to the server's host; an error answer or undefined. */
async function bind(
  emu: Emulator,
  p: ProjectState,
  eip: EipRecord,
  portId: string,
): Promise<ApiResponse | undefined> {
  if (eip.port_id === portId) return undefined;
  if (eip.status === 'PENDING_CREATE') {
    return vpcV1Error(409, 'VPC.0512', 'Resource status is busy, try it again later.');
  }
  if (eip.port_id !== undefined) {
    return vpcV1Error(409, 'VPC.0510', 'Floatingip has already associated with port.');
  }
  const server = serverOnPort(p, portId);
  if (!server) return invalid('Port id is invalid.');
  for (const other of p.eips.values()) {
    if (other.port_id === portId) {
      return vpcV1Error(409, 'VPC.0511', 'Port has already associated with floatingip.');
    }
  }
  // Recorded before the host is wired, so a second bind meanwhile sees the port taken.
  eip.port_id = portId;
  eip.private_ip_address = server.ip ?? '';
  eip.status = 'ACTIVE';
  const host = emu.hostOf(server.id);
  if (!host) return undefined; // still building: wired when its host is up (attachServerEips)
  try {
    await host.attachAddress(eip.public_ip_address);
  } catch {
    delete eip.port_id;
    delete eip.private_ip_address;
    eip.status = 'DOWN';
    return vpcV1Error(500, 'VPC.0514', 'Neutron Error.');
  }
  return undefined;
}

async function unbindEip(emu: Emulator, p: ProjectState, eip: EipRecord): Promise<void> {
  const portId = eip.port_id;
  if (portId === undefined) return;
  const server = serverOnPort(p, portId);
  const host = server ? emu.hostOf(server.id) : undefined;
  delete eip.port_id;
  delete eip.private_ip_address;
  if (eip.status === 'ACTIVE') eip.status = 'DOWN';
  // A route that cannot be removed goes with the host when it stops.
  await host?.releaseAddress(eip.public_ip_address).catch(() => undefined);
}

export function deletePublicip(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const eip = p.eips.get(req.params.publicip_id ?? '');
  if (!eip) return missing();
  if (eip.port_id !== undefined) {
    return vpcV1Error(
      409,
      'VPC.0517',
      'Floatingip has associated with port, please disassociate it firstly.',
    );
  }
  p.eips.delete(eip.id);
  releaseEipAddress(eip.public_ip_address);
  return { status: 204 };
}

/** Routes the EIPs bound to a server's port to its host, once the host is up. */
export async function attachServerEips(
  emu: Emulator,
  p: ProjectState,
  server: ServerRecord,
): Promise<void> {
  const host = emu.hostOf(server.id);
  if (!host) return;
  for (const eip of p.eips.values()) {
    if (eip.port_id !== server.portId) continue;
    eip.private_ip_address = server.ip ?? '';
    await host.attachAddress(eip.public_ip_address).catch(() => {
      eip.status = 'ERROR';
    });
  }
}

/**
 * What deleting a server does to its EIPs: they are unbound, or released with it when the
 * delete asked for `delete_publicip`. Runs while the host still exists.
 */
export async function detachServerEips(
  emu: Emulator,
  p: ProjectState,
  server: ServerRecord,
  release: boolean,
): Promise<void> {
  for (const eip of [...p.eips.values()]) {
    if (eip.port_id !== server.portId) continue;
    await unbindEip(emu, p, eip);
    if (!release) continue;
    p.eips.delete(eip.id);
    releaseEipAddress(eip.public_ip_address);
  }
}

/** The floating entries ShowServer adds to the server's addresses for its bound EIPs. */
export function floatingAddresses(p: ProjectState, server: ServerRecord) {
  return [...p.eips.values()]
    .filter((e) => e.port_id !== undefined && e.port_id === server.portId)
    .map((e) => ({
      version: '4',
      addr: e.public_ip_address,
      'OS-EXT-IPS:type': 'floating',
      'OS-EXT-IPS-MAC:mac_addr': server.mac ?? '',
      'OS-EXT-IPS:port_id': server.portId,
    }));
}

/** Gives every EIP address of these projects back to the machine-wide pool (a sandbox stops). */
export function releaseEipClaims(projects: Iterable<ProjectState>): void {
  for (const p of projects) for (const e of p.eips.values()) releaseEipAddress(e.public_ip_address);
}

/** Hands every EIP address to a persistent sandbox's state file. */
export function keepEipClaims(projects: Iterable<ProjectState>, stateFile: string): void {
  for (const p of projects) {
    for (const e of p.eips.values()) keepEipAddress(e.public_ip_address, stateFile);
  }
}
