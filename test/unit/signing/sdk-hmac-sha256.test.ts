import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import * as ecs from '@huaweicloud/huaweicloud-sdk-ecs';
import {
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  signRequest,
  verifySdkHmacSha256,
  type WireRequest,
} from '../../../src/signing/sdk-hmac-sha256.js';

const AK = 'TESTAKTESTAKTESTAK01';
const SK = 'test-secret-key-0123456789abcdefghij';
const PROJECT = '0123456789abcdef0123456789abcdef';
const lookup = (ak: string) => (ak === AK ? SK : undefined);

describe('canonical request', () => {
  it('matches the canonical ShowJob request recorded from the SDK', () => {
    const req: WireRequest = {
      method: 'GET',
      rawPath: `/v1/${PROJECT}/jobs/job-1`,
      query: '',
      headers: {
        'content-type': 'application/json',
        host: '127.0.0.1:39689',
        'x-project-id': PROJECT,
        'x-sdk-date': '20261124T085405Z',
        'user-agent': 'not signed',
      },
    };
    const recorded = [
      'GET',
      `/v1/${PROJECT}/jobs/job-1/`,
      '',
      'content-type:application/json',
      'host:127.0.0.1:39689',
      `x-project-id:${PROJECT}`,
      'x-sdk-date:20261124T085405Z',
      '',
      'content-type;host;x-project-id;x-sdk-date',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ].join('\n');
    expect(canonicalRequest(req, ['content-type', 'host', 'x-project-id', 'x-sdk-date'])).toBe(
      recorded,
    );
  });

  it('sorts keys and repeated values and encodes them like the SDK', () => {
    expect(canonicalQueryString('tags=owner%3Dsvc&name=vm-a&limit=100&offset=1')).toBe(
      'limit=100&name=vm-a&offset=1&tags=owner%3Dsvc',
    );
    expect(canonicalQueryString('name=b&name=a&x=a%20b')).toBe('name=a&name=b&x=a%20b');
    expect(canonicalQueryString({ name: ['b', 'a'] })).toBe('name=a&name=b');
  });

  it('encodes path segments again and always ends the URI with a slash', () => {
    expect(canonicalUri('/v1/p/%7Bproject_id%7D/x')).toBe('/v1/p/%257Bproject_id%257D/x/');
    expect(canonicalUri('/v2.0/security-groups/')).toBe('/v2.0/security-groups/');
  });
});

describe('verifySdkHmacSha256', () => {
  const now = new Date('2026-11-24T08:54:05Z');
  const body = JSON.stringify({ servers: [{ id: 'srv-1' }], delete_publicip: true });
  const base = {
    method: 'POST',
    rawPath: `/v1/${PROJECT}/cloudservers/delete`,
    query: 'a=1',
    body,
    host: '127.0.0.1:1234',
  };
  const signed = (): WireRequest => ({
    ...base,
    headers: signRequest(
      { ...base, headers: { 'content-type': 'application/json', 'X-Project-Id': PROJECT } },
      { ak: AK, sk: SK },
      now,
    ),
  });

  it('accepts a request it signed itself', async () => {
    expect(await verifySdkHmacSha256(signed(), lookup, { now })).toEqual({ ok: true, ak: AK });
  });

  it('refuses a changed body, path, query or signed header', async () => {
    const req = signed();
    const variants: WireRequest[] = [
      { ...req, body: body.replace('srv-1', 'srv-2') },
      { ...req, rawPath: req.rawPath.replace('delete', 'delete2') },
      { ...req, query: 'a=2' },
      { ...req, headers: { ...req.headers, 'X-Project-Id': 'other' } },
      { ...req, method: 'PUT' },
    ];
    for (const v of variants) {
      expect(await verifySdkHmacSha256(v, lookup, { now })).toEqual({
        ok: false,
        reason: 'BAD_SIGNATURE',
      });
    }
  });

  it('refuses the wrong secret, an unknown AK, a stale date and a missing header', async () => {
    const req = signed();
    expect(await verifySdkHmacSha256(req, () => 'other-secret', { now })).toMatchObject({
      reason: 'BAD_SIGNATURE',
    });
    expect(await verifySdkHmacSha256(req, () => undefined, { now })).toMatchObject({
      reason: 'UNKNOWN_ACCESS_KEY',
    });
    const later = new Date(now.getTime() + 16 * 60 * 1000);
    expect(await verifySdkHmacSha256(req, lookup, { now: later })).toMatchObject({
      reason: 'DATE_OUT_OF_WINDOW',
    });
    const { Authorization: _a, ...noAuth } = req.headers;
    expect(await verifySdkHmacSha256({ ...req, headers: noAuth }, lookup, { now })).toMatchObject({
      reason: 'MISSING_AUTHORIZATION',
    });
    const garbled = { ...req.headers, Authorization: 'SDK-HMAC-SHA256 nonsense' };
    expect(await verifySdkHmacSha256({ ...req, headers: garbled }, lookup, { now })).toMatchObject({
      reason: 'MALFORMED_AUTHORIZATION',
    });
  });

  it('refuses a captured request replayed with another body behind a declared payload hash', async () => {
    const req = signed();
    const original = createHash('sha256').update(body).digest('hex');
    const other = body.replace('srv-1', 'srv-2');
    // The attacker adds an unsigned X-Sdk-Content-Sha256 carrying the original hash.
    const replay = {
      ...req,
      body: other,
      headers: { ...req.headers, 'X-Sdk-Content-Sha256': original },
    };
    expect(await verifySdkHmacSha256(replay, lookup, { now })).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('refuses UNSIGNED-PAYLOAD even when signed, and accepts a signed hash of the real body', async () => {
    const sign = (declared: string) => ({
      ...base,
      headers: signRequest(
        {
          ...base,
          headers: { 'content-type': 'application/json', 'X-Sdk-Content-Sha256': declared },
        },
        { ak: AK, sk: SK },
        now,
      ),
    });
    const unsignedPayload = sign('UNSIGNED-PAYLOAD');
    for (const b of [body, '{"anything":1}']) {
      expect(
        await verifySdkHmacSha256({ ...unsignedPayload, body: b }, lookup, { now }),
      ).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    }
    const real = sign(createHash('sha256').update(body).digest('hex'));
    expect(await verifySdkHmacSha256(real, lookup, { now })).toEqual({ ok: true, ak: AK });
    expect(
      await verifySdkHmacSha256({ ...real, body: body.replace('srv-1', 'srv-2') }, lookup, { now }),
    ).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('formats X-Sdk-Date as the SDK does', () => {
    expect(formatSdkDate(now)).toBe('20261124T085405Z');
  });
});

describe('against the official SDK', () => {
  let captured: { req: IncomingMessage; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured.push({ req, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ job_id: 'job-1', status: 'SUCCESS', servers: [], count: 0 }));
    });
  });
  let client: ecs.EcsClient;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const cred = new BasicCredentials().withAk(AK).withSk(SK).withProjectId(PROJECT);
    client = ecs.EcsClient.newBuilder()
      .withCredential(cred)
      .withEndpoint(`http://127.0.0.1:${port}`)
      .withOptions({ customUserAgent: 'oneclick-test' })
      .build();
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const toWire = ({ req, body }: { req: IncomingMessage; body: string }): WireRequest => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    return {
      method: req.method ?? 'GET',
      rawPath: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers: req.headers,
      body,
    };
  };

  it('accepts GET, POST with a body and X-Client-Token, and a query the SDK signed', async () => {
    captured = [];
    await client.showJob(new ecs.ShowJobRequest().withJobId('job-1'));
    await client.createServers(
      new ecs.CreateServersRequest()
        .withXClientToken('4b0f6a1e-8f7c-4d38-9a55-1f2d3c4b5a69')
        .withBody(
          new ecs.CreateServersRequestBody().withServer(
            new ecs.PrePaidServer()
              .withImageRef('img-1')
              .withFlavorRef('s6.small.1')
              .withName('vm-a')
              .withVpcid('vpc-1')
              .withNics([new ecs.PrePaidServerNic().withSubnetId('subnet-1')])
              .withRootVolume(new ecs.PrePaidServerRootVolume().withVolumetype('SSD')),
          ),
        ),
    );
    await client.listServersDetails(
      new ecs.ListServersDetailsRequest().withName('vm a/ü').withTags('owner=svc').withLimit(5),
    );
    expect(captured).toHaveLength(3);
    for (const c of captured) {
      expect(c.req.headers.authorization).toMatch(/^SDK-HMAC-SHA256 Access=/);
      expect(await verifySdkHmacSha256(toWire(c), lookup)).toEqual({ ok: true, ak: AK });
    }
    expect(captured[1]?.req.headers.authorization).toContain(
      'SignedHeaders=content-type;host;x-client-token;x-project-id;x-sdk-date',
    );
    const tampered = toWire(captured[1]!);
    expect(
      await verifySdkHmacSha256({ ...tampered, body: `${String(tampered.body)} ` }, lookup),
    ).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
  });
});
