/**
 * What OneClick needs from a cloud: networks, security groups and servers. The Huawei adapter
 * (huawei-cloud.ts) is the only implementation; activities depend on this interface.
 */

export interface Vpc {
  id: string;
  name: string;
  cidr: string;
  status: string;
}

export interface Subnet {
  id: string;
  name: string;
  cidr: string;
  gatewayIp: string;
  vpcId: string;
  status: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
}

/** An ingress or egress rule; `ports` is v3's multiport (`22` or `8000-8010`). */
export interface RuleSpec {
  direction: 'ingress' | 'egress';
  protocol: 'tcp' | 'udp' | 'icmp';
  ports?: string;
  remoteIpPrefix?: string;
  ethertype?: 'IPv4' | 'IPv6';
  description?: string;
}

export interface SecurityGroupRule extends RuleSpec {
  id: string;
  securityGroupId: string;
}

export interface ServerAddress {
  addr: string;
  /** `fixed` or `floating`. */
  type: string;
  mac?: string;
}

export interface Server {
  id: string;
  name: string;
  status: string;
  vpcId?: string;
  /** The first fixed address, if the server has one yet. */
  ip?: string;
  addresses: ServerAddress[];
  tags: Record<string, string>;
  fault?: { code?: number; message?: string };
}

export interface CreateServerInput {
  name: string;
  imageRef: string;
  flavorRef: string;
  vpcId: string;
  subnetId: string;
  securityGroupIds: string[];
  /** Idempotency token (X-Client-Token): the same token creates the server once. */
  clientToken: string;
  /** Installed for root through cloud-init user data. */
  sshPublicKey?: string;
  adminPass?: string;
  tags?: Record<string, string>;
  rootVolume?: { type: string; sizeGb?: number };
  availabilityZone?: string;
}

export interface Job {
  id: string;
  /** INIT, RUNNING, SUCCESS or FAIL (PENDING_PAYMENT for prePaid orders). */
  status: string;
  type: string;
  serverIds: string[];
  errorCode?: string;
  failReason?: string;
}

/** Options every wait takes: how long, how often, and a callback per poll (for heartbeats). */
export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
  onPoll?: (state: string) => void;
  signal?: AbortSignal;
}

/** The cloud operations provisioning uses. Absent resources read as undefined, never throw. */
export interface CloudAdapter {
  createVpc(input: { name: string; cidr: string; description?: string }): Promise<Vpc>;
  showVpc(id: string): Promise<Vpc | undefined>;
  /** VPCs with exactly this name (names are how a retried step finds what it already made). */
  findVpcsByName(name: string): Promise<Vpc[]>;
  waitVpcReady(id: string, opts?: WaitOptions): Promise<Vpc>;
  /** Deletes and waits until gone; retries while the VPC is still in use (409). */
  deleteVpc(id: string, opts?: WaitOptions): Promise<void>;

  createSubnet(input: {
    name: string;
    cidr: string;
    gatewayIp: string;
    vpcId: string;
    primaryDns?: string;
    secondaryDns?: string;
  }): Promise<Subnet>;
  showSubnet(id: string): Promise<Subnet | undefined>;
  listSubnets(vpcId: string): Promise<Subnet[]>;
  waitSubnetReady(id: string, opts?: WaitOptions): Promise<Subnet>;
  deleteSubnet(vpcId: string, subnetId: string, opts?: WaitOptions): Promise<void>;

  createSecurityGroup(input: { name: string; description?: string }): Promise<SecurityGroup>;
  showSecurityGroup(id: string): Promise<SecurityGroup | undefined>;
  listSecurityGroups(filter?: { name?: string }): Promise<SecurityGroup[]>;
  listSecurityGroupRules(securityGroupId: string): Promise<SecurityGroupRule[]>;
  /** Creates the rules that do not exist yet; returns the ids created and how many were skipped. */
  ensureSecurityGroupRules(
    securityGroupId: string,
    rules: RuleSpec[],
  ): Promise<{ created: string[]; skipped: number }>;
  /** Deletes one rule; an absent rule is fine. */
  deleteSecurityGroupRule(id: string): Promise<void>;
  deleteSecurityGroup(id: string, opts?: WaitOptions): Promise<void>;

  createServer(input: CreateServerInput): Promise<{ jobId: string; serverIds: string[] }>;
  showJob(id: string): Promise<Job>;
  /** Polls to SUCCESS; FAIL throws CLOUD_JOB_FAILED with the job's reason. */
  waitJob(id: string, opts?: WaitOptions): Promise<Job>;
  showServer(id: string): Promise<Server | undefined>;
  /** Polls to ACTIVE; ERROR throws CLOUD_SERVER_ERROR with the fault. */
  waitServerActive(id: string, opts?: WaitOptions): Promise<Server>;
  findServersByTag(key: string, value: string): Promise<Server[]>;
  /** Deletes servers (absent ones are fine) and returns the delete job id, if any. */
  deleteServers(ids: string[]): Promise<string | undefined>;
  waitServerDeleted(id: string, opts?: WaitOptions): Promise<void>;
}
