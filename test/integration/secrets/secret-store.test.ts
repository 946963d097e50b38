import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../helpers/databases.js';
import type { Database } from '../../../src/db/sql.js';
import { createSqlSecretStore } from '../../../src/secrets/secret-store.js';
import type { Keyring } from '../../../src/crypto/keyring.js';

describe.each(databaseKinds)('secret store on %s', (kind) => {
  let db: Database;
  const keyring: Keyring = { activeId: 'k1', keys: new Map([['k1', randomBytes(32)]]) };
  beforeEach(async () => {
    db = await openTestDatabase(kind);
  });
  afterEach(async () => {
    await db.close();
  });

  it('stores a secret sealed and gives it back by reference until deleted', async () => {
    const store = createSqlSecretStore(db, keyring);
    const ref = await store.put('ecs-root-password', 'Root-Pw-123!');
    expect(ref).toMatch(/^sec_/);
    const rows = await db.query<{ sealed: string }>('select sealed from secrets where id = $1', [
      ref,
    ]);
    expect(rows[0]!.sealed).not.toContain('Root-Pw-123!');
    expect(await store.resolve(ref)).toBe('Root-Pw-123!');
    await store.delete(ref);
    expect(await store.resolve(ref)).toBeUndefined();
  });

  it('forgets an expired secret and refuses another keyring', async () => {
    const store = createSqlSecretStore(db, keyring);
    const ref = await store.put('ssh-key', 'k', { ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.resolve(ref)).toBeUndefined();
    const live = await store.put('ssh-key', 'k2');
    const other = createSqlSecretStore(db, {
      activeId: 'k1',
      keys: new Map([['k1', randomBytes(32)]]),
    });
    await expect(other.resolve(live)).rejects.toMatchObject({ code: 'SEALED_DATA_UNREADABLE' });
  });
});
