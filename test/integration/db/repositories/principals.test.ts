import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../helpers/databases.js';
import type { Database } from '../../../../src/db/sql.js';
import {
  createApiKey,
  createPrincipal,
  findPrincipalByApiKey,
  revokeApiKey,
} from '../../../../src/db/repositories/principals.js';

describe.each(databaseKinds)('principals repository on %s', (kind) => {
  let db: Database;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
  });
  afterEach(async () => {
    await db.close();
  });

  it('finds a principal by its API key and stops after revocation', async () => {
    const p = await createPrincipal(db, { role: 'operator', name: 'ops' });
    const { id, key } = await createApiKey(db, p.id, 'laptop');
    expect(key).toMatch(/^ock_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect((await findPrincipalByApiKey(db, key))?.id).toBe(p.id);
    const stored = await db.query<{ key_hash: string }>(
      'select key_hash from api_keys where id = $1',
      [id],
    );
    expect(stored[0]!.key_hash).not.toContain(key.slice(13));
    expect(await revokeApiKey(db, id)).toBe(true);
    expect(await findPrincipalByApiKey(db, key)).toBeUndefined();
  });
});
