import type { IncomingHttpHeaders } from 'node:http';
import { isAppError } from '../errors.js';
import { verifySdkHmacSha256 } from '../signing/sdk-hmac-sha256.js';
import {
  ACCOUNT_NAME,
  MAX_TOKEN_SECONDS,
  MIN_TOKEN_SECONDS,
  type SandboxDomain,
  type TokenProblem,
} from './accounts.js';
import { apigError, asObject, str, type ApiResponse } from './api-types.js';
import type { Emulator } from './emulator.js';

/**
 * IAM as OneClick needs it: the agency security-token call (assume_role → temporary AK/SK and
 * security token), and the project and domain lists the SDK reads to learn a credential's
 * project or domain id. Each answers only the caller's own domain. Also the sandbox's admin
 * routes that create buyer accounts and their agencies (no IAM API does that for another
 * account; a real buyer does it in their console).
 */

/** A request as it arrived, before any route is chosen. */
export interface RawRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  rawBody: string;
  headers: IncomingHttpHeaders;
  requestId: string;
}

/** Why a correctly signed request with a temporary AK is refused (APIGW.0301 messages). */
export const TOKEN_MESSAGES: Record<TokenProblem, string> = {
  SECURITY_TOKEN_MISSING:
    'Incorrect IAM authentication information: a temporary access key needs X-Security-Token',
  SECURITY_TOKEN_MISMATCH:
    'Incorrect IAM authentication information: X-Security-Token does not match the access key',
  TOKEN_EXPIRED: 'Incorrect IAM authentication information: the security token has expired',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
};

/** IAM's (Keystone's) error body: `{"error":{"code":<status>,"message","title"}}`. */
export function iamError(status: number, message: string): ApiResponse {
  return { status, body: { error: { code: status, message, title: TITLES[status] ?? 'Error' } } };
}

const IAM_ROUTES: Record<string, string> = {
  'POST /v3.0/OS-CREDENTIAL/securitytokens': 'securityTokens',
  'GET /v3/projects': 'listProjects',
  'GET /v3/auth/projects': 'authProjects',
  'GET /v3/auth/domains': 'authDomains',
};

/** Answers an IAM request, or undefined when the path is not one of IAM's. */
export async function handleIam(emu: Emulator, req: RawRequest): Promise<ApiResponse | undefined> {
  const route = IAM_ROUTES[`${req.method} ${req.rawPath.replace(/\/$/, '')}`];
  if (!route) return undefined;
  const verdict = await verifySdkHmacSha256(
    {
      method: req.method,
      rawPath: req.rawPath,
      query: req.rawQuery,
      headers: req.headers,
      body: req.rawBody,
    },
    (ak) => emu.accounts.secretOf(ak),
  );
  if (!verdict.ok) {
    return apigError(
      401,
      verdict.reason === 'DATE_OUT_OF_WINDOW' ? 'APIGW.0303' : 'APIGW.0301',
      `Incorrect IAM authentication information: ${verdict.reason.toLowerCase().replace(/_/g, ' ')}`,
      req.requestId,
    );
  }
  const problem = emu.accounts.tokenProblem(verdict.ak, req.headers['x-security-token']);
  if (problem) return apigError(401, 'APIGW.0301', TOKEN_MESSAGES[problem], req.requestId);
  const domain = emu.accounts.domainOf(verdict.ak);
  if (!domain) return iamError(401, 'The request you have made requires authentication.');
  const headerDomain = req.headers['x-domain-id'];
  if (typeof headerDomain === 'string' && headerDomain !== domain.id) {
    return iamError(403, 'You are not authorized to perform the requested action.');
  }
  const base = `http://${req.headers.host ?? 'iam.sandbox'}`;
  const query = new URLSearchParams(req.rawQuery);
  switch (route) {
    case 'securityTokens':
      return securityTokens(emu, domain, req.rawBody);
    case 'listProjects':
      return listProjects(domain, query, base);
    case 'authProjects':
      return {
        status: 200,
        body: {
          links: { self: `${base}/v3/auth/projects` },
          projects: domain.projects.map((p) => project(domain, p, base)),
        },
      };
    default:
      return {
        status: 200,
        body: {
          links: { self: `${base}/v3/auth/domains` },
          domains: [
            {
              id: domain.id,
              name: domain.name,
              enabled: true,
              description: '',
              links: { self: `${base}/v3/domains/${domain.id}` },
            },
          ],
        },
      };
  }
}

function project(domain: SandboxDomain, p: { id: string; name: string }, base: string) {
  return {
    id: p.id,
    name: p.name,
    domain_id: domain.id,
    parent_id: domain.id,
    description: '',
    enabled: true,
    is_domain: false,
    links: { self: `${base}/v3/projects/${p.id}` },
  };
}

function listProjects(domain: SandboxDomain, query: URLSearchParams, base: string): ApiResponse {
  const domainId = query.get('domain_id');
  if (domainId !== null && domainId !== domain.id) {
    return iamError(403, 'You are not authorized to perform the requested action.');
  }
  const name = query.get('name');
  const enabled = query.get('enabled');
  const projects = domain.projects
    .filter((p) => name === null || p.name === name)
    .filter(() => enabled === null || enabled === 'true')
    .map((p) => project(domain, p, base));
  return {
    status: 200,
    body: { links: { self: `${base}/v3/projects`, previous: null, next: null }, projects },
  };
}

function securityTokens(emu: Emulator, caller: SandboxDomain, rawBody: string): ApiResponse {
  let body: unknown;
  try {
    body = JSON.parse(rawBody || 'null');
  } catch {
    return iamError(400, 'The request body is not valid JSON.');
  }
  const identity = asObject(asObject(asObject(body)?.auth)?.identity);
  const methods = identity?.methods;
  if (!identity || !Array.isArray(methods) || methods.length === 0) {
    return iamError(400, "Invalid input for field 'identity': 'methods' is a required property.");
  }
  if (methods.length !== 1 || methods[0] !== 'assume_role') {
    return iamError(400, "Invalid input for field 'methods': the sandbox offers 'assume_role'.");
  }
  const role = asObject(identity.assume_role);
  const agencyName = str(role, 'agency_name');
  if (!role || !agencyName) {
    return iamError(400, "Invalid input for field 'assume_role': 'agency_name' is required.");
  }
  const domainId = str(role, 'domain_id');
  const domainName = str(role, 'domain_name');
  if (domainId === undefined && domainName === undefined) {
    return iamError(
      400,
      "Invalid input for field 'assume_role': 'domain_id' or 'domain_name' is required.",
    );
  }
  const duration = role.duration_seconds ?? MIN_TOKEN_SECONDS;
  if (
    typeof duration !== 'number' ||
    !Number.isInteger(duration) ||
    duration < MIN_TOKEN_SECONDS ||
    duration > MAX_TOKEN_SECONDS
  ) {
    return iamError(
      400,
      `Invalid input for field 'duration_seconds': must be ${MIN_TOKEN_SECONDS}-${MAX_TOKEN_SECONDS}.`,
    );
  }
  const result = emu.accounts.assumeRole(
    caller.id,
    domainId !== undefined ? { domainId } : { domainName },
    agencyName,
    duration,
  );
  if (!result.ok) return iamError(result.status, result.message);
  emu.changed();
  const c = result.credential;
  return {
    status: 201,
    body: {
      credential: {
        access: c.ak,
        secret: c.sk,
        securitytoken: c.securityToken,
        // IAM prints microseconds: 2024-01-01T00:00:00.123000Z.
        expires_at: new Date(c.expiresAt).toISOString().replace(/Z$/, '000Z'),
      },
    },
  };
}

const sandboxError = (status: number, code: string, message: string, requestId: string) =>
  apigError(status, code, message, requestId);

const ADMIN_STATUS: Record<string, number> = {
  SANDBOX_DOMAIN_NOT_FOUND: 404,
  SANDBOX_AGENCY_EXISTS: 409,
  SANDBOX_DOMAIN_EXISTS: 409,
};

/**
 * `POST /_sandbox/accounts` `{name?}` creates a buyer's account; `POST
 * /_sandbox/accounts/{domain_id}/agencies` `{name, trust_domain_id | trust_domain_name}` lets
 * another domain (OneClick's) act in it. Undefined for any other path.
 */
export function handleAccountsAdmin(emu: Emulator, req: RawRequest): ApiResponse | undefined {
  const m = /^\/_sandbox\/accounts(?:\/([0-9a-f]{32})\/agencies)?$/.exec(req.rawPath);
  if (!m && !req.rawPath.startsWith('/_sandbox/accounts')) return undefined;
  if (!m || req.method !== 'POST') {
    return sandboxError(404, 'SANDBOX.0404', 'no such sandbox admin route', req.requestId);
  }
  let body: Record<string, unknown> | undefined;
  try {
    body = req.rawBody === '' ? {} : asObject(JSON.parse(req.rawBody));
  } catch {
    body = undefined;
  }
  if (!body)
    return sandboxError(400, 'SANDBOX.0001', 'the body must be a JSON object', req.requestId);
  try {
    if (m[1] === undefined) {
      const name = body.name;
      if (name !== undefined && (typeof name !== 'string' || !ACCOUNT_NAME.test(name))) {
        return sandboxError(
          400,
          'SANDBOX.0001',
          'name must be 3-64 letters, digits, _ or -, starting with a letter',
          req.requestId,
        );
      }
      const account = emu.createAccount(name);
      return {
        status: 201,
        body: {
          domain: { id: account.domainId, name: account.domainName },
          ak: account.ak,
          sk: account.sk,
          projects: account.projects,
        },
      };
    }
    const name = str(body, 'name');
    const trustId = str(body, 'trust_domain_id');
    const trustName = str(body, 'trust_domain_name');
    if (
      !name ||
      !ACCOUNT_NAME.test(name) ||
      (trustId === undefined) === (trustName === undefined)
    ) {
      return sandboxError(
        400,
        'SANDBOX.0001',
        'give the agency a name (3-64 of letters, digits, _ -) and one of trust_domain_id, trust_domain_name',
        req.requestId,
      );
    }
    const agency = emu.createAgency(m[1], {
      name,
      trustDomainId: trustId,
      trustDomainName: trustName,
    });
    return { status: 201, body: { agency } };
  } catch (e) {
    if (!isAppError(e) || ADMIN_STATUS[e.code] === undefined) throw e;
    return sandboxError(ADMIN_STATUS[e.code] ?? 400, e.code, e.message, req.requestId);
  }
}
