import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  callSeller,
  requestRemoteLicense,
  validateSellerUrl,
  type GetLicenseRequest,
} from '../../../src/license/generator-client.js';
import {
  startSampleGenerator,
  type SampleGenerator,
} from '../../../src/sandbox/sample-generator.js';

const ACCESS_KEY = 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90';
const request: GetLicenseRequest = {
  activity: 'getLicenseAsync',
  orderId: 'CS2411240001',
  instanceId: 'inst-1',
  eventId: 'evt-1',
  deviceFingerprint: '52:54:00:12:34:56|DISK1|BOARD1|CPU1',
  effectiveTime: '20261124000000',
  expireTime: '20271124000000',
  testFlag: '1',
};

let generator: SampleGenerator | undefined;
afterEach(async () => {
  await generator?.close();
  generator = undefined;
});

/** HMAC-SHA256 hex by python3's hmac module: a vector computed outside the code under test. */
function pythonHmacHex(key: string, data: string): string {
  return execFileSync('python3', [
    '-c',
    'import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())',
    key,
    data,
  ])
    .toString()
    .trim();
}

describe('remote generator client', () => {
  it('signs requests exactly as KooGallery §2.4 says (vector computed by python)', async () => {
    let seen: { url: string; body: string } | undefined;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { url: req.url ?? '', body };
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"resultCode":"000000","resultMsg":"ok","license":"L"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      await callSeller(
        {
          url: `http://127.0.0.1:${port}/gen?x=1`,
          accessKey: ACCESS_KEY,
          allowPrivateNetwork: true,
        },
        request,
      );
    } finally {
      server.close();
    }
    const q = new URL(seen!.url, 'http://h').searchParams;
    expect(q.get('x')).toBe('1');
    expect(q.get('timestamp')).toMatch(/^\d{13}$/);
    expect(JSON.parse(seen!.body)).toEqual(request);
    const bodyMac = pythonHmacHex(ACCESS_KEY, seen!.body).toLowerCase();
    const canonical = ACCESS_KEY + q.get('nonce')! + q.get('timestamp')! + bodyMac;
    expect(q.get('signature')).toBe(pythonHmacHex(ACCESS_KEY, canonical).toUpperCase());
  });

  it('gets a license from the sample generator and the same one again for the same eventId', async () => {
    generator = await startSampleGenerator({ accessKey: ACCESS_KEY });
    const endpoint = { url: generator.url, accessKey: ACCESS_KEY, allowPrivateNetwork: true };
    const a = await requestRemoteLicense(endpoint, request);
    const b = await requestRemoteLicense(endpoint, request);
    expect(a.license).toMatch(/^SAMPLE1\./);
    expect(b.license).toBe(a.license);
    expect(a.bodySigned).toBe(true);
  });

  it('is refused by the sample generator when signed with another key', async () => {
    generator = await startSampleGenerator({ accessKey: ACCESS_KEY });
    // The answer is signed with the generator's key, so the client also sees a wrong Body-Sign.
    await expect(
      requestRemoteLicense(
        { url: generator.url, accessKey: 'WRONG', allowPrivateNetwork: true },
        request,
      ),
    ).rejects.toMatchObject({
      code: 'GENERATOR_BAD_SIGNATURE',
    });
    expect(generator.calls[0]?.resultCode).toBe('000001');
  });

  it('reports an injected 000005 as a retryable refusal', async () => {
    generator = await startSampleGenerator({ accessKey: ACCESS_KEY, behaviour: { failNext: 1 } });
    const endpoint = { url: generator.url, accessKey: ACCESS_KEY, allowPrivateNetwork: true };
    await expect(requestRemoteLicense(endpoint, request)).rejects.toMatchObject({
      code: 'GENERATOR_REFUSED',
      retryable: true,
      context: { resultCode: '000005' },
    });
    await expect(requestRemoteLicense(endpoint, request)).resolves.toMatchObject({
      resultCode: '000000',
    });
  });

  it('answers GENERATOR_UNREACHABLE when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(
      callSeller(
        { url: `http://127.0.0.1:${port}/`, accessKey: ACCESS_KEY, allowPrivateNetwork: true },
        request,
      ),
    ).rejects.toMatchObject({
      code: 'GENERATOR_UNREACHABLE',
      retryable: true,
    });
  });

  it('refuses, without connecting, an endpoint on this machine or a private network outside the sandbox', async () => {
    let connections = 0;
    const server = createServer((_req, res) => res.end('{}'));
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(
        callSeller({ url: `http://127.0.0.1:${port}/`, accessKey: ACCESS_KEY }, request),
      ).rejects.toMatchObject({ code: 'GENERATOR_URL_NOT_HTTPS' });
      for (const host of ['127.0.0.1', 'localhost', '[::1]', '[::ffff:127.0.0.1]', '10.0.0.7']) {
        await expect(
          callSeller({ url: `https://${host}:${port}/`, accessKey: ACCESS_KEY }, request),
        ).rejects.toMatchObject({ code: 'GENERATOR_URL_FORBIDDEN' });
      }
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('refuses plain HTTP off loopback and URLs with credentials', () => {
    expect(() => validateSellerUrl('http://seller.example.com/gen')).toThrow(
      expect.objectContaining({ code: 'GENERATOR_URL_NOT_HTTPS' }),
    );
    expect(() => validateSellerUrl('https://u:p@seller.example.com/')).toThrow(
      expect.objectContaining({ code: 'GENERATOR_URL_INVALID' }),
    );
    expect(() => validateSellerUrl('not a url')).toThrow(
      expect.objectContaining({ code: 'GENERATOR_URL_INVALID' }),
    );
    expect(validateSellerUrl('https://seller.example.com/gen').host).toBe('seller.example.com');
  });
});
