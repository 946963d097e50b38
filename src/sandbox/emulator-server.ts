import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { verifySdkHmacSha256, type VerifyFailure } from '../signing/sdk-hmac-sha256.js';
import {
  apigError,
  ecsError,
  vpcV1Error,
  vpcV3Error,
  type ApiRequest,
  type ApiResponse,
} from './api-types.js';
import * as ecsApi from './ecs-api.js';
import * as eipApi from './eip-api.js';
import type { ProjectState } from './emulator-state.js';
import { newRequestId } from './emulator-state.js';
import { DELAY_PROFILES, type DelayProfile, type Emulator } from './emulator.js';
import type { Operation } from './faults.js';
import { handleAccountsAdmin, handleIam, TOKEN_MESSAGES } from './iam-api.js';
import * as imsApi from './ims-api.js';
import * as vpcApi from './vpc-api.js';
import * as vpcV1Sg from './vpc-v1-security-groups.js';

/**
 * The sandbox cloud's HTTP face: one server for the ECS and VPC paths (they do not collide), which
 * checks the SDK-HMAC-SHA256 signature like the API gateway, keeps projects apart, injects the
 * faults asked for and answers with each API family's own error body. `/_sandbox/inventory` reads
 * the inventory; `PUT /_sandbox/faults` sets fault rates for a sandbox run from the command line;
 * `POST /_sandbox/projects/{project_id}/private-images` makes a private image (ims-api.ts).
 * `GET|PUT /_sandbox/delays` reads and sets the delays (a profile, and/or single ones), and every
 * cloud API call (IAM's too) waits its request delay before it is handled;
 * `GET /_sandbox/delays/injected?account=<domain id or name>` lists the waits injected on each
 * account's path (with `from` and `to`, epoch ms, also their union: `coveredMs`), `DELETE` clears.
 */

type Family = 'ecs' | 'vpc1' | 'vpc3';
type Handler = (
  emu: Emulator,
  p: ProjectState,
  req: ApiRequest,
) => ApiResponse | Promise<ApiResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  op: Operation;
  family: Family;
  params: string[];
  handler: Handler;
}

const P = '([0-9A-Za-z_-]+)';
const route = (
  method: string,
  path: string,
  op: Operation,
  family: Family,
  handler: Handler,
): Route => {
  const params: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    params.push(name);
    return P;
  });
  return {
    method,
    pattern: new RegExp(`^${source.replace(/\./g, '\\.')}$`),
    op,
    family,
    params,
    handler,
  };
};

const ROUTES: Route[] = [
  route('POST', '/v1/{project_id}/vpcs', 'CreateVpc', 'vpc1', vpcApi.createVpc),
  route('GET', '/v1/{project_id}/vpcs', 'ListVpcs', 'vpc1', vpcApi.listVpcs),
  route('GET', '/v1/{project_id}/vpcs/{vpc_id}', 'ShowVpc', 'vpc1', vpcApi.showVpc),
  route('DELETE', '/v1/{project_id}/vpcs/{vpc_id}', 'DeleteVpc', 'vpc1', vpcApi.deleteVpc),
  route('POST', '/v1/{project_id}/subnets', 'CreateSubnet', 'vpc1', vpcApi.createSubnet),
  route('GET', '/v1/{project_id}/subnets', 'ListSubnets', 'vpc1', vpcApi.listSubnets),
  route('GET', '/v1/{project_id}/subnets/{subnet_id}', 'ShowSubnet', 'vpc1', vpcApi.showSubnet),
  route(
    'DELETE',
    '/v1/{project_id}/vpcs/{vpc_id}/subnets/{subnet_id}',
    'DeleteSubnet',
    'vpc1',
    vpcApi.deleteSubnet,
  ),
  route(
    'POST',
    '/v3/{project_id}/vpc/security-groups',
    'CreateSecurityGroup',
    'vpc3',
    vpcApi.createSecurityGroup,
  ),
  route(
    'GET',
    '/v3/{project_id}/vpc/security-groups',
    'ListSecurityGroups',
    'vpc3',
    vpcApi.listSecurityGroups,
  ),
  route(
    'GET',
    '/v3/{project_id}/vpc/security-groups/{security_group_id}',
    'ShowSecurityGroup',
    'vpc3',
    vpcApi.showSecurityGroup,
  ),
  route(
    'DELETE',
    '/v3/{project_id}/vpc/security-groups/{security_group_id}',
    'DeleteSecurityGroup',
    'vpc3',
    vpcApi.deleteSecurityGroup,
  ),
  route(
    'POST',
    '/v3/{project_id}/vpc/security-group-rules',
    'CreateSecurityGroupRule',
    'vpc3',
    vpcApi.createSecurityGroupRule,
  ),
  route(
    'GET',
    '/v3/{project_id}/vpc/security-group-rules',
    'ListSecurityGroupRules',
    'vpc3',
    vpcApi.listSecurityGroupRules,
  ),
  route(
    'DELETE',
    '/v3/{project_id}/vpc/security-group-rules/{security_group_rule_id}',
    'DeleteSecurityGroupRule',
    'vpc3',
    vpcApi.deleteSecurityGroupRule,
  ),
  route('POST', '/v1/{project_id}/publicips', 'CreatePublicip', 'vpc1', eipApi.createPublicip),
  route('GET', '/v1/{project_id}/publicips', 'ListPublicips', 'vpc1', eipApi.listPublicips),
  route(
    'GET',
    '/v1/{project_id}/publicips/{publicip_id}',
    'ShowPublicip',
    'vpc1',
    eipApi.showPublicip,
  ),
  route(
    'PUT',
    '/v1/{project_id}/publicips/{publicip_id}',
    'UpdatePublicip',
    'vpc1',
    eipApi.updatePublicip,
  ),
  route(
    'DELETE',
    '/v1/{project_id}/publicips/{publicip_id}',
    'DeletePublicip',
    'vpc1',
    eipApi.deletePublicip,
  ),
  // VPC v1 security groups and rules, over the same records as v3.
  ...vpcV1Sg.V1_SECURITY_GROUP_ROUTES.map(([method, path, op, handler]) =>
    route(method, path, op, 'vpc1', handler),
  ),
  route('GET', '/v1/{project_id}/cloudservers/flavors', 'ListFlavors', 'ecs', ecsApi.listFlavors),
  route(
    'GET',
    '/v2.1/{project_id}/os-availability-zone',
    'NovaListAvailabilityZones',
    'ecs',
    ecsApi.listAvailabilityZones,
  ),
  // IMS: no project id in the path; the X-Project-Id header carries it. Same error body as ECS.
  route('GET', '/v2/cloudimages', 'ListImages', 'ecs', imsApi.listImages),
  route('POST', '/v1.1/{project_id}/cloudservers', 'CreateServers', 'ecs', ecsApi.createServers),
  route('GET', '/v1/{project_id}/jobs/{job_id}', 'ShowJob', 'ecs', ecsApi.showJob),
  route(
    'GET',
    '/v1/{project_id}/cloudservers/detail',
    'ListServersDetails',
    'ecs',
    ecsApi.listServersDetails,
  ),
  route('GET', '/v1/{project_id}/cloudservers/{server_id}', 'ShowServer', 'ecs', ecsApi.showServer),
  route(
    'POST',
    '/v1/{project_id}/cloudservers/delete',
    'DeleteServers',
    'ecs',
    ecsApi.deleteServers,
  ),
];

const MAX_BODY = 1024 * 1024;

const rate = z.number().min(0).max(1).optional();
const faultsBody = z
  .object({
    throttle: rate,
    serverError: rate,
    jobFailure: rate,
    serverErrorState: rate,
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    slowBootMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();

const delayMs = z.union([
  z.number().int().min(0).max(600_000),
  z
    .object({
      minMs: z.number().int().min(0).max(600_000),
      maxMs: z.number().int().min(0).max(600_000),
    })
    .strict()
    .refine((r) => r.minMs <= r.maxMs, 'minMs must not exceed maxMs'),
]);
const delaysBody = z
  .object({
    /** Applied first; the single delays below override it. */
    profile: z.enum(['none', 'demo', 'realistic'] satisfies DelayProfile[]).optional(),
    jobStartMs: z.number().int().min(0).max(600_000).optional(),
    serverBuildMs: delayMs.optional(),
    serverDeleteMs: delayMs.optional(),
    networkActiveMs: z.number().int().min(0).max(600_000).optional(),
    requestMs: delayMs.optional(),
    bootMs: delayMs.optional(),
  })
  .strict();

const SIGNATURE_MESSAGES: Record<VerifyFailure, string> = {
  MISSING_AUTHORIZATION: 'Incorrect IAM authentication information: Authorization header missing',
  MALFORMED_AUTHORIZATION:
    'Incorrect IAM authentication information: malformed Authorization header',
  MISSING_DATE: 'Incorrect IAM authentication information: X-Sdk-Date missing or malformed',
  DATE_OUT_OF_WINDOW:
    'Incorrect IAM authentication information: X-Sdk-Date is more than 15 minutes off',
  UNKNOWN_ACCESS_KEY: 'Incorrect IAM authentication information: unknown access key',
  BAD_SIGNATURE: 'Incorrect IAM authentication information: verify aksk signature fail',
};

function familyError(
  family: Family,
  status: number,
  code: string,
  message: string,
  requestId: string,
) {
  switch (family) {
    case 'ecs':
      return ecsError(status, code, message);
    case 'vpc1':
      return vpcV1Error(status, code, message);
    case 'vpc3':
      return vpcV3Error(status, code, message, requestId);
  }
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, requestId: string, answer: ApiResponse): void {
  const headers: Record<string, string> = {
    'X-Request-Id': requestId,
    ...answer.headers,
  };
  if (answer.status === 204 || answer.body === undefined) {
    res.writeHead(answer.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

async function handle(
  emu: Emulator,
  req: IncomingMessage,
  requestId: string,
): Promise<ApiResponse> {
  const url = req.url ?? '/';
  const qi = url.indexOf('?');
  const rawPath = qi < 0 ? url : url.slice(0, qi);
  const rawQuery = qi < 0 ? '' : url.slice(qi + 1);
  const method = req.method ?? 'GET';
  const rawBody = await readBody(req);
  if (rawBody === undefined)
    return apigError(413, 'APIGW.0201', 'Request entity too large', requestId);

  if (rawPath === '/_sandbox/inventory' && method === 'GET') {
    return { status: 200, body: emu.inventory() };
  }
  if (rawPath === '/_sandbox/delays' || rawPath === '/_sandbox/delays/injected') {
    return delaysAdmin(emu, method, rawPath, rawQuery, rawBody, requestId);
  }
  if (rawPath === '/_sandbox/faults' && method === 'PUT') {
    let parsed: ReturnType<typeof faultsBody.safeParse>;
    try {
      parsed = faultsBody.safeParse(JSON.parse(rawBody || '{}'));
    } catch {
      return apigError(400, 'SANDBOX.0001', 'fault settings must be JSON', requestId);
    }
    if (!parsed.success) {
      return apigError(
        400,
        'SANDBOX.0001',
        `bad fault settings: ${parsed.error.message}`,
        requestId,
      );
    }
    const { retryAfterSeconds, slowBootMs, ...rates } = parsed.data;
    emu.faults.setRates(rates);
    if (retryAfterSeconds !== undefined) emu.faults.retryAfterSeconds = retryAfterSeconds;
    if (slowBootMs !== undefined) emu.faults.slowBootMs = slowBootMs;
    return { status: 200, body: { ok: true } };
  }
  const raw = { method, rawPath, rawQuery, rawBody, headers: req.headers, requestId };
  const admin = handleAccountsAdmin(emu, raw) ?? imsApi.handlePrivateImageAdmin(emu, raw);
  if (admin) return admin;
  // A region's latency, before the call is handled (so its answer is as fresh as a region's).
  if (!rawPath.startsWith('/_sandbox/')) {
    await emu.delayRequest(accountOfCall(emu, raw), operationOf(method, rawPath));
  }
  const iam = await handleIam(emu, raw);
  if (iam) return iam;

  let matched: { route: Route; params: Record<string, string> } | undefined;
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(rawPath);
    if (!m) continue;
    matched = {
      route: r,
      params: Object.fromEntries(r.params.map((name, i) => [name, m[i + 1] ?? ''])),
    };
    break;
  }
  if (!matched) {
    return apigError(
      404,
      'APIGW.0101',
      'The API does not exist or has not been published in the environment',
      requestId,
    );
  }
  const { route: r, params } = matched;

  const verdict = await verifySdkHmacSha256(
    { method, rawPath, query: rawQuery, headers: req.headers, body: rawBody },
    (ak) => emu.secretOf(ak),
  );
  if (!verdict.ok) {
    const code = verdict.reason === 'DATE_OUT_OF_WINDOW' ? 'APIGW.0303' : 'APIGW.0301';
    return apigError(401, code, SIGNATURE_MESSAGES[verdict.reason], requestId);
  }
  // Temporary credentials (an agency's) count only with their security token, until they expire.
  const tokenProblem = emu.accounts.tokenProblem(verdict.ak, req.headers['x-security-token']);
  if (tokenProblem) return apigError(401, 'APIGW.0301', TOKEN_MESSAGES[tokenProblem], requestId);
  const headerProject = req.headers['x-project-id'];
  // A path without a project id (IMS) is scoped by the signed X-Project-Id header alone.
  const projectId = params.project_id ?? (typeof headerProject === 'string' ? headerProject : '');
  const project = emu.projectFor(verdict.ak, projectId);
  if (!project || (typeof headerProject === 'string' && headerProject !== projectId)) {
    return apigError(
      403,
      'APIGW.0302',
      'The IAM user is not authorized to access the API.',
      requestId,
    );
  }

  const fault = emu.faults.forRequest(r.op);
  if (fault?.kind === 'throttle') {
    return {
      ...apigError(
        429,
        'APIGW.0308',
        'The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute',
        requestId,
      ),
      headers: { 'Retry-After': String(fault.retryAfterSeconds) },
    };
  }
  const injected = () =>
    familyError(
      r.family,
      fault?.kind === 'error' ? fault.status : 500,
      'SYS.0500',
      'Internal server error (injected by the sandbox).',
      requestId,
    );
  if (fault?.kind === 'error' && fault.when === 'before') return injected();

  let body: unknown;
  if (rawBody !== '') {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return familyError(
        r.family,
        400,
        r.family === 'ecs' ? 'Ecs.0005' : 'VPC.0002',
        'request body is illegal: not JSON.',
        requestId,
      );
    }
  }
  const query: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) (query[k] ??= []).push(v);
  const answer = await r.handler(emu, project, {
    op: r.op,
    projectId,
    params,
    query,
    body,
    headers: req.headers,
    requestId,
  });
  // Saved before the answer leaves, as a cloud commits before it acknowledges.
  if (r.method !== 'GET') emu.changed();
  if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
  return fault?.kind === 'error' ? injected() : answer;
}

/** The operation a call names: a route's, else its method and path (IAM's calls). */
function operationOf(method: string, rawPath: string): string {
  return (
    ROUTES.find((r) => r.method === method && r.pattern.test(rawPath))?.op ?? `${method} ${rawPath}`
  );
}

/**
 * The account (domain id) whose path a call is on: its AK's (read, not yet checked: a call with a
 * bad signature is refused after its delay, as a region refuses it), or for IAM's assume_role the
 * account assumed into, whose deployment waits for the token.
 */
function accountOfCall(
  emu: Emulator,
  raw: { rawPath: string; rawBody: string; headers: IncomingMessage['headers'] },
): string {
  if (raw.rawPath.replace(/\/$/, '') === '/v3.0/OS-CREDENTIAL/securitytokens') {
    try {
      const body = JSON.parse(raw.rawBody) as {
        auth?: { identity?: { assume_role?: { domain_id?: unknown; domain_name?: unknown } } };
      };
      const role = body.auth?.identity?.assume_role;
      const domain =
        typeof role?.domain_id === 'string'
          ? emu.accounts.domain(role.domain_id)
          : typeof role?.domain_name === 'string'
            ? emu.accounts.domainByName(role.domain_name)
            : undefined;
      if (domain) return domain.id;
    } catch {
      // Not JSON: IAM refuses it; the caller's own account waited.
    }
  }
  const ak = /Access=([^,\s]+)/.exec(String(raw.headers.authorization ?? ''))?.[1];
  return (ak !== undefined ? emu.accounts.domainOf(ak)?.id : undefined) ?? '';
}

/** `GET|PUT /_sandbox/delays` and `GET|DELETE /_sandbox/delays/injected`. */
function delaysAdmin(
  emu: Emulator,
  method: string,
  rawPath: string,
  rawQuery: string,
  rawBody: string,
  requestId: string,
): ApiResponse {
  const bad = (message: string) => apigError(400, 'SANDBOX.0001', message, requestId);
  if (rawPath === '/_sandbox/delays') {
    if (method === 'GET') return { status: 200, body: emu.delays };
    if (method !== 'PUT') return apigError(405, 'SANDBOX.0405', 'GET or PUT', requestId);
    let parsed: ReturnType<typeof delaysBody.safeParse>;
    try {
      parsed = delaysBody.safeParse(JSON.parse(rawBody || '{}'));
    } catch {
      return bad('delay settings must be JSON');
    }
    if (!parsed.success) return bad(`bad delay settings: ${parsed.error.message}`);
    const { profile, ...single } = parsed.data;
    if (profile) emu.setDelays(DELAY_PROFILES[profile]);
    emu.setDelays(single);
    return { status: 200, body: emu.delays };
  }
  if (method === 'DELETE') {
    emu.injected.clear();
    return { status: 204 };
  }
  if (method !== 'GET') return apigError(405, 'SANDBOX.0405', 'GET or DELETE', requestId);
  const query = new URLSearchParams(rawQuery);
  const named = query.get('account');
  const account =
    named === null
      ? undefined
      : (emu.accounts.domain(named)?.id ?? emu.accounts.domainByName(named)?.id ?? named);
  const bound = (name: string) => {
    const v = query.get(name);
    return v === null ? undefined : Number(v);
  };
  const [from, to] = [bound('from'), bound('to')];
  if ([from, to].some((v) => v !== undefined && !Number.isFinite(v))) {
    return bad('from and to are epoch milliseconds');
  }
  const waits = emu.injected.list(account);
  return {
    status: 200,
    body: {
      waits,
      ...(account !== undefined && { coveredMs: emu.injected.coveredMs(account, from, to) }),
    },
  };
}

/** Starts the HTTP server on host:port (0 picks a free port) and returns it with its base URL. */
export async function listen(
  emu: Emulator,
  host: string,
  port: number,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const requestId = newRequestId();
    handle(emu, req, requestId).then(
      (answer) => send(res, requestId, answer),
      () =>
        send(res, requestId, apigError(500, 'APIGW.0103', 'The backend service failed', requestId)),
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${actual}` };
}
