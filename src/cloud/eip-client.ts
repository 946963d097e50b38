import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient, HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import type { SdkResponse } from '@huaweicloud/huaweicloud-sdk-core/SdkResponse.js';

/**
 * EIP v1 (`/v1/{project_id}/publicips`, on the VPC endpoint), written as the generated SDK
 * packages are: a client built by the core's ClientBuilder around an HcClient, each method turning
 * a request into the core's request options, which HcClient fills with the project id and signs
 * with the core's signer. The npm registry here has no EIP package; paths and bodies follow
 * Huawei's EIP API reference (v1: CreatePublicip, ShowPublicip, ListPublicips, UpdatePublicip,
 * DeletePublicip).
 */

/** Body of CreatePublicip. */
export interface CreatePublicipBody {
  publicip: { type: string; alias?: string; ip_version?: 4 | 6 };
  bandwidth: {
    name: string;
    size: number;
    /** `PER` (dedicated) or `WHOLE` (shared, with `id`). */
    share_type: 'PER' | 'WHOLE';
    charge_mode?: 'traffic' | 'bandwidth';
    id?: string;
  };
  enterprise_project_id?: string;
}

/** Body of UpdatePublicip: binds to `port_id`; `{"publicip":{}}` unbinds. */
export interface UpdatePublicipBody {
  publicip: { port_id?: string; alias?: string };
}

const JSON_UTF8 = 'application/json;charset=UTF-8';

/** The request options for each call (the generated packages' `ParamCreater`). */
export const eipParams = {
  createPublicip(body: CreatePublicipBody): HttpRequestOptions {
    return {
      method: 'POST',
      url: '/v1/{project_id}/publicips',
      contentType: JSON_UTF8,
      queryParams: {},
      pathParams: {},
      headers: { 'Content-Type': JSON_UTF8 },
      data: body,
    };
  },
  showPublicip(publicipId: string): HttpRequestOptions {
    return {
      method: 'GET',
      url: '/v1/{project_id}/publicips/{publicip_id}',
      contentType: 'application/json',
      queryParams: {},
      pathParams: { publicip_id: publicipId },
      headers: {},
    };
  },
  listPublicips(q: { limit?: number; marker?: string }): HttpRequestOptions {
    const queryParams: Record<string, unknown> = {};
    if (q.limit !== undefined) queryParams.limit = q.limit;
    if (q.marker !== undefined) queryParams.marker = q.marker;
    return {
      method: 'GET',
      url: '/v1/{project_id}/publicips',
      contentType: 'application/json',
      queryParams,
      pathParams: {},
      headers: {},
    };
  },
  updatePublicip(publicipId: string, body: UpdatePublicipBody): HttpRequestOptions {
    return {
      method: 'PUT',
      url: '/v1/{project_id}/publicips/{publicip_id}',
      contentType: JSON_UTF8,
      queryParams: {},
      pathParams: { publicip_id: publicipId },
      headers: { 'Content-Type': JSON_UTF8 },
      data: body,
    };
  },
  deletePublicip(publicipId: string): HttpRequestOptions {
    return {
      method: 'DELETE',
      url: '/v1/{project_id}/publicips/{publicip_id}',
      contentType: 'application/json',
      queryParams: {},
      pathParams: { publicip_id: publicipId },
      headers: {},
    };
  },
};

/** Answers are plain JSON with `httpStatusCode` added, as every SDK client's. */
export type EipResponse = SdkResponse & Record<string, unknown>;

export class EipClient {
  static newBuilder(): ClientBuilder<EipClient> {
    return new ClientBuilder((hcClient: HcClient) => new EipClient(hcClient));
  }

  constructor(readonly hcClient: HcClient) {}

  createPublicip(body: CreatePublicipBody): Promise<EipResponse> {
    return this.hcClient.sendRequest(eipParams.createPublicip(body));
  }
  showPublicip(publicipId: string): Promise<EipResponse> {
    return this.hcClient.sendRequest(eipParams.showPublicip(publicipId));
  }
  listPublicips(q: { limit?: number; marker?: string } = {}): Promise<EipResponse> {
    return this.hcClient.sendRequest(eipParams.listPublicips(q));
  }
  updatePublicip(publicipId: string, body: UpdatePublicipBody): Promise<EipResponse> {
    return this.hcClient.sendRequest(eipParams.updatePublicip(publicipId, body));
  }
  deletePublicip(publicipId: string): Promise<EipResponse> {
    return this.hcClient.sendRequest(eipParams.deletePublicip(publicipId));
  }
}
