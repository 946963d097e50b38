/**
 * The load generator of bench/console-pages.ts, in its own process so autocannon does not share
 * an event loop (or a core) with the server it measures. Reads its job as JSON on stdin (GETs of
 * one path with fixed headers), prints autocannon's result as JSON on stdout.
 */
import { createRequire } from 'node:module';

interface Job {
  url: string;
  path: string;
  headers: Record<string, string>;
  seconds: number;
  connections: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<Record<string, unknown>>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

let input = '';
for await (const chunk of process.stdin) input += String(chunk);
const job = JSON.parse(input) as Job;
const result = await autocannon({
  url: `${job.url}${job.path}`,
  connections: job.connections,
  duration: job.seconds,
  headers: job.headers,
});
process.stdout.write(JSON.stringify(result));
