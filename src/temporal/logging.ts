import {
  Runtime,
  makeTelemetryFilterString,
  type LogLevel,
  type LogMetadata,
  type RuntimeOptions,
} from '@temporalio/worker';
import type { Logger } from '../logger.js';
import { temporalPrometheusExporter } from '../metrics/temporal-metrics.js';

/** What the installed runtime exports: the URL of its Prometheus text, when it serves one. */
export interface TemporalTelemetry {
  prometheusUrl?: string;
}

let installed: TemporalTelemetry | undefined;

/**
 * Routes the Temporal SDK's and Core's logs into our pino logger (one sink, one redaction),
 * and leaves signal handling to OneClick. With `prometheusPort`, Core also serves its metrics
 * (worker slots, poll and task latencies) on that loopback port, for `/metrics` to append.
 * The runtime can be installed once per process; later calls return what the first installed.
 */
export function installTemporalLogging(
  logger: Logger,
  options: { prometheusPort?: number } = {},
): TemporalTelemetry {
  if (installed) return installed;
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
  const runtimeOptions = {
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
  } satisfies RuntimeOptions;
  if (options.prometheusPort !== undefined) {
    const bindAddress = `127.0.0.1:${options.prometheusPort}`;
    try {
      Runtime.install({
        ...runtimeOptions,
        telemetryOptions: {
          ...runtimeOptions.telemetryOptions,
          metrics: temporalPrometheusExporter(bindAddress),
        },
      });
      return (installed = { prometheusUrl: `http://${bindAddress}/metrics` });
    } catch (err) {
      // The port was taken between picking and binding: the worker runs, without SDK metrics.
      log.warn({ err, bindAddress }, 'Temporal SDK metrics not exported');
    }
  }
  Runtime.install(runtimeOptions);
  return (installed = {});
}
