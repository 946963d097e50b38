import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Field names whose values are secrets wherever they appear, compared without case, `-` or `_`
 * (`adminPassword`, `admin_password`, `X-Api-Key` ...). Redaction happens here, at the logger, so
 * a call site that logs a whole object cannot leak one.
 */
export const SECRET_FIELDS = [
  'password',
  'adminPass',
  'adminPassword',
  'rootPassword',
  'passphrase',
  'privateKey',
  'pem',
  'pkcs12Base64',
  'secretKey',
  'secretAccessKey',
  'sk',
  'apiKey',
  'xApiKey',
  'accessKey',
  'authorization',
  'proxyAuthorization',
  'cookie',
  'setCookie',
  'token',
  'masterKey',
  'secret',
  'sealed',
  'license',
  'licenseCode',
  'authCode',
  'signature',
] as const;

/** Any field whose normalized name ends with one of these is a secret too (`newPassword`). */
const SECRET_SUFFIXES = ['password', 'passphrase', 'privatekey', 'secretkey', 'secret', 'token'];

/**
 * Installer and verify output can hold anything the seller's script prints (passwords,
 * license keys): such fields are logged as their length only.
 */
export const OUTPUT_FIELDS = ['tail', 'logTail', 'output', 'stdout', 'stderr'] as const;

/** Error codes (or Temporal failure types) whose message carries command output after line 1. */
const OUTPUT_ERROR_CODES = new Set(['COMMAND_FAILED', 'COMMAND_TIMEOUT']);

export const REDACTED = '[REDACTED]';
const MAX_DEPTH = 12;

const normalize = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
const secretNames = new Set<string>(SECRET_FIELDS.map(normalize));
const outputNames = new Set<string>(OUTPUT_FIELDS.map(normalize));

function isSecretName(name: string): boolean {
  const n = normalize(name);
  return secretNames.has(n) || SECRET_SUFFIXES.some((s) => n.endsWith(s));
}

const outputSummary = (value: unknown) =>
  typeof value === 'string' ? `[output: ${value.length} chars]` : REDACTED;

/** Every command-output string found in an error chain's contexts, to scrub from its messages. */
function outputsIn(err: unknown, seen = new Set<unknown>()): string[] {
  if (!(err instanceof Error) || seen.has(err)) return [];
  seen.add(err);
  const found: string[] = [];
  const context = (err as { context?: unknown }).context;
  if (context && typeof context === 'object') {
    for (const [k, v] of Object.entries(context)) {
      if (outputNames.has(normalize(k)) && typeof v === 'string' && v !== '') found.push(v);
    }
  }
  return found.concat(outputsIn(err.cause, seen));
}

/** The message without command output: tails named in the chain, and lines after the first. */
function scrubMessage(text: string, err: Error, outputs: string[]): string {
  let out = text;
  for (const o of outputs) out = out.split(o).join(outputSummary(o));
  const code = (err as { code?: unknown }).code ?? (err as { type?: unknown }).type;
  if (typeof code === 'string' && OUTPUT_ERROR_CODES.has(code)) {
    const nl = out.indexOf('\n');
    if (nl >= 0) out = `${out.slice(0, nl)} ${outputSummary(out.slice(nl + 1))}`;
  }
  return out;
}

function serializeError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const outputs = outputsIn(err);
  const message = scrubMessage(err.message, err, outputs);
  const out: Record<string, unknown> = { type: err.name, message };
  if (err.stack) {
    const frames = err.stack.split('\n').filter((l) => /^\s+at /.test(l));
    out.stack = [`${err.name}: ${message}`, ...frames].join('\n');
  }
  for (const [k, v] of Object.entries(err)) {
    if (k === 'options') continue; // AppError keeps context and cause here; both are below
    out[k] = sanitizeField(k, v, depth + 1, seen);
  }
  const context = (err as { context?: unknown }).context;
  if (context !== undefined) out.context = sanitizeField('context', context, depth + 1, seen);
  if (err.cause !== undefined) out.cause = sanitize(err.cause, depth + 1, seen);
  return out;
}

function sanitizeField(key: string, value: unknown, depth: number, seen: WeakSet<object>) {
  if (value === undefined || value === null) return value;
  if (isSecretName(key)) return REDACTED;
  if (outputNames.has(normalize(key))) return outputSummary(value);
  return sanitize(value, depth, seen);
}

/** A copy of a log object with secrets redacted and command output reduced to its length. */
export function sanitize(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) return serializeError(value, depth, seen);
  if (Array.isArray(value)) return value.map((v) => sanitize(v, depth + 1, seen));
  if (value instanceof Date || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
  if (value instanceof Map) {
    return Object.fromEntries(
      [...value].map(([k, v]) => [String(k), sanitizeField(String(k), v, depth + 1, seen)]),
    );
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = sanitizeField(k, v, depth + 1, seen);
  return out;
}

/** Builds the process logger: JSON lines, secrets redacted at the source, at any depth. */
export function createLogger(
  level: LoggerOptions['level'] = 'info',
  destination?: NodeJS.WritableStream,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'oneclick' },
    // Every logged object (and child bindings) goes through sanitize before pino serializes it.
    formatters: {
      log: (obj) => sanitize(obj) as Record<string, unknown>,
      bindings: (b) => sanitize(b) as Record<string, unknown>,
    },
    hooks: {
      // pino takes the line's message from an error logged without one; take it scrubbed.
      logMethod(args, method) {
        const [first, second] = args as unknown[];
        const err =
          first instanceof Error ? first : (first as { err?: unknown } | null | undefined)?.err;
        if (err instanceof Error && typeof second !== 'string') {
          const { message } = sanitize(err) as { message: string };
          const obj = first instanceof Error ? { err } : (first as object);
          return method.apply(this, [obj, message, ...args.slice(1)] as never);
        }
        return method.apply(this, args);
      },
    },
    // Child bindings skip the log formatter; pino's own redaction covers their top level.
    redact: { paths: [...SECRET_FIELDS], censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
