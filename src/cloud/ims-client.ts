import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient, HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import type { SdkResponse } from '@huaweicloud/huaweicloud-sdk-core/SdkResponse.js';

/**
 * IMS ListImages (`GET /v2/cloudimages`, on `https://ims.{region}.myhuaweicloud.com`), written as
 * the generated SDK packages are (see eip-client.ts). The path carries no project id: the core's
 * BasicCredentials sends it as `X-Project-Id`, which is how IMS scopes private images.
 */

export interface ListImagesQuery {
  /** `gold` (public), `private`, `shared`, `market`. */
  __imagetype?: string;
  /** `queued`, `saving`, `deleted`, `killed`, `active`. */
  status?: string;
  /** `ecs`, `bms`, `fusioncompute`, ... (`__support_kvm` etc. narrow further). */
  virtual_env_type?: string;
  limit?: number;
  /** The id of the last image of the previous page. */
  marker?: string;
  sort_key?: string;
  sort_dir?: 'asc' | 'desc';
}

export const imsParams = {
  listImages(q: ListImagesQuery): HttpRequestOptions {
    const queryParams: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(q)) if (v !== undefined) queryParams[k] = v;
    return {
      method: 'GET',
      url: '/v2/cloudimages',
      contentType: 'application/json',
      queryParams,
      pathParams: {},
      headers: {},
    };
  },
};

export type ImsResponse = SdkResponse & Record<string, unknown>;

export class ImsClient {
  static newBuilder(): ClientBuilder<ImsClient> {
    return new ClientBuilder((hcClient: HcClient) => new ImsClient(hcClient));
  }

  constructor(readonly hcClient: HcClient) {}

  listImages(q: ListImagesQuery = {}): Promise<ImsResponse> {
    return this.hcClient.sendRequest(imsParams.listImages(q));
  }
}
