/**
 * The load generator of bench/license-activate-load.ts, in its own process so that autocannon and
 * the request signing do not share an event loop (or a core) with the server being measured.
 * Reads its job as JSON on stdin, prints autocannon's result as JSON on stdout.
 */
import { createRequire } from 'node:module';
import { signRequest } from '../src/signing/sdk-hmac-sha256.js';

interface Job {
  url: string;
  host: string;
  path: string;
  rate: number;
  seconds: number;
  connections: number;
  /** Codes to send, one per request, in order; absent: a constant body. */
  codes?: string[];
  credentials?: { ak: string; sk: string };
}
interface Request {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<Record<string, unknown>>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

let input = '';
for await (const chunk of process.stdin) input += String(chunk);
const job = JSON.parse(input) as Job;
let i = 0;
const result = await autocannon({
  url: job.url,
  connections: job.connections,
  overallRate: job.rate,
  duration: job.seconds,
  requests: [
    {
      setupRequest: (req: Request): Request => {
        const code = job.codes ? job.codes[i++ % job.codes.length] : 'PL-0000000-0000000-0000000';
        const body = JSON.stringify({ license: code });
        const base = { 'content-type': 'application/json' };
        const headers = job.credentials
          ? signRequest(
              { method: 'POST', rawPath: job.path, query: '', headers: base, body, host: job.host },
              job.credentials,
            )
          : base;
        return { ...req, method: 'POST', path: job.path, headers, body };
      },
    },
  ],
});
process.stdout.write(JSON.stringify({ ...result, sent: i }));
