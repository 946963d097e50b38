import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { BasicCredentials, type GlobalCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import type { UserOptions } from '@huaweicloud/huaweicloud-sdk-core/UserOptions.js';
import { EcsClient } from '@huaweicloud/huaweicloud-sdk-ecs';
import { IamClient } from '@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js';
import { VpcClient, v3 as vpcv3 } from '@huaweicloud/huaweicloud-sdk-vpc';
import { AppError } from '../errors.js';
import { EipClient } from './eip-client.js';
import { classifyCloudError, type CapturedResponse } from './errors.js';
import { ImsClient } from './ims-client.js';

/**
 * Builds the official SDK clients the way they must be built (reference §0, §1.6): endpoint
 * without trailing slash, project id set, custom user agent (else the SDK writes into $HOME), an
 * axios timeout (the SDK has none). It also fixes two SDK habits: its log4js logger prints every
 * failed request, request body included (an adminPass!), so it is silenced; and its exceptions
 * drop the response headers and VPC v1 bodies, so an interceptor keeps them for classification.
 */

export interface SdkClientOptions {
  ecsEndpoint: string;
  /** VPC v1/v2.0/v3 and EIP v1. */
  vpcEndpoint: string;
  /** IMS; the ECS endpoint when unset (the sandbox serves every service on one port). */
  imsEndpoint?: string;
  ak: string;
  sk: string;
  /** With temporary credentials (an agency's): sent as X-Security-Token and signed. */
  securityToken?: string;
  projectId: string;
  /** Per-request timeout; the SDK has none. */
  timeoutMs: number;
  userAgent?: string;
}

export interface SdkClients {
  ecs: EcsClient;
  vpc: VpcClient;
  vpc3: vpcv3.VpcClient;
  eip: EipClient;
  ims: ImsClient;
  /** Shared by every client and read at each signing: replacing its keys re-keys them all. */
  credential: BasicCredentials;
}

const captured = new AsyncLocalStorage<CapturedResponse>();

const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface AxiosLikeError {
  response?: { status?: number; headers?: Record<string, unknown>; data?: unknown };
}
interface AxiosLike {
  interceptors: {
    response: { use(ok: undefined, fail: (e: AxiosLikeError) => Promise<never>): void };
  };
}
interface HcClientInternals {
  hcClient?: { httpClient?: { _logger?: unknown; _axiosInstance?: AxiosLike } };
}

function instrument<T extends object>(client: T): T {
  const http = (client as HcClientInternals).hcClient?.httpClient;
  if (!http?._axiosInstance) {
    throw new AppError('CLOUD_SDK_INCOMPATIBLE', 'Huawei SDK internals changed: no axios instance');
  }
  http._logger = silent;
  http._axiosInstance.interceptors.response.use(undefined, (e: AxiosLikeError) => {
    const store = captured.getStore();
    if (store && e.response) {
      store.status = e.response.status;
      const ra = e.response.headers?.['retry-after'];
      store.retryAfter = typeof ra === 'string' ? ra : undefined;
      store.data = e.response.data;
    }
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass axios errors on untouched
    return Promise.reject(e);
  });
  return client;
}

const strip = (url: string) => url.replace(/\/+$/, '');

/** Client options every OneClick SDK client is built with. */
function clientOptions(timeoutMs: number, userAgent: string | undefined): UserOptions {
  // Keep-alive agents, shared by the three clients: the SDK's default opens a connection (and
  // against a real region a TLS handshake) for every call; with fifty provisionings at once,
  // connect and accept were among the top costs of both the worker and the emulator. Idle sockets
  // close after 4 s, before the server's own keep-alive timeout (5 s in Node) can race a reuse.
  // These agents replace the SDK's proxy agent, which OneClick never configures.
  const agentOptions = { keepAlive: true, timeout: 4_000 };
  return {
    customUserAgent: userAgent ?? 'oneclick/0.1',
    axiosRequestConfig: {
      timeout: timeoutMs,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  };
}

/** Builds ECS, VPC (v1/v2.0), VPC v3, EIP and IMS clients over one credential. */
export function buildSdkClients(o: SdkClientOptions): SdkClients {
  const cred = new BasicCredentials().withAk(o.ak).withSk(o.sk).withProjectId(o.projectId);
  if (o.securityToken) cred.withSecurityToken(o.securityToken);
  const options = clientOptions(o.timeoutMs, o.userAgent);
  return {
    credential: cred,
    ecs: instrument(
      EcsClient.newBuilder()
        .withCredential(cred)
        .withEndpoint(strip(o.ecsEndpoint))
        .withOptions(options)
        .build(),
    ),
    vpc: instrument(
      VpcClient.newBuilder()
        .withCredential(cred)
        .withEndpoint(strip(o.vpcEndpoint))
        .withOptions(options)
        .build(),
    ),
    vpc3: instrument(
      vpcv3.VpcClient.newBuilder()
        .withCredential(cred)
        .withEndpoint(strip(o.vpcEndpoint))
        .withOptions(options)
        .build(),
    ),
    eip: instrument(
      EipClient.newBuilder()
        .withCredential(cred)
        .withEndpoint(strip(o.vpcEndpoint))
        .withOptions(options)
        .build(),
    ),
    ims: instrument(
      ImsClient.newBuilder()
        .withCredential(cred)
        .withEndpoint(strip(o.imsEndpoint ?? o.ecsEndpoint))
        .withOptions(options)
        .build(),
    ),
  };
}

/**
 * An IAM client for global calls (securitytokens, projects). Built with an endpoint, never with
 * `withRegion`: a region makes the core look the domain id up on its own, against the public IAM
 * endpoint whatever endpoint was given (reference §0 #3); the connector does that itself.
 */
export function buildIamClient(o: {
  iamEndpoint: string;
  credential: GlobalCredentials;
  timeoutMs: number;
  userAgent?: string;
}): IamClient {
  return instrument(
    IamClient.newBuilder()
      .withCredential(o.credential)
      .withEndpoint(strip(o.iamEndpoint))
      .withOptions(clientOptions(o.timeoutMs, o.userAgent))
      .build(),
  );
}

/** Re-keys a credential in place (a refreshed agency session): every client sharing it follows. */
export function rekey(
  credential: BasicCredentials,
  keys: { ak: string; sk: string; securityToken?: string },
): void {
  credential.withAk(keys.ak).withSk(keys.sk);
  // An empty token would be sent as an empty header; undefined sends none.
  (credential as unknown as { securityToken?: string }).securityToken = keys.securityToken;
}

/** Runs one SDK call, turning its failure into a classified AppError. */
export async function sdkCall<T>(op: string, fn: () => Promise<T>): Promise<T> {
  const store: CapturedResponse = {};
  try {
    return await captured.run(store, fn);
  } catch (e) {
    throw classifyCloudError(op, e, store);
  }
}
