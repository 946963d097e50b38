import { connect, type AddressInfo } from 'node:net';
import type { ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApi } from '../../../src/api/server.js';
import { startTestApp, type TestApp } from '../../helpers/api.js';

/** Sends raw bytes and reads the whole answer (the server closes the connection). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

function parse(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return {
    status: Number(head.split(' ')[1]),
    head,
    body: JSON.parse(body) as { error: { code: string; message: string; requestId: string } },
  };
}

describe('the HTTP server', () => {
  let t: TestApp;
  let server: ServerType;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp();
    server = await serveApi({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('answers 431 HEADERS_TOO_LARGE in the error envelope for an oversized header section', async () => {
    const a = parse(
      await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(a.status).toBe(431);
    expect(a.head).toMatch(/content-type: application\/json/i);
    expect(a.body.error.code).toBe('HEADERS_TOO_LARGE');
    expect(a.head).toContain(`X-Request-Id: ${a.body.error.requestId}`);
  });

  it('answers 431 for a request line longer than the header limit too', async () => {
    const a = parse(
      await raw(port, `GET /v1/orders?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    );
    expect([a.status, a.body.error.code]).toEqual([431, 'HEADERS_TOO_LARGE']);
  });

  it('answers 400 in the envelope for a request that is not HTTP', async () => {
    const a = parse(await raw(port, 'NOT HTTP AT ALL\r\n\r\n'));
    expect(a.status).toBe(400);
    expect(a.body.error.code).toBe('BAD_REQUEST');
  });

  it('still answers ordinary requests', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
    expect(res.status).toBe(200);
  });
});
