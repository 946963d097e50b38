import type { IncomingHttpHeaders } from 'node:http';
import type { Operation } from './faults.js';

/** A parsed, authenticated request as the emulator's handlers see it. */
export interface ApiRequest {
  op: Operation;
  projectId: string;
  params: Record<string, string>;
  query: Record<string, string[]>;
  body: unknown;
  headers: IncomingHttpHeaders;
  requestId: string;
}

/** A handler's answer; the server adds Content-Type and X-Request-Id. */
export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** ECS body: `{"error":{"code","message"}}`. */
export function ecsError(status: number, code: string, message: string): ApiResponse {
  return { status, body: { error: { code, message } } };
}

/** VPC v1 body: `{"code","message"}` (the SDK cannot read its code; clients branch on status). */
export function vpcV1Error(status: number, code: string, message: string): ApiResponse {
  return { status, body: { code, message } };
}

/** VPC v3 body: `{"request_id","error_code","error_msg"}`. */
export function vpcV3Error(
  status: number,
  code: string,
  message: string,
  requestId: string,
): ApiResponse {
  return { status, body: { request_id: requestId, error_code: code, error_msg: message } };
}

/** API gateway body: `{"error_code","error_msg","request_id"}`. */
export function apigError(
  status: number,
  code: string,
  message: string,
  requestId: string,
): ApiResponse {
  return { status, body: { error_code: code, error_msg: message, request_id: requestId } };
}

/** First value of a query parameter. */
export function q(req: ApiRequest, name: string): string | undefined {
  return req.query[name]?.[0];
}

/** Narrows an unknown JSON value to a plain object. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A string field, or undefined. */
export function str(o: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = o?.[key];
  return typeof v === 'string' ? v : undefined;
}
