import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { hashApiKey, markApiKeyUsed } from '../../../../src/db/repositories/principals.js';
import { insertConsoleSession } from '../../../../src/db/repositories/console-sessions.js';
import { readAudit } from '../../../../src/db/repositories/audit-log.js';
import { verifyStoredAudit } from '../../../../src/license/audit-log.js';

interface Key {
  id: string;
  prefix: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
interface Listed {
  id: string;
  role: string;
  name: string;
  customerId: string | null;
  keys: Key[];
}
interface Page {
  items: Listed[];
  next: string | null;
}

describe('/v1/principals (operators)', () => {
  let t: TestApp;
  let operator: { principal: { id: string }; key: string };
  let seller: string;
  let buyer: string;

  beforeAll(async () => {
    t = await startTestApp();
    operator = await t.principal('operator', 'root');
    seller = (await t.principal('seller', 'acme')).key;
    buyer = (await t.principal('buyer', 'lin')).key;
    // Same created_at for all, so paging must rely on the id half of the keyset.
    for (let i = 0; i < 4; i++) await t.principal('buyer', `b${i}`);
    await t.db.query(`update principals set created_at = '2026-05-01T10:00:00.25Z'`);
  });
  afterAll(async () => {
    await t.close();
  });

  const get = async <T>(path: string, key = operator.key) => {
    const res = await t.call('GET', path, { key });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as T;
  };

  it('answers 403 FORBIDDEN to seller and buyer keys on every route', async () => {
    for (const key of [seller, buyer]) {
      for (const [method, path, body] of [
        ['GET', '/v1/principals', undefined],
        ['GET', `/v1/principals/${operator.principal.id}`, undefined],
        ['POST', '/v1/principals', { role: 'buyer', name: 'x' }],
        ['POST', `/v1/principals/${operator.principal.id}/keys`, undefined],
        ['POST', `/v1/principals/${operator.principal.id}/keys/key_x/revoke`, undefined],
      ] as const) {
        const res = await t.call(method, path, { key, body });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      }
    }
  });

  it('lists principals with their keys (prefix and dates, never the key) and pages each once', async () => {
    const all = await get<Page>('/v1/principals?limit=200');
    expect(all.items).toHaveLength(7);
    const root = all.items.find((p) => p.id === operator.principal.id)!;
    expect(root.keys).toHaveLength(1);
    expect(root.keys[0]).toMatchObject({ name: null, revokedAt: null });
    // The operator's key was just used for this very call: "last used" says so.
    expect(Date.parse(root.keys[0]!.lastUsedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(operator.key).toContain(`ock_${root.keys[0]!.prefix}_`);
    const text = JSON.stringify(all);
    expect(text).not.toContain(operator.key);
    expect(text).not.toContain(hashApiKey(operator.key));
    expect(all.items.find((p) => p.name === 'lin')?.customerId).toBe('cust-lin');

    const seen: string[] = [];
    let url = '/v1/principals?limit=3';
    for (;;) {
      const page = await get<Page>(url);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((p) => p.id));
      if (!page.next) break;
      url = `/v1/principals?limit=3&cursor=${page.next}`;
    }
    expect(seen).toEqual(all.items.map((p) => p.id));

    const buyers = await get<Page>('/v1/principals?role=buyer');
    expect(buyers.items.map((p) => p.role)).toEqual(Array(5).fill('buyer'));
    const bad = await t.call('GET', '/v1/principals?cursor=nope', { key: operator.key });
    expect(bad.status).toBe(400);
  });

  it('creates a principal with a key shown once, not cached, and audited', async () => {
    const res = await t.call('POST', '/v1/principals', {
      key: operator.key,
      body: { role: 'buyer', name: 'Wang', customerId: 'cust-wang' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as {
      principal: { id: string; role: string };
      apiKey: { id: string; key: string; prefix: string };
    };
    expect(body.apiKey.key).toMatch(new RegExp(`^ock_${body.apiKey.prefix}_`));
    const me = await t.call('GET', '/v1/me', { key: body.apiKey.key });
    expect(me.status).toBe(200);
    const shown = await get<Listed>(`/v1/principals/${body.principal.id}`);
    expect(shown).toMatchObject({ name: 'Wang', role: 'buyer', customerId: 'cust-wang' });
    expect(shown.keys.map((k) => k.id)).toEqual([body.apiKey.id]);
    expect(JSON.stringify(shown)).not.toContain(body.apiKey.key);
    expect(await readAudit(t.db, body.principal.id)).toMatchObject([
      {
        actor: `operator:${operator.principal.id}`,
        action: 'principal.created',
        data: { role: 'buyer', keyId: body.apiKey.id, prefix: body.apiKey.prefix },
      },
    ]);
    const missing = await t.call('GET', '/v1/principals/prn_nope', { key: operator.key });
    expect(missing.status).toBe(404);
  });

  it('issues another key, and revoking it refuses the key and ends its console sessions', async () => {
    const { principal } = await t.principal('seller', 'globex');
    const res = await t.call('POST', `/v1/principals/${principal.id}/keys`, {
      key: operator.key,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const issued = (await res.json()) as { id: string; key: string; prefix: string };
    expect((await t.call('GET', '/v1/me', { key: issued.key })).status).toBe(200);
    await insertConsoleSession(t.db, {
      tokenHash: 'a'.repeat(64),
      keyHash: hashApiKey(issued.key),
      csrfToken: 'c',
      expiresAt: new Date(Date.now() + 60_000),
    });

    const revoke = `/v1/principals/${principal.id}/keys/${issued.id}/revoke`;
    const revoked = await t.call('POST', revoke, { key: operator.key });
    expect(revoked.status).toBe(200);
    const body = (await revoked.json()) as { key: Key; endedSessions: number };
    expect(body.endedSessions).toBe(1);
    expect(body.key.revokedAt).not.toBeNull();
    const refused = await t.call('GET', '/v1/me', { key: issued.key });
    expect(refused.status).toBe(401);
    expect(await t.db.query('select 1 from console_sessions')).toHaveLength(0);

    const again = await t.call('POST', revoke, { key: operator.key });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { key: Key }).key.revokedAt).toBe(body.key.revokedAt);
    expect((await readAudit(t.db, principal.id)).map((e) => e.action)).toEqual([
      'api_key.issued',
      'api_key.revoked',
    ]);
    expect((await verifyStoredAudit(t.db)).ok).toBe(true);

    // Another principal's key id under this principal is not found.
    const other = await get<Listed>(`/v1/principals/${operator.principal.id}`);
    const foreign = await t.call(
      'POST',
      `/v1/principals/${principal.id}/keys/${other.keys[0]!.id}/revoke`,
      { key: operator.key },
    );
    expect(foreign.status).toBe(404);
    const unknown = await t.call('POST', '/v1/principals/prn_nope/keys', { key: operator.key });
    expect(unknown.status).toBe(404);
  });

  it('keeps the last unrevoked operator key (409 CONFLICT)', async () => {
    const root = await get<Listed>(`/v1/principals/${operator.principal.id}`);
    const res = await t.call(
      'POST',
      `/v1/principals/${operator.principal.id}/keys/${root.keys[0]!.id}/revoke`,
      { key: operator.key },
    );
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CONFLICT');
    expect((await t.call('GET', '/v1/me', { key: operator.key })).status).toBe(200);
  });

  it('shows when a key was last used, once it is recorded', async () => {
    const { principal, key } = await t.principal('buyer', 'used');
    await markApiKeyUsed(t.db, hashApiKey(key));
    const first = (await get<Listed>(`/v1/principals/${principal.id}`)).keys[0]!.lastUsedAt;
    expect(first).not.toBeNull();
    // Within the interval a second use writes nothing.
    await markApiKeyUsed(t.db, hashApiKey(key));
    expect((await get<Listed>(`/v1/principals/${principal.id}`)).keys[0]!.lastUsedAt).toBe(first);
  });
});
