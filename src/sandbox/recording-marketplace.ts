import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyKoogallerySignature } from '../marketplace/signing.js';

/**
 * The sandbox's stand-in for KooGallery's service-supervision endpoint: it checks each report's
 * signature the KooGallery way, keeps every report it accepted (a resend with a report id it has
 * is acknowledged again and counted, never stored twice), and can be taken down to show that
 * nothing is lost. `GET /reports` lists what it received; `PUT /down` with `true`/`false`.
 */
export interface RecordedReport {
  reportId: string;
  sequence: number;
  orderId: string;
  state: string;
  body: Record<string, unknown>;
  /** How many times it arrived (more than 1: a resend after a lost acknowledgement). */
  deliveries: number;
  /** The first delivery as it came: raw body and signature parameters, for independent checks. */
  raw: string;
  signature: { signature: string; timestamp: string; nonce: string };
}

export interface RecordingMarketplace {
  url: string;
  reports(): RecordedReport[];
  setDown(down: boolean): void;
  /** Requests refused for a bad signature. */
  refused(): number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1024 * 1024) req.destroy(new Error('too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startRecordingMarketplace(opts: {
  accessKey: string;
  host?: string;
  port?: number;
}): Promise<RecordingMarketplace> {
  const received = new Map<string, RecordedReport>();
  let down = false;
  let refused = 0;
  const server: Server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/reports') {
        return answer(200, { reports: [...received.values()] });
      }
      if (req.method === 'PUT' && url.pathname === '/down') {
        down = (await readBody(req)).trim() === 'true';
        return answer(200, { down });
      }
      if (req.method !== 'POST' || url.pathname !== '/supervision') {
        return answer(404, { error: 'not found' });
      }
      const raw = await readBody(req);
      if (down) return answer(503, { error: 'the marketplace is down' });
      const q = url.searchParams;
      const ok = verifyKoogallerySignature({
        accessKey: opts.accessKey,
        body: raw,
        timestamp: q.get('timestamp') ?? '',
        nonce: q.get('nonce') ?? '',
        signature: q.get('signature') ?? '',
      });
      if (!ok) {
        refused++;
        return answer(401, { error: 'bad signature' });
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      const reportId = String(body.reportId);
      const seen = received.get(reportId);
      if (seen) seen.deliveries++;
      else {
        received.set(reportId, {
          reportId,
          sequence: Number(body.sequence),
          orderId: String(body.orderId),
          state: String(body.state),
          body,
          deliveries: 1,
          raw,
          signature: {
            signature: q.get('signature') ?? '',
            timestamp: q.get('timestamp') ?? '',
            nonce: q.get('nonce') ?? '',
          },
        });
      }
      return answer(200, { resultCode: '000000', reportId });
    })().catch(() => answer(400, { error: 'bad request' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}/supervision`,
    reports: () => [...received.values()].sort((a, b) => a.sequence - b.sequence),
    setDown: (d) => {
      down = d;
    },
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
