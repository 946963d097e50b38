import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodySignHeader, verifyKoogallerySignature } from '../marketplace/signing.js';

/**
 * The sample seller's remote license generator: a real HTTP server that speaks KooGallery's
 * contract the way a conforming seller would (checks the query signature, the 60 s timestamp
 * window and nonces; answers getLicenseAsync idempotently per eventId; signs answers with
 * Body-Sign; accepts the License 2.0 lifecycle calls). For the demo and the tests, its behaviour
 * can be switched to the ways real generators go wrong.
 */
export interface SampleGeneratorBehaviour {
  /** Same eventId gives the same license (true) or a fresh one each call. */
  idempotent: boolean;
  /** Delay before answering. */
  delayMs: number;
  /** Body-Sign on answers: valid, absent or wrong. */
  signAnswers: 'valid' | 'none' | 'wrong';
  /** The next N calls answer 000005 with HTTP 500 (then normal service resumes). */
  failNext: number;
  /** Whether the request signature is checked. */
  checkSignature: boolean;
}

export interface RecordedCall {
  activity: string;
  body: Record<string, unknown>;
  resultCode: string;
  at: Date;
}

export interface SampleGenerator {
  url: string;
  calls: RecordedCall[];
  behaviour: SampleGeneratorBehaviour;
  setBehaviour(change: Partial<SampleGeneratorBehaviour>): void;
  close(): Promise<void>;
}

const DEFAULTS: SampleGeneratorBehaviour = {
  idempotent: true,
  delayMs: 0,
  signAnswers: 'valid',
  failNext: 0,
  checkSignature: true,
};
const WINDOW_MS = 60_000;
const MAX_BODY = 64 * 1024;

/** Starts the sample generator on loopback; `url` is the endpoint to register. */
export async function startSampleGenerator(options: {
  accessKey: string;
  port?: number;
  host?: string;
  behaviour?: Partial<SampleGeneratorBehaviour>;
}): Promise<SampleGenerator> {
  const { accessKey } = options;
  const behaviour: SampleGeneratorBehaviour = { ...DEFAULTS, ...options.behaviour };
  const calls: RecordedCall[] = [];
  const byEvent = new Map<string, string>();
  const nonces = new Map<string, number>();

  const answer = (res: ServerResponse, status: number, payload: Record<string, unknown>) => {
    const raw = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (behaviour.signAnswers === 'valid') headers['Body-Sign'] = bodySignHeader(accessKey, raw);
    if (behaviour.signAnswers === 'wrong')
      headers['Body-Sign'] = bodySignHeader(`${accessKey}x`, raw);
    res.writeHead(status, headers).end(raw);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    if (behaviour.delayMs > 0) await new Promise((r) => setTimeout(r, behaviour.delayMs));
    const url = new URL(req.url ?? '/', 'http://sample');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw ?? '') as Record<string, unknown>;
    } catch {
      body = {};
    }
    const activity = typeof body.activity === 'string' ? body.activity : '';
    const record = (resultCode: string) =>
      calls.push({ activity, body, resultCode, at: new Date() });

    if (req.method !== 'POST' || raw === undefined) {
      record('000002');
      return answer(res, 400, { resultCode: '000002', resultMsg: 'POST a JSON body under 64 KB' });
    }
    if (behaviour.checkSignature) {
      const signature = url.searchParams.get('signature') ?? '';
      const timestamp = url.searchParams.get('timestamp') ?? '';
      const nonce = url.searchParams.get('nonce') ?? '';
      const now = Date.now();
      for (const [n, at] of nonces) if (now - at > 2 * WINDOW_MS) nonces.delete(n);
      const fresh = Math.abs(now - Number(timestamp)) <= WINDOW_MS;
      const valid = verifyKoogallerySignature({
        accessKey,
        body: raw,
        timestamp,
        nonce,
        signature,
      });
      if (!fresh || !valid || nonce === '' || nonces.has(nonce)) {
        record('000001');
        return answer(res, 200, { resultCode: '000001', resultMsg: 'authentication failed' });
      }
      nonces.set(nonce, now);
    }
    if (behaviour.failNext > 0) {
      behaviour.failNext--;
      record('000005');
      return answer(res, 500, { resultCode: '000005', resultMsg: 'internal error (injected)' });
    }
    switch (activity) {
      case 'getLicenseAsync': {
        const eventId = typeof body.eventId === 'string' ? body.eventId : '';
        const fp = typeof body.deviceFingerprint === 'string' ? body.deviceFingerprint : '';
        if (!eventId) {
          record('000002');
          return answer(res, 200, { resultCode: '000002', resultMsg: 'eventId is required' });
        }
        if (!fp) {
          record('000903');
          return answer(res, 200, { resultCode: '000903', resultMsg: 'fingerprint missing' });
        }
        let license = behaviour.idempotent ? byEvent.get(eventId) : undefined;
        if (!license) {
          license = makeLicense(accessKey, body);
          byEvent.set(eventId, license);
        }
        record('000000');
        return answer(res, 200, {
          resultCode: '000000',
          resultMsg: 'success.',
          license,
          instanceId: typeof body.instanceId === 'string' ? body.instanceId : randomUUID(),
        });
      }
      case 'refreshLicenseCode':
      case 'updateLicenseCodeStatus':
      case 'releaseLicenseCode':
        record('000000');
        return answer(res, 200, { resultCode: '000000', resultMsg: 'success.' });
      default:
        record('000002');
        return answer(res, 200, { resultCode: '000002', resultMsg: 'unknown activity' });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/license`,
    calls,
    behaviour,
    setBehaviour: (change) => Object.assign(behaviour, change),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The sample seller's own license format: its fields plus an HMAC under its access key. */
function makeLicense(accessKey: string, body: Record<string, unknown>): string {
  const data = Buffer.from(
    JSON.stringify({
      order: body.orderId,
      fp: body.deviceFingerprint,
      exp: body.expireTime,
      serial: randomUUID(),
    }),
  ).toString('base64url');
  const mac = createHmac('sha256', accessKey).update(data).digest('base64url');
  return `SAMPLE1.${data}.${mac}`;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
