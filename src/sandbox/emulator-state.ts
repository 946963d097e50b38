import { randomUUID } from 'node:crypto';

/**
 * The sandbox cloud's resources, kept per project. Records hold exactly what the real APIs
 * return, so handlers serialise them without reshaping; `inventory()` copies them for tests.
 */

export interface VpcRecord {
  id: string;
  name: string;
  cidr: string;
  description: string;
  status: 'CREATING' | 'OK' | 'ERROR';
  routes: unknown[];
  enterprise_project_id: string;
  tenant_id: string;
  created_at: string;
  updated_at: string;
}

export interface SubnetRecord {
  id: string;
  name: string;
  description: string;
  cidr: string;
  gateway_ip: string;
  vpc_id: string;
  status: 'UNKNOWN' | 'ACTIVE' | 'ERROR';
  dhcp_enable: boolean;
  primary_dns: string;
  secondary_dns: string;
  dnsList: string[];
  availability_zone: string;
  ipv6_enable: boolean;
  neutron_network_id: string;
  neutron_subnet_id: string;
  extra_dhcp_opts: unknown[];
  tenant_id: string;
  created_at: string;
  updated_at: string;
}

/** A private image of one project (IMS `__imagetype: private`), made through the sandbox admin. */
export interface ImageRecord {
  id: string;
  name: string;
  /** The gold image whose userland it has (a sandbox host runs this machine's either way). */
  sourceImageId: string;
  created_at: string;
}

export interface RuleRecord {
  id: string;
  security_group_id: string;
  description: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string;
  multiport: string;
  remote_ip_prefix: string;
  remote_group_id: string;
  remote_address_group_id: string;
  action: 'allow' | 'deny';
  priority: number;
  enabled: boolean;
  project_id: string;
  created_at: string;
  updated_at: string;
}

export interface SecurityGroupRecord {
  id: string;
  name: string;
  description: string;
  project_id: string;
  enterprise_project_id: string;
  tags: unknown[];
  created_at: string;
  updated_at: string;
  /** Set when made through VPC v1 with a `vpc_id` (v1 prints it; v3 does not). */
  vpc_id?: string;
}

export type ServerStatus = 'BUILD' | 'ACTIVE' | 'ERROR';

export interface ServerRecord {
  id: string;
  name: string;
  status: ServerStatus;
  vpcId: string;
  subnetId: string;
  securityGroupIds: string[];
  flavorRef: string;
  imageRef: string;
  availabilityZone: string;
  tags: { key: string; value: string }[];
  metadata: Record<string, string>;
  /**
   * Filled once the sandbox host is up: its address inside the subnet, as ECS shows it (the
   * host's own link address stays internal), and its MAC.
   */
  ip?: string;
  mac?: string;
  portId: string;
  /** The system disk asked for on create (absent in state saved before it was kept). */
  rootVolume?: { id: string; volumetype: string; size: number };
  /** When the server first became ACTIVE (`OS-SRV-USG:launched_at`). */
  launchedAt?: string;
  fault?: { code: number; message: string; created: string; details: string };
  /** `deleting` once a delete job runs, as OS-EXT-STS:task_state shows. */
  taskState?: string;
  created: string;
  updated: string;
}

/** An elastic IP as EIP v1 prints it, plus how its bandwidth is billed (v1 does not print it). */
export interface EipRecord {
  id: string;
  status: 'PENDING_CREATE' | 'DOWN' | 'ACTIVE' | 'ERROR';
  type: string;
  public_ip_address: string;
  ip_version: 4;
  tenant_id: string;
  /** `yyyy-MM-dd HH:mm:ss` in UTC, EIP v1's own format. */
  create_time: string;
  bandwidth_id: string;
  bandwidth_name: string;
  bandwidth_size: number;
  bandwidth_share_type: 'PER';
  enterprise_project_id: string;
  public_border_group: string;
  alias: string;
  /** Set while bound to a server's port. */
  port_id?: string;
  private_ip_address?: string;
  chargeMode: 'traffic' | 'bandwidth';
}

export type JobStatus = 'INIT' | 'RUNNING' | 'SUCCESS' | 'FAIL';

export interface SubJobRecord {
  job_id: string;
  job_type: string;
  status: JobStatus;
  begin_time: string;
  end_time: string | null;
  error_code: string | null;
  fail_reason: string | null;
  entities: { server_id?: string; errorcode_message?: string };
}

export interface JobRecord extends SubJobRecord {
  sub_jobs: SubJobRecord[];
}

/** One project's resources. */
export class ProjectState {
  readonly vpcs = new Map<string, VpcRecord>();
  readonly subnets = new Map<string, SubnetRecord>();
  readonly securityGroups = new Map<string, SecurityGroupRecord>();
  readonly rules = new Map<string, RuleRecord>();
  readonly servers = new Map<string, ServerRecord>();
  readonly jobs = new Map<string, JobRecord>();
  readonly eips = new Map<string, EipRecord>();
  readonly privateImages = new Map<string, ImageRecord>();
  /** X-Client-Token → fingerprint of the body and the answer it got. */
  readonly clientTokens = new Map<string, { fingerprint: string; answer: unknown }>();
  constructor(readonly id: string) {}
}

/** A read-only snapshot of every project's resources. */
export interface Inventory {
  vpcs: (VpcRecord & { projectId: string })[];
  subnets: (SubnetRecord & { projectId: string })[];
  securityGroups: (SecurityGroupRecord & { projectId: string; rules: RuleRecord[] })[];
  servers: (Omit<ServerRecord, never> & { projectId: string; hostRunning: boolean })[];
  jobs: { projectId: string; job_id: string; job_type: string; status: JobStatus }[];
  eips: (EipRecord & { projectId: string })[];
}

/** Builds a snapshot; the copies share nothing with the live records. */
export function snapshot(
  projects: Iterable<ProjectState>,
  hostRunning: (serverId: string) => boolean,
): Inventory {
  const inv: Inventory = {
    vpcs: [],
    subnets: [],
    securityGroups: [],
    servers: [],
    jobs: [],
    eips: [],
  };
  for (const p of projects) {
    const projectId = p.id;
    for (const v of p.vpcs.values()) inv.vpcs.push({ ...structuredClone(v), projectId });
    for (const s of p.subnets.values()) inv.subnets.push({ ...structuredClone(s), projectId });
    for (const g of p.securityGroups.values()) {
      const rules = [...p.rules.values()].filter((r) => r.security_group_id === g.id);
      inv.securityGroups.push({ ...structuredClone(g), projectId, rules: structuredClone(rules) });
    }
    for (const s of p.servers.values()) {
      inv.servers.push({ ...structuredClone(s), projectId, hostRunning: hostRunning(s.id) });
    }
    for (const j of p.jobs.values()) {
      inv.jobs.push({ projectId, job_id: j.job_id, job_type: j.job_type, status: j.status });
    }
    for (const e of p.eips.values()) inv.eips.push({ ...structuredClone(e), projectId });
  }
  return inv;
}

/** Huawei request ids are 32 hex characters. */
export function newRequestId(): string {
  return randomUUID().replace(/-/g, '');
}

/** ISO time without milliseconds, as the APIs print it. */
export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ISO time with milliseconds, as ECS prints a job's begin_time and end_time. */
export function jobTimeIso(): string {
  return new Date().toISOString();
}
