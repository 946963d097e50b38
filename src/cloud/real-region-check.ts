import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import { createCloudConnector } from './connector.js';
import type { RegionEndpoints } from './regions.js';
import type { CloudAccountSecret, CloudAdapter, CloudConnector } from './types.js';

/**
 * The check an operator runs against a real region with their own credentials
 * (scripts/real-region-check.ts): every catalogue list, and with `--create` a whole
 * provisioning (VPC, subnet, security group, EIP, a small server with the EIP) that is deleted
 * again in reverse order. Each call is printed with its result; the SK, security tokens and the
 * server's password never are.
 */

export interface RegionCheckOptions {
  ak: string;
  sk: string;
  region: string;
  projectId?: string;
  domainId?: string;
  /** Act in another account through its agency (domain name or id, and agency name). */
  agency?: { domainName?: string; domainId?: string; agencyName: string };
  endpoints: Partial<RegionEndpoints>;
  create: boolean;
  flavor?: string;
  image?: string;
}

export const REGION_CHECK_HELP = `Usage: node --import tsx scripts/real-region-check.ts [options]

Checks OneClick's calls against a real Huawei Cloud region with your own credentials, printing
each call and its result. Without --create it only reads (lists AZs, flavors, images, VPCs,
subnets, security groups, servers). With --create it creates a VPC, a subnet, a security group,
an EIP and a small pay-per-use server with the EIP, waits for them, shows them, and deletes
everything again in reverse order. That costs a few cents; check the console afterwards.

Environment:
  HUAWEICLOUD_AK, HUAWEICLOUD_SK   access key pair (required; the SK is never printed)
  HUAWEICLOUD_REGION               region, e.g. cn-north-4 (or --region)
  HUAWEICLOUD_PROJECT_ID           optional: the region's project id (else asked of IAM)
  HUAWEICLOUD_DOMAIN_ID            optional: your account id (else asked of IAM)
  HUAWEICLOUD_ECS_ENDPOINT, _VPC_ENDPOINT, _IAM_ENDPOINT, _IMS_ENDPOINT
                                   optional custom endpoints (else the SDK's region tables)

Options:
  --region <name>          region (overrides HUAWEICLOUD_REGION)
  --agency-domain <name>   act in this account through its agency (a domain name)
  --agency-domain-id <id>  the same, by domain id
  --agency-name <name>     the agency's name (with --agency-domain or --agency-domain-id)
  --create                 also create, show and delete a whole deployment's resources
  --flavor <id>            flavor for --create (default: the smallest on sale)
  --image <id>             image for --create (default: a public Ubuntu, else the first one)
  --help                   this text
`;

/** Parses the command line and environment; a problem is a BAD_ARGUMENTS AppError. */
export function parseRegionCheckArgs(
  argv: string[],
  env: Record<string, string | undefined>,
): RegionCheckOptions | 'help' {
  const flags = new Map<string, string | true>();
  const valued = new Set([
    '--region',
    '--agency-domain',
    '--agency-domain-id',
    '--agency-name',
    '--flavor',
    '--image',
  ]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--create') flags.set(arg, true);
    else if (valued.has(arg)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw bad(`${arg} needs a value`);
      flags.set(arg, value);
    } else throw bad(`unknown argument ${arg} (see --help)`);
  }
  const str = (k: string) => {
    const v = flags.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const ak = nonEmpty(env.HUAWEICLOUD_AK);
  const sk = nonEmpty(env.HUAWEICLOUD_SK);
  const region = str('--region') ?? nonEmpty(env.HUAWEICLOUD_REGION);
  if (!ak || !sk) throw bad('set HUAWEICLOUD_AK and HUAWEICLOUD_SK');
  if (!region) throw bad('set HUAWEICLOUD_REGION or pass --region');
  const agencyName = str('--agency-name');
  const domainName = str('--agency-domain');
  const domainId = str('--agency-domain-id');
  if (Boolean(agencyName) !== Boolean(domainName ?? domainId)) {
    throw bad('--agency-name goes with --agency-domain or --agency-domain-id');
  }
  return {
    ak,
    sk,
    region,
    projectId: nonEmpty(env.HUAWEICLOUD_PROJECT_ID),
    domainId: nonEmpty(env.HUAWEICLOUD_DOMAIN_ID),
    agency: agencyName ? { agencyName, domainName, domainId } : undefined,
    endpoints: {
      ecs: nonEmpty(env.HUAWEICLOUD_ECS_ENDPOINT),
      vpc: nonEmpty(env.HUAWEICLOUD_VPC_ENDPOINT),
      iam: nonEmpty(env.HUAWEICLOUD_IAM_ENDPOINT),
      ims: nonEmpty(env.HUAWEICLOUD_IMS_ENDPOINT),
    },
    create: flags.get('--create') === true,
    flavor: str('--flavor'),
    image: str('--image'),
  };
}

function bad(message: string): AppError {
  return new AppError('BAD_ARGUMENTS', message);
}

/** `AKEX…(20)`: enough to tell keys apart, not enough to use one. */
export function maskKey(ak: string): string {
  return `${ak.slice(0, 4)}…(${ak.length})`;
}

/** A password ECS accepts (upper, lower, digit, special; 8-26 characters) that nobody sees. */
function throwawayPassword(): string {
  return `Oc${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}7!`;
}

type Print = (line: string) => void;

/** Prints a call, runs it, prints its result (or its error code and message) and returns it. */
async function step<T>(
  print: Print,
  call: string,
  fn: () => Promise<T>,
  summary: (r: T) => string,
): Promise<T> {
  print(`→ ${call}`);
  try {
    const r = await fn();
    print(`  ← ${summary(r)}`);
    return r;
  } catch (e) {
    const what = e instanceof AppError ? `${e.code}: ${e.message}` : String(e);
    print(`  ✗ ${what}`);
    throw e;
  }
}

const names = (items: { id: string; name: string }[], max = 5) =>
  `${items.length}${items.length ? ': ' : ''}${items
    .slice(0, max)
    .map((i) => `${i.name || '(no name)'} [${i.id}]`)
    .join(', ')}${items.length > max ? ', …' : ''}`;

/** Runs the check; resolves true when every call worked. */
export async function runRegionCheck(
  o: RegionCheckOptions,
  print: Print,
  connector?: CloudConnector,
): Promise<boolean> {
  const secret: CloudAccountSecret | undefined = o.agency && { kind: 'agency', ...o.agency };
  const conn =
    connector ??
    createCloudConnector({
      own: { ak: o.ak, sk: o.sk, projectId: o.projectId, domainId: o.domainId },
      defaultRegion: o.region,
      endpoints: o.endpoints,
      accounts: { secretFor: () => Promise.resolve(secret) },
      pollMs: 3_000,
      waitTimeoutMs: 15 * 60_000,
    });
  print(`Huawei Cloud region ${o.region}, access key ${maskKey(o.ak)}`);
  const target = secret ? { accountId: 'checked', region: o.region } : { region: o.region };
  const cloud = await step(
    print,
    secret
      ? `assume agency ${o.agency?.agencyName} of ${o.agency?.domainName ?? o.agency?.domainId}, find project ${o.region}`
      : `connect (own account, project of ${o.region})`,
    () => conn.forTarget(target),
    () => 'ready',
  );
  const zones = await step(
    print,
    'ECS NovaListAvailabilityZones',
    () => cloud.listAvailabilityZones(),
    (z) => z.map((x) => `${x.name}${x.available ? '' : ' (unavailable)'}`).join(', '),
  );
  const zone = zones.find((z) => z.available)?.name;
  const flavors = await step(
    print,
    `ECS ListFlavors${zone ? ` availability_zone=${zone}` : ''}`,
    () => cloud.listFlavors({ availabilityZone: zone }),
    (f) =>
      `${f.length} flavors, e.g. ${f
        .slice(0, 4)
        .map((x) => `${x.id} (${x.vcpus} vCPU, ${x.ramMb} MiB)`)
        .join(', ')}`,
  );
  const gold = await step(
    print,
    'IMS ListImages __imagetype=gold limit=20',
    () => cloud.listImages({ imageType: 'gold', limit: 20 }),
    (p) => names(p.items, 3),
  );
  await step(
    print,
    'IMS ListImages __imagetype=private',
    () => cloud.listImages({ imageType: 'private' }),
    (p) => names(p.items),
  );
  await step(
    print,
    'VPC ListVpcs limit=20',
    () => cloud.listVpcs({ limit: 20 }),
    (p) => names(p.items),
  );
  await step(
    print,
    'VPC ListSubnets limit=20',
    () => cloud.listSubnetsPage({ limit: 20 }),
    (p) => names(p.items),
  );
  await step(
    print,
    'VPC v3 ListSecurityGroups limit=20',
    () => cloud.listSecurityGroupsPage({ limit: 20 }),
    (p) => names(p.items),
  );
  await step(
    print,
    'ECS ListServersDetails limit=20',
    () => cloud.listServers({ limit: 20 }),
    (p) => names(p.items),
  );
  if (!o.create) return true;

  const flavor =
    o.flavor ??
    [...flavors]
      .filter((f) => (f.status ?? 'normal') === 'normal' && f.vcpus >= 1)
      .sort((a, b) => a.vcpus - b.vcpus || a.ramMb - b.ramMb)[0]?.id;
  const image = o.image ?? (gold.items.find((i) => /ubuntu/i.test(i.name)) ?? gold.items[0])?.id;
  if (!flavor || !image) {
    print('✗ no flavor or image to create a server with (pass --flavor and --image)');
    return false;
  }
  return createAndDelete(cloud, print, { flavor, image, zone });
}

/** Creates a deployment's resources, shows them, and deletes them in reverse order. */
async function createAndDelete(
  cloud: CloudAdapter,
  print: Print,
  choice: { flavor: string; image: string; zone?: string },
): Promise<boolean> {
  const tag = `oneclick-check-${randomUUID().slice(0, 8)}`;
  const undo: { what: string; run: () => Promise<unknown> }[] = [];
  let ok = true;
  try {
    const vpc = await step(
      print,
      `VPC CreateVpc ${tag} 192.168.0.0/16`,
      () => cloud.createVpc({ name: tag, cidr: '192.168.0.0/16' }),
      (v) => `${v.id} ${v.status}`,
    );
    undo.push({ what: `VPC DeleteVpc ${vpc.id}`, run: () => cloud.deleteVpc(vpc.id) });
    await step(
      print,
      `VPC ShowVpc ${vpc.id} until OK`,
      () => cloud.waitVpcReady(vpc.id),
      (v) => v.status,
    );
    const subnet = await step(
      print,
      `VPC CreateSubnet ${tag} 192.168.1.0/24`,
      () =>
        cloud.createSubnet({
          name: tag,
          cidr: '192.168.1.0/24',
          gatewayIp: '192.168.1.1',
          vpcId: vpc.id,
        }),
      (s) => `${s.id} ${s.status}`,
    );
    undo.push({
      what: `VPC DeleteSubnet ${subnet.id}`,
      run: () => cloud.deleteSubnet(vpc.id, subnet.id),
    });
    await step(
      print,
      `VPC ShowSubnet ${subnet.id} until ACTIVE`,
      () => cloud.waitSubnetReady(subnet.id),
      (s) => s.status,
    );
    const sg = await step(
      print,
      `VPC v3 CreateSecurityGroup ${tag}`,
      () => cloud.createSecurityGroup({ name: tag }),
      (g) => g.id,
    );
    undo.push({
      what: `VPC v3 DeleteSecurityGroup ${sg.id}`,
      run: () => cloud.deleteSecurityGroup(sg.id),
    });
    await step(
      print,
      `VPC v3 CreateSecurityGroupRule ${sg.id} ingress tcp 22`,
      () =>
        cloud.ensureSecurityGroupRules(sg.id, [
          { direction: 'ingress', protocol: 'tcp', ports: '22' },
        ]),
      (r) => `created ${r.created.length}, skipped ${r.skipped}`,
    );
    const eip = await step(
      print,
      `EIP CreatePublicip alias=${tag} 1 Mbit/s traffic`,
      () => cloud.createPublicIp({ alias: tag, bandwidthSize: 1, chargeMode: 'traffic' }),
      (p) => `${p.id} ${p.status}`,
    );
    undo.push({
      what: `EIP DeletePublicip ${eip.id} (gone already is fine)`,
      run: () => cloud.deletePublicIp(eip.id),
    });
    await step(
      print,
      `EIP ShowPublicip ${eip.id} until DOWN`,
      () => cloud.waitPublicIpReady(eip.id),
      (p) => `${p.address} ${p.status}`,
    );
    const created = await step(
      print,
      `ECS CreateServers ${tag} flavor=${choice.flavor} image=${choice.image}${choice.zone ? ` az=${choice.zone}` : ''}`,
      () =>
        cloud.createServer({
          name: tag,
          imageRef: choice.image,
          flavorRef: choice.flavor,
          vpcId: vpc.id,
          subnetId: subnet.id,
          securityGroupIds: [sg.id],
          clientToken: randomUUID(),
          adminPass: throwawayPassword(),
          availabilityZone: choice.zone,
          tags: { 'oneclick:check': tag },
        }),
      (r) => `job ${r.jobId}, servers ${r.serverIds.join(', ') || '(not yet known)'}`,
    );
    const job = await step(
      print,
      `ECS ShowJob ${created.jobId} until SUCCESS`,
      () => cloud.waitJob(created.jobId),
      (j) => `${j.status}, servers ${j.serverIds.join(', ')}`,
    );
    const serverId = created.serverIds[0] ?? job.serverIds[0] ?? '';
    undo.push({
      what: `ECS DeleteServers ${serverId} and wait`,
      run: async () => {
        await cloud.deleteServers([serverId]);
        await cloud.waitServerDeleted(serverId);
      },
    });
    const server = await step(
      print,
      `ECS ShowServer ${serverId} until ACTIVE`,
      () => cloud.waitServerActive(serverId),
      (s) => `${s.status} ${s.ip ?? '(no address)'} port ${s.portId ?? '?'}`,
    );
    await step(
      print,
      `EIP UpdatePublicip ${eip.id} port_id=${server.portId ?? '?'}`,
      () => cloud.bindPublicIp(eip.id, server.portId ?? ''),
      (p) => `${p.status} → ${p.portId ?? '?'}`,
    );
    undo.push({
      what: `EIP UpdatePublicip ${eip.id} (unbind), DeletePublicip`,
      run: () => cloud.deletePublicIp(eip.id),
    });
    await step(
      print,
      `EIP ShowPublicip ${eip.id} until ACTIVE`,
      () => cloud.waitPublicIpReady(eip.id),
      (p) => `${p.address} ${p.status}`,
    );
    await step(
      print,
      `ECS ShowServer ${serverId}`,
      async () => cloud.showServer(serverId),
      (s) =>
        `${s?.status ?? 'gone'} private ${s?.ip ?? '-'} public ${s?.publicIp ?? '-'} az ${s?.availabilityZone ?? '-'}`,
    );
  } catch {
    ok = false;
  } finally {
    print('Deleting in reverse order:');
    for (const u of undo.reverse()) {
      try {
        await step(print, u.what, u.run, () => 'done');
      } catch {
        ok = false;
      }
    }
  }
  return ok;
}
