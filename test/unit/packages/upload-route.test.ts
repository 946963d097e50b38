import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusFor } from '../../../src/api/errors.js';
import { AppError } from '../../../src/errors.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import { createPackageUploadRoute } from '../../../src/packages/upload-route.js';
import { filesUnder } from '../../helpers/files.js';

const MAX = 4 * 1024 * 1024;

describe('package upload route', () => {
  let root: string;
  let server: ServerType;
  let base: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'oneclick-upload-'));
    const app = new Hono();
    // Stands in for the lead's app.onError: AppError → its status and the error envelope.
    app.onError((err, c) => {
      if (err instanceof AppError) {
        return c.json(
          { error: { code: err.code, message: err.message } },
          httpStatusFor(err) as 400,
        );
      }
      return c.json({ error: { code: 'INTERNAL', message: 'internal' } }, 500);
    });
    app.route(
      '/v1/packages',
      createPackageUploadRoute({ store: createDirectoryPackageStore(root), maxBytes: MAX }),
    );
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(root, { recursive: true, force: true });
  });

  it('stores an octet-stream upload and answers 201 with its sha256 and size', async () => {
    const data = randomBytes(MAX - 1);
    const sha = createHash('sha256').update(data).digest('hex');
    const res = await fetch(`${base}/v1/packages?fileName=app-1.0.tar.gz`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-content-sha256': sha },
      body: data,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      storageKey: `sha256/${sha}`,
      sha256: sha,
      sizeBytes: data.length,
      fileName: 'app-1.0.tar.gz',
    });
  });

  it('answers 413 PACKAGE_TOO_LARGE for a chunked body over the limit and keeps nothing new', async () => {
    const before = filesUnder(root);
    const big = randomBytes(MAX + 1);
    const body = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < big.length; i += 65536) ctl.enqueue(big.subarray(i, i + 65536));
        ctl.close();
      },
    });
    const res = await fetch(`${base}/v1/packages?fileName=big.bin`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'PACKAGE_TOO_LARGE',
    );
    expect(filesUnder(root)).toEqual(before);
  });

  it('answers 413 at once when Content-Length is over the limit', async () => {
    const res = await fetch(`${base}/v1/packages?fileName=big.bin`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: randomBytes(MAX + 10),
    });
    expect(res.status).toBe(413);
  });

  it.each([
    ['a wrong content type', 'text/plain', 'ok.bin', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'a path in the file name',
      'application/octet-stream',
      '../etc/passwd',
      400,
      'INVALID_FILE_NAME',
    ],
    ['no file name', 'application/octet-stream', '', 400, 'INVALID_FILE_NAME'],
  ])('answers %s with a clear code', async (_what, type, fileName, status, code) => {
    const res = await fetch(`${base}/v1/packages?fileName=${encodeURIComponent(fileName)}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: 'x',
    });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it('keeps nothing when the client disconnects in the middle of the upload', async () => {
    const before = filesUnder(root);
    await new Promise<void>((resolve) => {
      const req = request(`${base}/v1/packages?fileName=cut.bin`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(MAX - 1) },
      });
      req.on('error', () => resolve());
      req.write(randomBytes(1024 * 1024), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
    });
    // The server notices the reset asynchronously; wait for its temporary file to go.
    for (let i = 0; i < 100 && filesUnder(root).length !== before.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(filesUnder(root)).toEqual(before);
  });
});
