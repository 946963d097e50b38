import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../helpers/databases.js';
import type { Database } from '../../../src/db/sql.js';
import { migrate } from '../../../src/db/migrate.js';

describe.each(databaseKinds)('migrations on %s', (kind) => {
  let db: Database;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
  });
  afterEach(async () => {
    await db.close();
  });

  it('applies migrations once and reports nothing pending the second time', async () => {
    expect(await migrate(db)).toEqual([]);
  });
});
