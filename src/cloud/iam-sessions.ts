import { GlobalCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import {
  AgencyAuth,
  AgencyAuthIdentity,
  CreateTemporaryAccessKeyByAgencyRequest,
  CreateTemporaryAccessKeyByAgencyRequestBody,
  IdentityAssumerole,
  KeystoneListAuthDomainsRequest,
  KeystoneListAuthProjectsRequest,
  KeystoneListProjectsRequest,
} from '@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js';
import { AppError } from '../errors.js';
import type { SessionKeys } from './cloud-context.js';
import { list, obj, text } from './mapping.js';
import { buildIamClient, sdkCall } from './sdk-clients.js';

/**
 * IAM through the official IAM SDK: an agency's temporary keys (`POST
 * /v3.0/OS-CREDENTIAL/securitytokens`, assume_role, signed with OneClick's own AK/SK), the
 * account's domain id (`GET /v3/auth/domains`) and a region's project id (`GET /v3/projects?name=`).
 * The client is built with an endpoint, never a region, so the core looks nothing up by itself:
 * with a region it would ask the public IAM endpoint for the domain id, whatever endpoint was
 * configured. Whether a global call signed with AK/SK needs `X-Domain-Id` is the gateway's to
 * decide; OneClick sends it whenever the domain id is known (configured or looked up).
 */

export interface IamTarget {
  iamEndpoint: string;
  timeoutMs: number;
}

/** Temporary keys and when they stop working (epoch ms). */
export interface AgencySession {
  keys: SessionKeys;
  expiresAt: number;
}

/** Failures that mean "these credentials or this agency do not work", not "try again". */
const AUTH_CODES = new Set([
  'CLOUD_AUTH_FAILED',
  'CLOUD_FORBIDDEN',
  'CLOUD_NOT_FOUND',
  'CLOUD_INVALID_REQUEST',
  'CLOUD_ACCOUNT_RESTRICTED',
]);

/** Removes every secret from a message (the cloud has no reason to echo one; be sure anyway). */
export function redact(message: string, secrets: (string | undefined)[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * Runs one IAM call; credential failures become CLOUD_AUTH_FAILED (not retryable, no cause kept,
 * secrets scrubbed from the message); transient ones stay as classified.
 */
async function iamCall<T>(
  op: string,
  what: string,
  secrets: (string | undefined)[],
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await sdkCall(op, fn);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    if (!AUTH_CODES.has(e.code)) {
      throw new AppError(e.code, redact(e.message, secrets), {
        retryable: e.retryable,
        context: e.context,
      });
    }
    throw new AppError('CLOUD_AUTH_FAILED', redact(`${what}: ${e.message}`, secrets), {
      retryable: false,
      context: {
        operation: op,
        httpStatus: e.context?.httpStatus,
        remoteCode: e.context?.remoteCode,
      },
    });
  }
}

function credentialFor(keys: SessionKeys, domainId?: string): GlobalCredentials {
  if (!keys.ak || !keys.sk) {
    throw new AppError('CLOUD_AUTH_FAILED', 'an access key and its secret are both required');
  }
  const cred = new GlobalCredentials().withAk(keys.ak).withSk(keys.sk);
  if (keys.securityToken) cred.withSecurityToken(keys.securityToken);
  if (domainId) cred.withDomainId(domainId);
  return cred;
}

/** `2026-12-04T11:00:00.000000Z` (IAM's microseconds) → epoch ms. */
export function parseExpiresAt(value: string): number | undefined {
  const t = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(t) ? undefined : t;
}

/** The domain (account) id the keys belong to, or undefined when IAM does not say. */
export async function lookupDomainId(
  iam: IamTarget,
  keys: SessionKeys,
): Promise<string | undefined> {
  const client = buildIamClient({ ...iam, credential: credentialFor(keys) });
  try {
    const res = await iamCall(
      'KeystoneListAuthDomains',
      'the access key was refused',
      [keys.sk, keys.securityToken],
      () => client.keystoneListAuthDomains(new KeystoneListAuthDomainsRequest()),
    );
    return text(list(obj(res)['domains'])[0]?.id) || undefined;
  } catch (e) {
    // An IAM without the call (or without the permission) leaves the header out; the next
    // call tells whether the keys work.
    if (e instanceof AppError && e.code === 'CLOUD_AUTH_FAILED' && e.context?.httpStatus !== 401) {
      return undefined;
    }
    throw e;
  }
}

/** Temporary keys for the agency a buyer's account delegates to OneClick's account. */
export async function assumeAgency(
  iam: IamTarget,
  own: SessionKeys & { domainId?: string },
  agency: { domainName?: string; domainId?: string; agencyName: string },
  durationSeconds: number,
): Promise<AgencySession> {
  if (!agency.domainId && !agency.domainName) {
    throw new AppError('CLOUD_AUTH_FAILED', 'an agency needs the account name or id');
  }
  const role = new IdentityAssumerole(agency.agencyName).withDurationSeconds(durationSeconds);
  if (agency.domainId) role.withDomainId(agency.domainId);
  else if (agency.domainName) role.withDomainName(agency.domainName);
  const req = new CreateTemporaryAccessKeyByAgencyRequest().withBody(
    new CreateTemporaryAccessKeyByAgencyRequestBody().withAuth(
      new AgencyAuth().withIdentity(
        new AgencyAuthIdentity().withMethods(['assume_role']).withAssumeRole(role),
      ),
    ),
  );
  const client = buildIamClient({ ...iam, credential: credentialFor(own, own.domainId) });
  const account = agency.domainId ?? agency.domainName ?? '';
  const res = await iamCall(
    'CreateTemporaryAccessKeyByAgency',
    `assuming agency "${agency.agencyName}" of account "${account}" failed (missing, or not trusting OneClick's account)`,
    [own.sk],
    () => client.createTemporaryAccessKeyByAgency(req),
  );
  const c = obj(obj(res)['credential']);
  const keys = { ak: text(c.access), sk: text(c.secret), securityToken: text(c.securitytoken) };
  const expiresAt = parseExpiresAt(text(c.expires_at));
  if (!keys.ak || !keys.sk || !keys.securityToken || expiresAt === undefined) {
    throw new AppError('CLOUD_AUTH_FAILED', 'IAM answered the agency call without usable keys', {
      retryable: false,
    });
  }
  return { keys, expiresAt };
}

/**
 * The project of `region` in the keys' account: `GET /v3/projects?name=<region>`, falling back
 * to the projects the keys can reach (`GET /v3/auth/projects`) when listing projects is not
 * granted (an agency often has only ECS and VPC rights). None: CLOUD_REGION_UNKNOWN.
 */
export async function findProject(
  iam: IamTarget,
  keys: SessionKeys,
  region: string,
  domainId?: string,
): Promise<{ projectId: string; domainId?: string }> {
  const client = buildIamClient({ ...iam, credential: credentialFor(keys, domainId) });
  const secrets = [keys.sk, keys.securityToken];
  let projects: Record<string, unknown>[];
  try {
    const res = await iamCall('KeystoneListProjects', 'listing projects was refused', secrets, () =>
      client.keystoneListProjects(new KeystoneListProjectsRequest().withName(region)),
    );
    projects = list(obj(res)['projects']);
  } catch (e) {
    if (!(e instanceof AppError) || e.context?.httpStatus !== 403) throw e;
    const res = await iamCall('KeystoneListAuthProjects', 'the keys were refused', secrets, () =>
      client.keystoneListAuthProjects(new KeystoneListAuthProjectsRequest()),
    );
    projects = list(obj(res)['projects']);
  }
  const project = projects.find((p) => text(p.name) === region);
  if (!project || !text(project.id)) {
    throw new AppError('CLOUD_REGION_UNKNOWN', `the account has no project in region "${region}"`, {
      context: { region },
    });
  }
  return { projectId: text(project.id), domainId: text(project.domain_id) || domainId };
}
