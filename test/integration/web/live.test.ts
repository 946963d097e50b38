import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { consoleSignIn } from '../../helpers/console-session.js';
import { revokeApiKey } from '../../../src/db/repositories/principals.js';
import { MAX_STREAMS_PER_SESSION } from '../../../src/web/live.js';

/** Live page parts: they end with their session, and a session cannot open them without end. */
describe('console live streams', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const signIn = async (key: string) => (await consoleSignIn(t.app, key)).cookie;
  const live = async (cookie: string): Promise<Response> =>
    t.app.request('/console/operator/deployments/live', { headers: { cookie } });

  it('ends an open stream once its key is revoked', async () => {
    const { principal, key } = await t.principal('operator', 'leaving-operator');
    const cookie = await signIn(key);
    const res = await live(cookie);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value as Uint8Array)).toContain('event: rows');
    const [{ id }] = (await t.db.query<{ id: string }>(
      'select id from api_keys where principal_id = $1',
      [principal.id],
    )) as [{ id: string }];
    await revokeApiKey(t.db, id);
    // Hang guard only: the stream re-reads its session every few seconds and then ends.
    const ended = await Promise.race([
      (async () => {
        for (;;) if ((await reader.read()).done) return true;
      })(),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 60_000)),
    ]);
    expect(ended).toBe(true);
  }, 90_000);

  it(`refuses a session's stream beyond ${MAX_STREAMS_PER_SESSION} open at once (429)`, async () => {
    const { key } = await t.principal('operator', 'many-tabs');
    const cookie = await signIn(key);
    const open = await Promise.all(
      Array.from({ length: MAX_STREAMS_PER_SESSION }, () => live(cookie)),
    );
    expect(open.map((r) => r.status)).toEqual(open.map(() => 200));
    const extra = await live(cookie);
    expect(extra.status).toBe(429);
    // Another session is not affected.
    const other = await live(await signIn(key));
    expect(other.status).toBe(200);
    await Promise.all([...open, other].map((r) => r.body!.cancel()));
    // Closed streams free their places.
    await expect
      .poll(async () => {
        const again = await live(cookie);
        await again.body?.cancel();
        return again.status;
      })
      .toBe(200);
  }, 90_000);
});
