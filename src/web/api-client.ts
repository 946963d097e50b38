import { randomUUID } from 'node:crypto';
import type { Principal } from '../db/repositories/principals.js';

/**
 * How console pages reach OneClick's rules: the JSON API itself, called in process as the
 * signed-in principal. Every check (roles, tenancy, validation, state) is the API's; a page only
 * renders what the API answered. The principal travels in the request's environment, which only
 * code in this process can set (a socket request's environment is Node's request and response):
 * no key is kept or re-sent.
 */

/** What `requireApiKey` accepts in place of a bearer key, set only by the console. */
export interface ConsoleCallEnv {
  consolePrincipal: Principal;
}

/** The API app's fetch (Hono's `app.request`). */
export type ApiFetch = (
  input: string,
  init: RequestInit,
  env: ConsoleCallEnv,
) => Response | Promise<Response>;

export interface ApiError {
  code: string;
  message: string;
  requestId?: string;
}

export type ApiAnswer<T> =
  | { ok: true; status: number; body: T; headers: Headers }
  | { ok: false; status: number; error: ApiError; headers: Headers };

export interface CallOptions {
  /** An `Idempotency-Key`: a form posted twice (double click, reload) acts once. */
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

export class ConsoleApi {
  constructor(
    private readonly fetch: ApiFetch,
    readonly principal: Principal,
    private readonly requestId: string,
  ) {}

  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<ApiAnswer<T>> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== '') search.set(k, String(v));
    }
    const qs = search.toString();
    return this.json<T>('GET', qs ? `${path}?${qs}` : path);
  }

  post<T>(path: string, body?: unknown, options?: CallOptions): Promise<ApiAnswer<T>> {
    return this.json<T>('POST', path, body, options);
  }

  put<T>(path: string, body?: unknown, options?: CallOptions): Promise<ApiAnswer<T>> {
    return this.json<T>('PUT', path, body, options);
  }

  patch<T>(path: string, body?: unknown, options?: CallOptions): Promise<ApiAnswer<T>> {
    return this.json<T>('PATCH', path, body, options);
  }

  delete<T>(path: string, options?: CallOptions): Promise<ApiAnswer<T>> {
    return this.json<T>('DELETE', path, undefined, options);
  }

  /** Any request, answered as the API's own Response (downloads, streamed uploads). */
  raw(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
    return Promise.resolve(
      this.fetch(
        path,
        { ...init, headers: { 'x-request-id': this.requestId, ...init.headers } },
        { consolePrincipal: this.principal },
      ),
    );
  }

  private async json<T>(
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const res = await this.raw(path, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok) return { ok: true, status: res.status, body: parsed as T, headers: res.headers };
    const error = (parsed as { error?: ApiError } | undefined)?.error ?? {
      code: 'INTERNAL',
      message: `the API answered ${res.status}`,
    };
    return { ok: false, status: res.status, error, headers: res.headers };
  }
}

/** A fresh idempotency key for a form to carry (`_idem`), so its submission acts once. */
export const newFormKey = (): string => `console-${randomUUID()}`;

/**
 * `VALIDATION_FAILED` names each problem as `path: message`; the console shows each next to its
 * field. Problems on no known field are returned under '' (shown at the top of the form).
 */
export function fieldErrors(error: ApiError, fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const problems = error.code === 'VALIDATION_FAILED' ? error.message.split('; ') : [error.message];
  for (const problem of problems) {
    const m = /^([A-Za-z0-9_.]+): (.*)$/.exec(problem);
    const path = m?.[1];
    const field = path ? fields.find((f) => path === f || path.startsWith(`${f}.`)) : undefined;
    const key = field ?? '';
    const text = field ? (m?.[2] ?? problem) : problem;
    out[key] = out[key] ? `${out[key]}; ${text}` : text;
  }
  return out;
}
