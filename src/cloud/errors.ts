import { AppError } from '../errors.js';

/**
 * Turns what the Huawei SDK throws into AppError with a clear code and a retryable flag. The SDK
 * keeps only status, error code, message and request id, and parses codes only from ECS and v3
 * bodies; sdk-clients.ts captures the raw answer (Retry-After, VPC v1 `{code,message}`) for us.
 */

/** The raw error answer captured beside the SDK's exception. */
export interface CapturedResponse {
  status?: number;
  retryAfter?: string;
  data?: unknown;
}

/** Codes this module produces; retryable ones are transient. */
export const CLOUD_ERROR_CODES = {
  CLOUD_THROTTLED: true,
  CLOUD_SERVER_ERROR: true,
  CLOUD_UNAVAILABLE: true,
  CLOUD_TIMEOUT: true,
  CLOUD_NOT_READY: true,
  CLOUD_AUTH_FAILED: false,
  CLOUD_FORBIDDEN: false,
  CLOUD_ACCOUNT_RESTRICTED: false,
  CLOUD_NOT_FOUND: false,
  CLOUD_CONFLICT: false,
  CLOUD_QUOTA_EXCEEDED: false,
  CLOUD_BAD_PASSWORD: false,
  CLOUD_SUBNET_FULL: false,
  CLOUD_INVALID_REQUEST: false,
} as const;
export type CloudErrorCode = keyof typeof CLOUD_ERROR_CODES;

interface SdkErrorShape {
  httpStatusCode?: number;
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
}

function asSdkError(e: unknown): SdkErrorShape {
  return e !== null && typeof e === 'object' ? e : {};
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function v1Body(data: unknown): { code?: string; message?: string } {
  if (data === null || typeof data !== 'object') return {};
  const o = data as Record<string, unknown>;
  const neutron = o.NeutronError as Record<string, unknown> | undefined;
  return {
    code:
      typeof o.code === 'string'
        ? o.code
        : typeof neutron?.type === 'string'
          ? neutron.type
          : undefined,
    message:
      typeof o.message === 'string'
        ? o.message
        : typeof neutron?.message === 'string'
          ? neutron.message
          : undefined,
  };
}

/**
 * 409s that only mean "not yet": VPC.0512, the resource is busy (try again later); VPC.0517, an
 * EIP still bound to a port, which a release meets while the unbind it just asked for finishes.
 */
const NOT_YET = new Set(['VPC.0512', 'VPC.0517']);

function codeFor(status: number | undefined, remoteCode: string, message: string): CloudErrorCode {
  if (status === undefined) return /timeout/i.test(message) ? 'CLOUD_TIMEOUT' : 'CLOUD_UNAVAILABLE';
  if (status === 429 || remoteCode === 'APIGW.0308') return 'CLOUD_THROTTLED';
  if (status >= 500) return 'CLOUD_SERVER_ERROR';
  if (status === 401) return 'CLOUD_AUTH_FAILED';
  if (remoteCode === 'Ecs.0003') return 'CLOUD_ACCOUNT_RESTRICTED';
  if (status === 403) return 'CLOUD_FORBIDDEN';
  if (status === 404) return 'CLOUD_NOT_FOUND';
  if (NOT_YET.has(remoteCode)) return 'CLOUD_NOT_READY';
  if (status === 409) return 'CLOUD_CONFLICT';
  switch (remoteCode) {
    case 'Ecs.0001':
      return 'CLOUD_QUOTA_EXCEEDED';
    case 'Ecs.0011':
      return 'CLOUD_BAD_PASSWORD';
    case 'Ecs.0012':
      return 'CLOUD_SUBNET_FULL';
    case 'VPC.0004':
      return 'CLOUD_NOT_READY';
    default:
      return /quota/i.test(message) ? 'CLOUD_QUOTA_EXCEEDED' : 'CLOUD_INVALID_REQUEST';
  }
}

/** Classifies an SDK exception from operation `op` into an AppError. */
export function classifyCloudError(
  op: string,
  e: unknown,
  captured: CapturedResponse = {},
): AppError {
  if (e instanceof AppError) return e;
  const sdk = asSdkError(e);
  const status = sdk.httpStatusCode ?? captured.status;
  const fallback = v1Body(captured.data);
  const remoteCode = sdk.errorCode ?? fallback.code ?? '';
  const rawMessage =
    fallback.message ?? sdk.errorMsg ?? (e instanceof Error ? e.message : String(e));
  const code = codeFor(status, remoteCode, rawMessage);
  const retryAfterMs =
    code === 'CLOUD_THROTTLED' ? parseRetryAfter(captured.retryAfter) : undefined;
  const label = [status, remoteCode].filter((x) => x !== undefined && x !== '').join(' ');
  return new AppError(code, `${op} failed${label ? ` (${label})` : ''}: ${rawMessage}`, {
    retryable: CLOUD_ERROR_CODES[code],
    cause: e instanceof Error ? e : undefined,
    context: {
      operation: op,
      httpStatus: status,
      remoteCode: remoteCode || undefined,
      requestId: sdk.requestId,
      retryAfterMs,
    },
  });
}

/** Milliseconds the cloud asked us to wait, if it said. */
export function retryAfterMsOf(e: unknown): number | undefined {
  if (!(e instanceof AppError)) return undefined;
  const v = e.context?.retryAfterMs;
  return typeof v === 'number' ? v : undefined;
}
