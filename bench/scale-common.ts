// Helpers of bench/scale-deployments.ts: OneClick's own processes started as a user starts them
// (`oneclick sandbox|migrate|api|worker`), stopped in order, and sampled from /proc; a JSON API
// client; and a few statistics.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
// util-linux: the kernel sends the child SIGTERM when this process dies, even by SIGKILL, so a
// killed bench still stops its sandbox (which then removes its hosts) and its OneClick processes.
const SETPRIV = '/usr/bin/setpriv';

/** A `oneclick <command>` process with its output kept (the last 200 kB). */
export interface OneClickChild {
  name: string;
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `oneclick <args>`: Node runs the CLI itself (tsx as a loader), so the pid is OneClick's. */
export function startOneClick(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onExit?: (name: string, code: number | null) => void,
): OneClickChild {
  const node = [process.execPath, '--import', 'tsx', 'src/cli.ts', ...args];
  const [command, commandArgs] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'SIGTERM', '--', ...node]]
    : [node[0]!, node.slice(1)];
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      onExit?.(name, code);
      resolve(code);
    }),
  );
  return { name, child, pid: child.pid!, output: () => out, exited };
}

/** Waits until the process printed `marker` (its banner's last line); fails if it exits first. */
export async function waitForOutput(p: OneClickChild, marker: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!p.output().includes(marker)) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      throw new Error(
        `${p.name} exited (${p.child.exitCode ?? p.child.signalCode}):\n${p.output()}`,
      );
    }
    if (Date.now() > deadline) throw new Error(`${p.name} did not start:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The value after `label` on a banner line. */
export function bannerValue(banner: string, label: RegExp): string {
  const m = label.exec(banner);
  if (!m?.[1]) throw new Error(`no ${String(label)} in:\n${banner}`);
  return m[1];
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(p: OneClickChild, graceMs: number): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

/** VmHWM (peak RSS) and VmRSS of a process, in bytes; undefined once it is gone. */
export function memoryOf(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { hwm: kb('VmHWM') * 1024, rss: kb('VmRSS') * 1024 };
  } catch {
    return undefined;
  }
}

/** A JSON API call with a bearer key; throws with the answer on a status >= 300. */
export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  pathAndQuery: string,
  key?: string,
  body?: unknown,
): Promise<T> {
  const binary = body instanceof Uint8Array;
  const res = await fetch(`${base}${pathAndQuery}`, {
    method,
    headers: {
      ...(key !== undefined && { authorization: `Bearer ${key}` }),
      ...(body !== undefined && {
        'content-type': binary ? 'application/octet-stream' : 'application/json',
      }),
    },
    body: binary ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300)
    throw new Error(`${method} ${pathAndQuery} answered ${res.status}: ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Runs `fn` over `items`, at most `limit` at a time, answering in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** The p-th percentile (nearest rank) of `xs`; 0 for none. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** One sample of Prometheus text: each series (`name{labels}`) and its value. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    for (const line of (await res.text()).split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const space = line.lastIndexOf(' ');
      const value = Number(line.slice(space + 1));
      if (Number.isFinite(value)) out.set(line.slice(0, space), value);
    }
  } catch {
    // A worker busy past the timeout: this sample is missed, the next one counts.
  }
  return out;
}

/**
 * The Temporal worker's task slots over a run, from the SDK's own metrics: the fewest available
 * and the most used seen per worker type (WorkflowWorker, ActivityWorker, LocalActivityWorker);
 * and the process's event-loop delay.
 */
export class SlotWatch {
  readonly minAvailable = new Map<string, number>();
  readonly maxUsed = new Map<string, number>();
  /** The worst event-loop delay p99 of the process over any 2 s between samples (seconds). */
  maxLoopLagP99 = 0;

  note(sample: Map<string, number>): void {
    for (const [series, value] of sample) {
      if (series === 'oneclick_nodejs_eventloop_lag_p99_seconds') {
        this.maxLoopLagP99 = Math.max(this.maxLoopLagP99, value);
      }
      const m = /^temporal_worker_task_slots_(available|used)\{.*worker_type="(\w+)"/.exec(series);
      if (!m) continue;
      const [, kind, type] = m as unknown as [string, string, string];
      if (kind === 'available') {
        this.minAvailable.set(type, Math.min(this.minAvailable.get(type) ?? value, value));
      } else this.maxUsed.set(type, Math.max(this.maxUsed.get(type) ?? value, value));
    }
  }
}

/** Mean of a histogram over a run: (sum, count) at its end minus at its start, over all series. */
export function histogramMean(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
): number | undefined {
  const total = (sample: Map<string, number>, suffix: string) =>
    [...sample]
      .filter(([series]) => series.startsWith(`${name}_${suffix}`))
      .reduce((s, [, v]) => s + v, 0);
  const count = total(after, 'count') - total(before, 'count');
  return count > 0 ? (total(after, 'sum') - total(before, 'sum')) / count : undefined;
}
