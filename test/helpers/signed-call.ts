import { request } from 'node:http';
import { signRequest } from '../../src/signing/sdk-hmac-sha256.js';

/** AK/SK, plus the security token that temporary (agency) credentials need. */
export interface CallKeys {
  ak: string;
  sk: string;
  securityToken?: string;
}

/** The status and parsed body; `T` is what the caller expects of a successful answer. */
export interface CallAnswer<T = unknown> {
  status: number;
  body: T;
}

/**
 * One signed HTTP call to the sandbox cloud, signed as the Huawei SDKs sign (SDK-HMAC-SHA256,
 * X-Security-Token signed too), for APIs with no SDK package here (EIP) and for wire-level checks.
 */
export function signedCall<T = unknown>(
  endpoint: string,
  keys: CallKeys,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<CallAnswer<T>> {
  const url = new URL(pathAndQuery, endpoint);
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
  if (keys.securityToken !== undefined) headers['X-Security-Token'] = keys.securityToken;
  const signed = signRequest(
    {
      method,
      rawPath: url.pathname,
      query: url.search.slice(1),
      headers,
      body: text,
      host: url.host,
    },
    keys,
  );
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: signed }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body = (raw === '' ? undefined : JSON.parse(raw)) as T;
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text === '' ? undefined : text);
  });
}

/** An unsigned call to the sandbox's own admin routes (`/_sandbox/...`). */
export async function adminCall<T = unknown>(
  endpoint: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<CallAnswer<T>> {
  const res = await fetch(new URL(path, endpoint), {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const raw = await res.text();
  return { status: res.status, body: (raw === '' ? undefined : JSON.parse(raw)) as T };
}
