import {
  Runtime,
  makeTelemetryFilterString,
  type LogLevel,
  type LogMetadata,
} from '@temporalio/worker';
import type { Logger } from '../logger.js';

let installed = false;

/**
 * Routes the Temporal SDK's and Core's logs into our pino logger (one sink, one redaction),
 * and leaves signal handling to OneClick.
 * The runtime can be installed once per process; later calls are no-ops.
 */
export function installTemporalLogging(logger: Logger): void {
  if (installed) return;
  installed = true;
  const log = logger.child({ component: 'temporal' });
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    // Webpack's bundle report is a page of text at INFO; keep it for debugging only.
    const pinoLevel = message.startsWith('asset ') ? 'debug' : levels[level];
    log[pinoLevel](meta ?? {}, message);
  };
  Runtime.install({
    // OneClick handles SIGINT/SIGTERM itself and drains the worker in order.
    shutdownSignals: [],
    logger: {
      log: write,
      trace: (m, meta) => write('TRACE', m, meta),
      debug: (m, meta) => write('DEBUG', m, meta),
      info: (m, meta) => write('INFO', m, meta),
      warn: (m, meta) => write('WARN', m, meta),
      error: (m, meta) => write('ERROR', m, meta),
    },
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
    },
  });
}
