import { AppError } from '../errors.js';
import { signedQuery, verifyBodySign } from '../marketplace/signing.js';
import { checkSellerEndpoint, sellerUrlShape, type EndpointPolicy } from './generator-address.js';

/**
 * Client for sellers' endpoints speaking KooGallery's contract: a JSON POST whose URL carries
 * `signature`/`timestamp`/`nonce` (§2.4), answered with `resultCode`/`resultMsg` (and `license`
 * for getLicenseAsync), optionally signed with a `Body-Sign` header (§2.7). One transport serves
 * both the remote license generator and the License 2.0 lifecycle calls (refreshLicenseCode, ...).
 */

/** KooGallery's request timeout for seller interfaces. */
export const SELLER_TIMEOUT_MS = 5_000;
/** Answers larger than this are not read: a license is a few KB at most. */
const MAX_ANSWER_BYTES = 256 * 1024;

export interface SellerEndpoint {
  /** HTTPS URL (plain HTTP only on loopback, for the sandbox). */
  url: string;
  /** KooGallery access key shared with the seller. */
  accessKey: string;
  /** The sandbox: the endpoint may be on this machine or a private network. */
  allowPrivateNetwork?: boolean;
}

/** Body of a `getLicenseAsync` call (model C, §3.3). */
export interface GetLicenseRequest {
  activity: 'getLicenseAsync';
  orderId: string;
  instanceId: string;
  /** Idempotency key: the same eventId must give back the same license. */
  eventId: string;
  deviceFingerprint: string;
  /** `yyyyMMddHHmmss` UTC. */
  effectiveTime: string;
  expireTime?: string;
  testFlag: '0' | '1';
}

/** License 2.0 lifecycle calls (§2.3). */
export type LifecycleRequest =
  | {
      activity: 'refreshLicenseCode';
      scene: 'RENEWAL' | 'UNSUBSCRIBE_RENEWAL_PERIOD';
      orderId: string;
      orderLineId: string;
      license: string;
      productId?: string;
      expireTime: string;
      testFlag: '0' | '1';
    }
  | {
      activity: 'updateLicenseCodeStatus';
      license: string;
      status: 'FREEZE' | 'UNFREEZE';
      testFlag: '0' | '1';
    }
  | {
      activity: 'releaseLicenseCode';
      license: string;
      orderId?: string;
      orderLineId?: string;
      testFlag: '0' | '1';
    };

export interface SellerAnswer {
  resultCode: string;
  resultMsg: string;
  license?: string;
  instanceId?: string;
  /** Whether the answer carried a Body-Sign header (already checked when present). */
  bodySigned: boolean;
  /** Wall time of the call, for health records; never asserted on. */
  elapsedMs: number;
}

/** Refuses URLs OneClick will not call: not HTTPS (HTTP on loopback in the sandbox), credentials. */
export function validateSellerUrl(text: string, policy: EndpointPolicy = {}): URL {
  return sellerUrlShape(text, policy);
}

export interface CallOptions {
  timeoutMs?: number;
  now?: () => number;
  /** Send a deliberately wrong signature (the conformance check uses this). */
  corruptSignature?: boolean;
}

/** POSTs a signed KooGallery call and returns the checked answer. */
export async function callSeller(
  endpoint: SellerEndpoint,
  body: GetLicenseRequest | LifecycleRequest,
  options: CallOptions = {},
): Promise<SellerAnswer> {
  // Checked on every call, not only at registration: a host name can resolve elsewhere later.
  const url = await checkSellerEndpoint(endpoint.url, {
    allowPrivateNetwork: endpoint.allowPrivateNetwork,
  });
  const raw = JSON.stringify(body);
  const now = options.now ?? Date.now;
  const query = signedQuery(endpoint.accessKey, raw, now());
  if (options.corruptSignature) {
    const sig = query.get('signature') ?? '';
    query.set('signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
  }
  for (const [k, v] of query) url.searchParams.set(k, v);
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: raw,
      signal: AbortSignal.timeout(options.timeoutMs ?? SELLER_TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (cause) {
    const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
    throw new AppError(
      timedOut ? 'GENERATOR_TIMEOUT' : 'GENERATOR_UNREACHABLE',
      timedOut
        ? `The seller endpoint did not answer within ${options.timeoutMs ?? SELLER_TIMEOUT_MS} ms`
        : 'The seller endpoint could not be reached',
      { retryable: true, context: { host: url.host } },
    );
  }
  let text: string;
  try {
    text = await readLimited(response, MAX_ANSWER_BYTES);
  } catch (cause) {
    const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
    throw new AppError(
      timedOut ? 'GENERATOR_TIMEOUT' : 'GENERATOR_BAD_RESPONSE',
      'The seller answer could not be read',
      {
        retryable: true,
        context: { host: url.host },
      },
    );
  }
  const elapsedMs = performance.now() - started;
  const signHeader = response.headers.get('body-sign');
  if (signHeader !== null && !verifyBodySign(endpoint.accessKey, text, signHeader)) {
    throw new AppError('GENERATOR_BAD_SIGNATURE', 'The seller answer has a wrong Body-Sign', {
      context: { host: url.host, status: response.status },
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError(
      'GENERATOR_BAD_RESPONSE',
      `The seller answered HTTP ${response.status} without JSON`,
      {
        retryable: response.status >= 500,
        context: { host: url.host, status: response.status },
      },
    );
  }
  const answer = parsed as Record<string, unknown>;
  if (typeof answer !== 'object' || answer === null || typeof answer.resultCode !== 'string') {
    throw new AppError('GENERATOR_BAD_RESPONSE', 'The seller answer has no resultCode', {
      retryable: response.status >= 500,
      context: { host: url.host, status: response.status },
    });
  }
  return {
    resultCode: answer.resultCode,
    resultMsg: typeof answer.resultMsg === 'string' ? answer.resultMsg.slice(0, 255) : '',
    ...(typeof answer.license === 'string' ? { license: answer.license } : {}),
    ...(typeof answer.instanceId === 'string' ? { instanceId: answer.instanceId } : {}),
    bodySigned: signHeader !== null,
    elapsedMs,
  };
}

/** KooGallery result codes that mean "try again later" (processing, internal error). */
export const RETRYABLE_RESULT_CODES = new Set(['000004', '000005']);

/**
 * Asks a remote generator for a license; a non-success resultCode becomes GENERATOR_REFUSED
 * (retryable for 000004/000005) with the seller's code in the context.
 */
export async function requestRemoteLicense(
  endpoint: SellerEndpoint,
  body: GetLicenseRequest,
  options: CallOptions = {},
): Promise<SellerAnswer & { license: string }> {
  const answer = await callSeller(endpoint, body, options);
  if (answer.resultCode !== '000000') {
    throw refused(answer);
  }
  if (!answer.license) {
    throw new AppError(
      'GENERATOR_BAD_RESPONSE',
      'The generator answered success without a license',
    );
  }
  return { ...answer, license: answer.license };
}

/** Sends a lifecycle call; success is 000000 only. */
export async function notifySeller(
  endpoint: SellerEndpoint,
  body: LifecycleRequest,
  options: CallOptions = {},
): Promise<SellerAnswer> {
  const answer = await callSeller(endpoint, body, options);
  if (answer.resultCode !== '000000') throw refused(answer);
  return answer;
}

function refused(answer: SellerAnswer): AppError {
  return new AppError(
    'GENERATOR_REFUSED',
    `The seller endpoint answered ${answer.resultCode}: ${answer.resultMsg.slice(0, 120)}`,
    {
      retryable: RETRYABLE_RESULT_CODES.has(answer.resultCode),
      context: { resultCode: answer.resultCode },
    },
  );
}

async function readLimited(response: Response, limit: number): Promise<string> {
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new AppError('GENERATOR_BAD_RESPONSE', 'The seller answer is too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
