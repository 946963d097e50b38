import type { CloudTarget } from '../domain/deployment.js';

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
  /** The port the address sits on (`OS-EXT-IPS:port_id`): an EIP binds to it. */
  portId?: string;
}

export interface Server {
  id: string;
  name: string;
  status: string;
  vpcId?: string;
  /** The first fixed address, if the server has one yet. */
  ip?: string;
  /** The first floating address (an EIP bound to the server), if any. */
  publicIp?: string;
  /** The port of the first fixed address (where an EIP binds). */
  portId?: string;
  availabilityZone?: string;
  flavorId?: string;
  imageId?: string;
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

/** An elastic IP (EIP v1). `status`: PENDING_CREATE, DOWN (unbound), ACTIVE (bound), ERROR, ... */
export interface PublicIp {
  id: string;
  address: string;
  status: string;
  alias?: string;
  /** The port it is bound to, when bound. */
  portId?: string;
  bandwidthSize?: number;
}

export interface CreatePublicIpInput {
  /** Unique per deployment: how a retried step finds the EIP it already made. */
  alias: string;
  /** Mbit/s. */
  bandwidthSize: number;
  /** `traffic` (pay per GB) or `bandwidth` (pay per Mbit/s). */
  chargeMode: 'traffic' | 'bandwidth';
  /** EIP type; `5_bgp` (dynamic BGP) when unset. */
  ipType?: string;
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
  /** `normal`, `abandon`, `sellout`, `obt`, `promotion` (from `cond:operation:status`). */
  status?: string;
}

export interface Image {
  id: string;
  name: string;
  /** `gold` (public), `private` (the account's own), `shared`. */
  imageType: string;
  status: string;
  osVersion?: string;
  platform?: string;
  minDiskGb?: number;
  minRamMb?: number;
}

export interface AvailabilityZone {
  name: string;
  available: boolean;
}

/** One page of a list; `nextMarker` fetches the next page, absent on the last. */
export interface Page<T> {
  items: T[];
  nextMarker?: string;
}

export interface PageQuery {
  /** At most this many items (the adapter caps it at the API's own limit). */
  limit?: number;
  marker?: string;
}

/** What the Start Deployment form offers: read-only lists of what the account and region have. */
export interface CloudCatalogue {
  listFlavors(q?: { availabilityZone?: string }): Promise<Flavor[]>;
  listImages(q: { imageType: 'gold' | 'private' } & PageQuery): Promise<Page<Image>>;
  listAvailabilityZones(): Promise<AvailabilityZone[]>;
  listVpcs(q?: PageQuery): Promise<Page<Vpc>>;
  listSubnetsPage(q?: { vpcId?: string } & PageQuery): Promise<Page<Subnet>>;
  listSecurityGroupsPage(q?: PageQuery): Promise<Page<SecurityGroup>>;
  listServers(q?: PageQuery): Promise<Page<Server>>;
}

/** Elastic IPs (EIP v1): what a new server is reached by from outside its VPC. */
export interface CloudPublicIps {
  createPublicIp(input: CreatePublicIpInput): Promise<PublicIp>;
  showPublicIp(id: string): Promise<PublicIp | undefined>;
  /** EIPs with exactly this alias (v1 has no alias filter: lists and filters). */
  findPublicIpsByAlias(alias: string): Promise<PublicIp[]>;
  /** Polls until the EIP is usable (DOWN or ACTIVE); ERROR throws. */
  waitPublicIpReady(id: string, opts?: WaitOptions): Promise<PublicIp>;
  /** Binds the EIP to a port (a server's NIC); binding to the port it is on already is fine. */
  bindPublicIp(id: string, portId: string): Promise<PublicIp>;
  /** Releases the EIP, unbinding it first and waiting for that (polls); absent is fine. */
  deletePublicIp(id: string, opts?: WaitOptions): Promise<void>;
}

/** The cloud operations provisioning uses. Absent resources read as undefined, never throw. */
export interface CloudAdapter extends CloudCatalogue, CloudPublicIps {
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

/** Whose cloud and where (defined with the deployment's input, which carries it). */
export type { CloudTarget };

/** How OneClick acts in a buyer's account: an IAM agency delegating to OneClick, or a sub-user's AK/SK. */
export type CloudAccountSecret =
  | { kind: 'agency'; domainName?: string; domainId?: string; agencyName: string }
  | { kind: 'aksk'; ak: string; sk: string };

/** Where linked accounts' (unsealed) secrets come from: the cloud accounts repository. */
export interface CloudAccountSource {
  /** The account's secret, or undefined when no such account (or it was removed). */
  secretFor(accountId: string): Promise<CloudAccountSecret | undefined>;
}

/** Adapters per target, credentials obtained (and refreshed before they expire) as needed. */
export interface CloudConnector {
  /** The adapter for a target; throws CLOUD_ACCOUNT_NOT_FOUND / CLOUD_REGION_UNKNOWN / CLOUD_AUTH_FAILED. */
  forTarget(target?: CloudTarget): Promise<CloudAdapter>;
  /** Checks a secret before it is stored: obtains credentials and the region's project id. */
  probe(
    secret: CloudAccountSecret,
    region?: string,
  ): Promise<{ projectId: string; domainId?: string }>;
  /** The region used when a target names none. */
  readonly defaultRegion: string;
  /** Throws CLOUD_REGION_UNKNOWN for a region neither the SDK's tables nor the endpoints serve. */
  checkRegion(region: string): void;
}
