import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { EcsClient } from '@huaweicloud/huaweicloud-sdk-ecs';
import { VpcClient, v3 as vpcv3 } from '@huaweicloud/huaweicloud-sdk-vpc';
import { AppError } from '../errors.js';
import { classifyCloudError, type CapturedResponse } from './errors.js';

/**
 * Builds the official SDK clients the way they must be built (reference §0, §1.6): endpoint
 * without trailing slash, project id set, custom user agent (else the SDK writes into $HOME), an
 * axios timeout (the SDK has none). It also fixes two SDK habits: its log4js logger prints every
 * failed request, request body included (an adminPass!), so it is silenced; and its exceptions
 * drop the response headers and VPC v1 bodies, so an interceptor keeps them for classification.
 */

export interface SdkClientOptions {
  ecsEndpoint: string;
  vpcEndpoint: string;
  ak: string;
  sk: string;
  projectId: string;
  /** Per-request timeout; the SDK has none. */
  timeoutMs: number;
  userAgent?: string;
}

export interface SdkClients {
  ecs: EcsClient;
  vpc: VpcClient;
  vpc3: vpcv3.VpcClient;
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

/** Builds ECS, VPC (v1/v2.0) and VPC v3 clients. */
export function buildSdkClients(o: SdkClientOptions): SdkClients {
  const strip = (url: string) => url.replace(/\/+$/, '');
  const cred = new BasicCredentials().withAk(o.ak).withSk(o.sk).withProjectId(o.projectId);
  // Keep-alive agents, shared by the three clients: the SDK's default opens a connection (and
  // against a real region a TLS handshake) for every call; with fifty provisionings at once,
  // connect and accept were among the top costs of both the worker and the emulator. Idle sockets
  // close after 4 s, before the server's own keep-alive timeout (5 s in Node) can race a reuse.
  // These agents replace the SDK's proxy agent, which OneClick never configures.
  const agentOptions = { keepAlive: true, timeout: 4_000 };
  const options = {
    customUserAgent: o.userAgent ?? 'oneclick/0.1',
    axiosRequestConfig: {
      timeout: o.timeoutMs,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  };
  return {
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
  };
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
