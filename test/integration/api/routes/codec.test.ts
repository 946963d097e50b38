import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { ServerType } from '@hono/node-server';
import { serveApi } from '../../../../src/api/server.js';
import { codecSessionToken } from '../../../../src/api/routes/codec-session.js';
import { EncryptionCodec } from '../../../../src/temporal/codec.js';
import { createDataConverter } from '../../../../src/temporal/data-converter.js';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { consoleSignIn } from '../../../helpers/console-session.js';
import { testKeyring } from '../../../helpers/deploy.js';

const WORKFLOWS = fileURLToPath(
  new URL('../../../fixtures/workflows/secret-carrier.ts', import.meta.url),
);
const UI_ORIGIN = 'http://127.0.0.1:8233';
const run = promisify(execFile);
type CarrySecret = (secret: string, fail: boolean) => Promise<string>;

interface PayloadJson {
  metadata?: Record<string, string>;
  data?: string;
}

/** A payload as the codec protocol carries it: proto3 JSON, every bytes field base64. */
const toJson = (p: Payload | null | undefined): PayloadJson => ({
  metadata: Object.fromEntries(
    Object.entries(p?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p?.data ?? new Uint8Array()).toString('base64'),
});
const text = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('utf8');

describe('Temporal remote codec endpoint (/codec)', () => {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `codec-${randomUUID()}`;
  const keyring = testKeyring();
  const dataConverter = createDataConverter(keyring);
  let t: TestApp;
  let client: Client;
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let operatorKey: string;

  beforeAll(async () => {
    t = await startTestApp('pglite', {
      codec: {
        codec: new EncryptionCodec(keyring),
        namespace,
        uiOrigins: [UI_ORIGIN],
        sessionKey: Buffer.alloc(32, 9),
      },
    });
    operatorKey = (await t.principal('operator')).key;
    client = new Client({
      connection: await Connection.connect({ address }),
      namespace,
      dataConverter,
    });
    native = await NativeConnection.connect({ address });
    worker = await Worker.create({
      connection: native,
      namespace,
      taskQueue,
      workflowsPath: WORKFLOWS,
      dataConverter,
      activities: { echoSecret: (s: string) => Promise.resolve(`${s}!`) },
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await native?.close();
    await client?.connection.close();
    await t?.close();
  });

  const decode = (payloads: PayloadJson[], opts: { key?: string; namespace?: string } = {}) =>
    t.call('POST', '/codec/decode', {
      key: opts.key ?? operatorKey,
      body: { payloads },
      headers: { 'x-namespace': opts.namespace ?? namespace },
    });

  /** Runs the fixture workflow to its failure; the worker encrypts everything it records. */
  async function failedRun(secret: string) {
    const workflowId = `codec-${randomUUID()}`;
    await client.workflow
      .execute<CarrySecret>('carrySecret', { taskQueue, workflowId, args: [secret, true] })
      .catch(() => undefined);
    // fetchHistory hands the events over as the server stores them: payloads still encrypted.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return { workflowId, events: history.events ?? [] };
  }

  it('refuses a request without a key (401) and buyer and seller keys (403), in the error envelope', async () => {
    const none = await t.call('POST', '/codec/decode', { body: { payloads: [] } });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    const unknown = await decode([], { key: 'ock_not-a-key' });
    expect(unknown.status).toBe(401);
    for (const role of ['buyer', 'seller'] as const) {
      const { key } = await t.principal(role, `${role}-${randomUUID().slice(0, 8)}`);
      for (const path of ['/codec/decode', '/codec/encode']) {
        const res = await t.call('POST', path, { key, body: { payloads: [] } });
        expect(res.status).toBe(403);
        const body = (await res.json()) as { error: { code: string; requestId: string } };
        expect(body.error.code).toBe('FORBIDDEN');
        expect(body.error.requestId).toBeTruthy();
      }
    }
  });

  it("decodes what a real worker encoded: the workflow's input and its encoded failure's real message", async () => {
    const secret = `pw-${randomBytes(8).toString('hex')}`;
    const { events } = await failedRun(secret);
    const input = events.find((e) => e.workflowExecutionStartedEventAttributes)!
      .workflowExecutionStartedEventAttributes!.input!.payloads!;
    const failure = events.find((e) => e.workflowExecutionFailedEventAttributes)!
      .workflowExecutionFailedEventAttributes!.failure!;
    // What the UI shows without a codec: the failure converter moved the message out.
    expect(failure.message).toBe('Encoded failure');
    expect(text(toJson(failure.encodedAttributes).metadata?.encoding)).toBe('binary/encrypted');

    const res = await decode([...input.map(toJson), toJson(failure.encodedAttributes)]);
    expect(res.status).toBe(200);
    const { payloads } = (await res.json()) as { payloads: PayloadJson[] };
    expect(payloads).toHaveLength(3);
    expect(text(payloads[0]!.metadata!.encoding)).toBe('json/plain');
    expect(JSON.parse(text(payloads[0]!.data))).toBe(secret);
    expect(JSON.parse(text(payloads[1]!.data))).toBe(true);
    const attributes = JSON.parse(text(payloads[2]!.data)) as { message: string };
    expect(attributes.message).toBe(`installer printed ${secret}!`);
  });

  it('encodes with the same codec: what /codec/encode answers, the worker decodes', async () => {
    const plain = { metadata: { encoding: 'json/plain' }, value: { hello: 'operator' } };
    const res = await t.call('POST', '/codec/encode', {
      key: operatorKey,
      body: {
        payloads: [
          {
            metadata: { encoding: Buffer.from(plain.metadata.encoding).toString('base64') },
            data: Buffer.from(JSON.stringify(plain.value)).toString('base64'),
          },
        ],
      },
    });
    expect(res.status).toBe(200);
    const [encoded] = ((await res.json()) as { payloads: PayloadJson[] }).payloads;
    expect(text(encoded!.metadata!.encoding)).toBe('binary/encrypted');
    const [back] = await new EncryptionCodec(keyring).decode([
      {
        metadata: Object.fromEntries(
          Object.entries(encoded!.metadata!).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
        ),
        data: Buffer.from(encoded!.data!, 'base64'),
      },
    ]);
    expect(JSON.parse(Buffer.from(back!.data!).toString('utf8'))).toEqual(plain.value);
  });

  it('refuses another namespace, a payload sealed under a key it lacks, and bytes that are not base64', async () => {
    const other = await decode([], { namespace: 'someone-else' });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe(
      'VALIDATION_FAILED',
    );
    const [foreign] = await new EncryptionCodec(testKeyring()).encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') },
    ]);
    const sealed = await decode([toJson(foreign)]);
    expect(sealed.status).toBe(400);
    expect(((await sealed.json()) as { error: { code: string } }).error.code).toBe(
      'PAYLOAD_NOT_DECODABLE',
    );
    const garbage = await decode([{ metadata: { encoding: 'not base64!' } }]);
    expect(garbage.status).toBe(400);
  });

  it("answers the UI's CORS preflight for its origin only, and lets the UI read a refusal", async () => {
    const preflight = (origin: string) =>
      t.app.request('/codec/decode', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const ui = await preflight(UI_ORIGIN);
    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(ui.headers.get('access-control-allow-credentials')).toBe('true');
    const allowed = (ui.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const h of ['authorization', 'content-type', 'x-namespace']) expect(allowed).toContain(h);
    expect(ui.headers.get('access-control-allow-methods')).toContain('POST');

    const stranger = await preflight('http://evil.example');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();

    // A refusal carries the CORS headers too, so the UI sees the 401 rather than a network error.
    const refused = await t.app.request('/codec/decode', {
      method: 'POST',
      headers: { origin: UI_ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [] }),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  });

  it('signs a browser in with an operator key: an HttpOnly cookie on /codec that the UI sends with credentials', async () => {
    const page = await t.app.request('/codec/session');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="apiKey"');
    const signIn = (apiKey: string, type = 'application/x-www-form-urlencoded') =>
      t.app.request('/codec/session', {
        method: 'POST',
        headers: { 'content-type': type },
        body: type.includes('json')
          ? JSON.stringify({ apiKey })
          : new URLSearchParams({ apiKey }).toString(),
      });
    expect((await signIn('ock_not-a-key')).status).toBe(401);
    const seller = await t.principal('seller', `s-${randomUUID().slice(0, 8)}`);
    const refused = await signIn(seller.key);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect((await signIn(operatorKey, 'application/json')).status).toBe(415);

    const signedIn = await signIn(operatorKey);
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Path=\/codec/);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const pair = cookie.split(';')[0]!;

    // What the UI sends with includeCredentials: its origin, the cookie, no Authorization.
    const secret = `cookie-${randomBytes(6).toString('hex')}`;
    const [sealed] = await new EncryptionCodec(keyring).encode([
      {
        metadata: { encoding: Buffer.from('json/plain') },
        data: Buffer.from(JSON.stringify(secret)),
      },
    ]);
    const fromUi = (cookieHeader: string) =>
      t.app.request('/codec/decode?preserveStorageRefs=true', {
        method: 'POST',
        headers: {
          origin: UI_ORIGIN,
          cookie: cookieHeader,
          'content-type': 'application/json',
          'x-namespace': namespace,
        },
        body: JSON.stringify({ payloads: [toJson(sealed)] }),
      });
    const decoded = await fromUi(pair);
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(decoded.headers.get('access-control-allow-credentials')).toBe('true');
    const [payload] = ((await decoded.json()) as { payloads: PayloadJson[] }).payloads;
    expect(JSON.parse(text(payload!.data))).toBe(secret);
    // The cookie is not the key: it names the key's hash, signed, with an expiry.
    expect(pair).not.toContain(operatorKey);
    // A key (of any role) put in the cookie by hand is no session; nor is an edited or an
    // expired one, nor a signed session of a seller's key.
    expect((await fromUi(`oneclick_codec_session=${operatorKey}`)).status).toBe(401);
    const [name, value] = pair.split('=') as [string, string];
    const [hash, expires, mac] = value.split('.');
    expect((await fromUi(`${name}=${hash}.${Number(expires) + 1}.${mac}`)).status).toBe(401);
    const sessionKey = Buffer.alloc(32, 9);
    expect(
      (await fromUi(`${name}=${codecSessionToken(sessionKey, operatorKey, Date.now() - 1)}`))
        .status,
    ).toBe(401);
    expect(
      (await fromUi(`${name}=${codecSessionToken(sessionKey, seller.key, Date.now() + 60_000)}`))
        .status,
    ).toBe(403);

    // An operator signed in to the console needs no codec sign-in; a buyer's console session is
    // refused, and so is a signed-out one.
    const consoleSession = async (key: string) => (await consoleSignIn(t.app, key)).cookie;
    const operatorConsole = await consoleSession(operatorKey);
    expect((await fromUi(operatorConsole)).status).toBe(200);
    const buyer = await t.principal('buyer', `b-${randomUUID().slice(0, 8)}`);
    expect((await fromUi(await consoleSession(buyer.key))).status).toBe(403);
    expect((await fromUi('oc_session=not-a-session')).status).toBe(401);

    const signOut = await t.app.request('/codec/session', { method: 'DELETE' });
    expect(signOut.status).toBe(204);
    expect(signOut.headers.get('set-cookie')).toMatch(/Max-Age=0/);
  });

  it('serves the Temporal CLI: `workflow show --codec-endpoint <api>/codec --codec-auth` prints the decoded history', async () => {
    const secret = `cli-${randomBytes(8).toString('hex')}`;
    const { workflowId } = await failedRun(secret);
    const server: ServerType = await serveApi({
      fetch: t.app.fetch,
      hostname: '127.0.0.1',
      port: 0,
    });
    try {
      const { port } = server.address() as AddressInfo;
      const show = (extra: string[]) =>
        run(inject('temporalCliPath'), [
          ...['workflow', 'show', '--address', address, '--namespace', namespace],
          ...['--workflow-id', workflowId, '--output', 'json', ...extra],
        ]);
      const withCodec = await show([
        ...['--codec-endpoint', `http://127.0.0.1:${port}/codec`],
        ...['--codec-auth', `Bearer ${operatorKey}`],
      ]);
      const decoded = withCodec.stdout;
      const seen = [secret, Buffer.from(`"${secret}"`).toString('base64')].some((s) =>
        decoded.includes(s),
      );
      expect(seen).toBe(true);
      expect(decoded).not.toContain(Buffer.from('binary/encrypted').toString('base64'));
      // Without the operator's key the endpoint refuses and the CLI gets nothing decoded.
      const refused = await show(['--codec-endpoint', `http://127.0.0.1:${port}/codec`]).catch(
        (e: { stdout?: string; stderr?: string }) => e,
      );
      expect(`${refused.stdout ?? ''}${refused.stderr ?? ''}`).not.toContain(secret);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
