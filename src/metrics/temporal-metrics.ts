import type { MetricsExporterConfig } from '@temporalio/worker';

/**
 * The Temporal SDK's own metrics (worker task slots used and available, poll and task latencies,
 * sticky cache) come from its Core runtime, which serves them in Prometheus text on a port of its
 * own. OneClick keeps that port on loopback and appends its text to every `/metrics` scrape, so a
 * node is one scrape target; the SDK's names (`temporal_worker_task_slots_used`, …) are kept.
 */

/** How long a scrape waits for the SDK's exporter before answering without its metrics. */
const FETCH_TIMEOUT_MS = 2_000;

/** The runtime's Prometheus exporter on `bindAddress`, with Prometheus's naming conventions. */
export function temporalPrometheusExporter(bindAddress: string): MetricsExporterConfig {
  return {
    prometheus: {
      bindAddress,
      // Seconds and `_total`, as OneClick's own metrics and Prometheus's guidelines have them.
      useSecondsForDurations: true,
      countersTotalSuffix: true,
      unitSuffix: true,
    },
  };
}

/**
 * The SDK's metrics text from `url`; when it cannot be read, a comment saying why, so the scrape
 * still answers with OneClick's own metrics.
 */
export async function fetchTemporalMetrics(
  url: string,
  timeoutMs = FETCH_TIMEOUT_MS,
): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.text();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return `# Temporal SDK metrics unavailable (${url}): ${why.replace(/\s+/g, ' ')}\n`;
  }
}
