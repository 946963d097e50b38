import type { DeploymentView, LiveView, OrderView } from './types.js';

/** Pure helpers of the buyer's pages: numbers, times and the API's answers read defensively. */

export const BASE = '/console/buyer';
export const ordersPath = `${BASE}/orders`;
export const orderPath = (id: string) => `${ordersPath}/${encodeURIComponent(id)}`;
export const apiOrder = (id: string) => `/v1/orders/${encodeURIComponent(id)}`;

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
/** Whether a deployment state is an end (nothing will change it any more). */
export const isFinishedState = (state: string): boolean => FINISHED.has(state);

/** Bytes as MiB with one decimal (`12.5`). */
export const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);

/** An ISO time as `2026-12-04 13:16 UTC` (the same on every node and in every test). */
export function utcText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;

/** The running activity's heartbeat: the push's bytes and rate, the installer's output tail. */
export interface LiveActivity {
  step: string | undefined;
  bytesSent?: number;
  totalBytes?: number;
  bytesPerSecond?: number;
  outputTail?: string;
  at?: string;
}

/**
 * The heartbeat fields of `live`, wherever they sit (beside the progress, or nested under their
 * own `live`), keeping only values of the right type; undefined when there are none.
 */
export function liveActivity(live: LiveView | undefined): LiveActivity | undefined {
  if (!live || typeof live !== 'object') return undefined;
  const nested = live.live;
  const src = (nested && typeof nested === 'object' ? nested : live) as Record<string, unknown>;
  const bytesSent = count(src.bytesSent);
  const totalBytes = count(src.totalBytes);
  const bytesPerSecond = count(src.bytesPerSecond);
  const outputTail = typeof src.outputTail === 'string' ? src.outputTail : undefined;
  if (bytesSent === undefined && outputTail === undefined) return undefined;
  return {
    step: typeof src.step === 'string' ? src.step : undefined,
    ...(bytesSent !== undefined && { bytesSent }),
    ...(totalBytes !== undefined && { totalBytes }),
    ...(bytesPerSecond !== undefined && { bytesPerSecond }),
    ...(outputTail !== undefined && { outputTail }),
    ...(typeof src.at === 'string' && { at: src.at }),
  };
}

/** The deployment's state: the workflow's own when it answered, else the database's. */
export const stateOf = (d: DeploymentView): string =>
  isFinishedState(d.state) ? d.state : (d.live?.state ?? d.state);

/** What the deployment waits for from the buyer (`hardwareId`), if anything. */
export const awaitingOf = (d: DeploymentView): string | undefined =>
  !isFinishedState(stateOf(d)) && typeof d.live?.awaiting === 'string'
    ? d.live.awaiting
    : undefined;

/** The product's name when the API gives it, else its id. */
export const productName = (o: OrderView): string =>
  typeof o.product?.name === 'string' && o.product.name ? o.product.name : o.productId;

/** The ports the product opens, when the API gives them (undefined: not known here). */
export function productPorts(o: OrderView): number[] | undefined {
  const ports = o.product?.ports;
  if (!Array.isArray(ports)) return undefined;
  return ports
    .map((p: unknown) =>
      typeof p === 'number' ? p : typeof p === 'object' && p ? (p as { port?: unknown }).port : p,
    )
    .filter((p): p is number => typeof p === 'number' && Number.isInteger(p));
}

/** The supervision states in which an order is still to be delivered (Start Deployment). */
const UNDELIVERED: Record<string, string> = {
  license2: 'awaiting_delivery',
  license1: 'awaiting_hardware_id',
};

/** Whether the order is paid, active and not delivered yet: OneClick may deploy it. */
export const awaitsDelivery = (o: OrderView): boolean =>
  o.status === 'active' && UNDELIVERED[o.supervision.licenseModel] === o.supervision.state;

/**
 * What the order offers its buyer: Start Deployment (undelivered, no deployment running or
 * done), the running deployment, or nothing. `latest` is the newest deployment's state.
 */
export function deployAction(
  o: OrderView,
  latest: string | undefined,
): 'start' | 'running' | 'none' {
  if (latest !== undefined && !isFinishedState(latest)) return 'running';
  if (!awaitsDelivery(o)) return 'none';
  return latest === 'succeeded' ? 'none' : 'start';
}
