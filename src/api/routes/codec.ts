import { z } from '@hono/zod-openapi';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { cors } from 'hono/cors';
import { AppError } from '../../errors.js';
import { defineRoute, jsonBody, ok, resourceRoutes } from '../contract.js';
import { codecAuth, codecSessionRoutes } from './codec-session.js';

/**
 * Temporal's remote codec protocol (what the Web UI and `temporal … --codec-endpoint` speak):
 * `POST <endpoint>/decode` and `/encode` with a `temporal.api.common.v1.Payloads` message as proto3
 * JSON (every bytes field, metadata values included, base64), `X-Namespace` naming the namespace;
 * the answer is the same shape, run through OneClick's own payload codec. The UI calls it from the
 * browser, so it answers CORS for the UI's origin.
 */

/** What the codec routes need: the payload codec, the namespace it serves, the UI's origins. */
export interface CodecServer {
  /** OneClick's payload codec (src/temporal/codec.ts) over the `temporal-payloads` keyring. */
  codec: PayloadCodec;
  /** The namespace OneClick's workflows run in; another `X-Namespace` is refused. */
  namespace: string;
  /** Origins of the Temporal Web UI allowed to call from a browser (exact `scheme://host:port`). */
  uiOrigins: readonly string[];
  /** Signs browser sessions (codec-session.ts); derived from the master key. */
  sessionKey: Buffer;
}

/** Longest base64 field accepted: Temporal's own limit on one payload is 2 MB. */
const MAX_FIELD_CHARS = 3 * 1024 * 1024;
const MAX_PAYLOADS = 1000;

/** Proto3 JSON bytes: standard or URL-safe base64, padding optional (both are valid input). */
const bytes = z
  .string()
  .max(MAX_FIELD_CHARS)
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

const payloadJson = z
  .object({
    metadata: z
      .record(
        z
          .string()
          .max(256)
          .regex(/^[^\0]*$/, 'must not hold NUL'),
        bytes,
      )
      .optional(),
    data: bytes.optional(),
  })
  .openapi('CodecPayload', {
    description: 'temporal.api.common.v1.Payload as proto3 JSON: metadata values and data base64',
  });

const payloadsJson = z
  .object({ payloads: z.array(payloadJson).max(MAX_PAYLOADS).default([]) })
  .openapi('CodecPayloads', { description: 'temporal.api.common.v1.Payloads as proto3 JSON' });

type PayloadJson = z.infer<typeof payloadJson>;

/** `X-Namespace`: the UI and CLI name the namespace; this codec serves OneClick's only. */
const namespaceHeader = (namespace: string) =>
  z.object({
    'x-namespace': z
      .enum([namespace])
      .optional()
      .openapi({ description: 'The namespace the payloads come from (the UI and CLI send it)' }),
  });

/** Headers the UI sends: its own, and `Authorization` (+ `Authorization-Extras`) when told to. */
const UI_REQUEST_HEADERS = ['Authorization', 'Authorization-Extras', 'Content-Type', 'X-Namespace'];

const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const tags = ['operators'];

function codecRoute(kind: 'decode' | 'encode', namespace: string) {
  return defineRoute({
    method: 'post',
    path: `/${kind}`,
    summary:
      kind === 'decode'
        ? "Temporal remote codec: decrypt payloads of OneClick's workflow histories (operators)"
        : "Temporal remote codec: encrypt payloads with OneClick's codec (operators)",
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { headers: namespaceHeader(namespace), body: jsonBody(payloadsJson) },
    errors: kind === 'decode' ? ['PAYLOAD_NOT_DECODABLE'] : [],
    responses: { 200: ok(`The payloads, ${kind}d`, payloadsJson) },
  });
}

/**
 * `/codec/decode` and `/codec/encode` for operators: an operator's bearer key (the CLI's
 * `--codec-auth`) or the cookie of a browser signed in at `/codec/session` (the UI's
 * `includeCredentials`); CORS for the configured UI origins only, with credentials.
 */
export function codecRoutes(server: CodecServer) {
  const app = resourceRoutes();
  // Before the key check: a browser's preflight carries no Authorization header.
  app.use(
    '*',
    cors({
      origin: (origin) => (server.uiOrigins.includes(origin) ? origin : null),
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: UI_REQUEST_HEADERS,
      credentials: true,
      maxAge: 600,
    }),
  );
  // A bearer key (CLI), or the cookie of a browser signed in at /codec/session (the UI).
  app.use('/decode', codecAuth(server.sessionKey));
  app.use('/encode', codecAuth(server.sessionKey));
  app.route('/', codecSessionRoutes(server.sessionKey));

  return app
    .openapi(codecRoute('decode', server.namespace), async (c) => {
      const { payloads } = c.req.valid('json');
      let decoded: Payload[];
      try {
        decoded = await server.codec.decode(payloads.map(fromJson));
      } catch (err) {
        // A payload sealed under a key this process lacks, or altered: say which, not why.
        c.get('log').warn({ err: String(err) }, 'codec could not decode a payload');
        throw new AppError(
          'PAYLOAD_NOT_DECODABLE',
          'a payload could not be decrypted with the keys of this OneClick',
        );
      }
      return c.json({ payloads: decoded.map(toJson) }, 200);
    })
    .openapi(codecRoute('encode', server.namespace), async (c) => {
      const { payloads } = c.req.valid('json');
      const encoded = await server.codec.encode(payloads.map(fromJson));
      return c.json({ payloads: encoded.map(toJson) }, 200);
    });
}
