import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isAppError } from '../errors.js';
import { verifyingKeyFromJwk, type VerifyingKey } from './keys.js';
import { checkLicense } from './license-document.js';
import { verifyRevocationList } from './revocation-list.js';

/**
 * `oneclick license verify <file> --jwks <url|file> [--revocations <url|file>] [--fingerprint FP]`
 * Verifies a License 1.0 file offline (or against fetched keys): signature, validity window,
 * revocation (when a list is given; the list itself must verify and be current) and machine.
 * Exit codes: 0 valid, 1 not valid, 2 usage or input error.
 */
export interface VerifyCliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Reads URLs; injectable for tests. */
  fetchText?: (url: string) => Promise<string>;
  now?: () => Date;
}

export const VERIFY_USAGE =
  'usage: oneclick license verify <license-file> --jwks <url|file> [--revocations <url|file>] [--fingerprint <MAC|disk|board|cpu>] [--json]';

/** Runs the command; returns the exit code. */
export async function runLicenseVerify(argv: string[], io: VerifyCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        jwks: { type: 'string' },
        revocations: { type: 'string' },
        fingerprint: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n${VERIFY_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !values.jwks) {
    io.stderr(VERIFY_USAGE);
    return 2;
  }
  const fetchText = io.fetchText ?? defaultFetch;
  const load = (source: string) =>
    /^https?:\/\//.test(source) ? fetchText(source) : readFile(source, 'utf8');
  const now = io.now?.() ?? new Date();
  try {
    const token = (await load(positionals[0] as string)).trim();
    const keys = parseJwks(await load(values.jwks));
    let revoked: Set<string> | undefined;
    if (values.revocations) {
      revoked = verifyRevocationList((await load(values.revocations)).trim(), keys, now).revoked;
    }
    const result = checkLicense(token, keys, {
      now,
      ...(revoked ? { revoked } : {}),
      ...(values.fingerprint ? { fingerprint: values.fingerprint } : {}),
    });
    if (values.json) {
      io.stdout(JSON.stringify(result));
    } else if (result.valid) {
      const c = result.claims;
      io.stdout(
        [
          `VALID  license ${c.jti} (kid ${result.kid})`,
          `  order ${c.sub} / ${c.orderLineId}, product ${c.productId}${c.sku ? `, SKU ${c.sku}` : ''}`,
          `  machine ${c.fingerprint}`,
          `  valid ${new Date(c.nbf * 1000).toISOString()} to ${new Date(c.exp * 1000).toISOString()}`,
          `  source ${c.source}${revoked ? ', not revoked' : ', revocation not checked (no --revocations)'}`,
        ].join('\n'),
      );
    } else {
      io.stdout(`INVALID  ${result.problem}: ${result.message}`);
    }
    return result.valid ? 0 : 1;
  } catch (err) {
    const code = isAppError(err) ? err.code : 'ERROR';
    io.stderr(`${code}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}

function parseJwks(text: string): VerifyingKey[] {
  const doc = JSON.parse(text) as { keys?: unknown };
  if (!Array.isArray(doc.keys)) throw new Error('the JWKS has no keys array');
  // Keys of other algorithms may share a JWKS; OneClick licenses only use its three.
  return doc.keys.flatMap((jwk) => {
    try {
      return [verifyingKeyFromJwk(jwk as Parameters<typeof verifyingKeyFromJwk>[0])];
    } catch {
      return [];
    }
  });
}

async function defaultFetch(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.text();
}
