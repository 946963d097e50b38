import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Field names whose values are secrets wherever they appear. Redaction happens here, at the
 * logger, so a call site that logs a whole object cannot leak one.
 */
export const SECRET_FIELDS = [
  'password',
  'adminPass',
  'rootPassword',
  'privateKey',
  'secretKey',
  'sk',
  'apiKey',
  'accessKey',
  'authorization',
  'token',
  'masterKey',
  'secret',
  'license',
  'licenseCode',
  'signature',
] as const;

const redactPaths = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]).concat([
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
]);

/** Builds the process logger: JSON lines, secrets redacted at the source. */
export function createLogger(
  level: LoggerOptions['level'] = 'info',
  destination?: NodeJS.WritableStream,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'oneclick' },
    redact: { paths: redactPaths, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
