import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/sql.js';
import { readAudit } from '../../../src/db/repositories/audit-log.js';
import { verifyStoredAudit } from '../../../src/license/audit-log.js';
import {
  createSqlHostKeyPins,
  resetHostKeyPin,
  type HostKeyPins,
} from '../../../src/ssh/host-key.js';
import { databaseKinds, openTestDatabase } from '../../helpers/databases.js';

describe.each(databaseKinds)('host-key pins on %s', (kind) => {
  let db: Database;
  let pins: HostKeyPins;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    pins = createSqlHostKeyPins(db);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('keeps the first key seen and answers it to a later, different one', async () => {
    expect(await pins.get('srv-a')).toBeUndefined();
    expect(await pins.pinIfAbsent('srv-a', 'SHA256:first')).toBe('SHA256:first');
    expect(await pins.pinIfAbsent('srv-a', 'SHA256:second')).toBe('SHA256:first');
    expect(await pins.get('srv-a')).toBe('SHA256:first');
  });

  it('agrees on one key when two first contacts race', async () => {
    const results = await Promise.all(
      ['SHA256:x', 'SHA256:y', 'SHA256:z'].map((k) => pins.pinIfAbsent('srv-race', k)),
    );
    expect(new Set(results).size).toBe(1);
    expect(await pins.get('srv-race')).toBe(results[0]);
  });

  it('forgets a pin so a rebuilt server can be pinned again', async () => {
    await pins.pinIfAbsent('srv-b', 'SHA256:old');
    await pins.forget('srv-b');
    expect(await pins.pinIfAbsent('srv-b', 'SHA256:new')).toBe('SHA256:new');
  });

  it('resets a pin on request, audited, so the next contact pins the new key', async () => {
    await pins.pinIfAbsent('srv-c', 'SHA256:before-rebuild');
    const previous = await resetHostKeyPin(db, {
      serverId: 'srv-c',
      actor: 'buyer:prn_1',
      data: { orderRef: 'ord_1' },
    });
    expect(previous).toBe('SHA256:before-rebuild');
    expect(await pins.get('srv-c')).toBeUndefined();
    expect(await pins.pinIfAbsent('srv-c', 'SHA256:after-rebuild')).toBe('SHA256:after-rebuild');
    expect(await pins.pinIfAbsent('srv-c', 'SHA256:someone-else')).toBe('SHA256:after-rebuild');
    expect(await readAudit(db, 'srv-c')).toMatchObject([
      {
        actor: 'buyer:prn_1',
        action: 'host_key.reset',
        subject: 'srv-c',
        data: { orderRef: 'ord_1', fingerprint: 'SHA256:before-rebuild' },
      },
    ]);
    expect((await verifyStoredAudit(db)).ok).toBe(true);
  });

  it('audits a reset of a server with no pin, with no fingerprint', async () => {
    expect(await resetHostKeyPin(db, { serverId: 'srv-d', actor: 'operator:prn_2' })).toBe(
      undefined,
    );
    expect(await readAudit(db, 'srv-d')).toMatchObject([
      { action: 'host_key.reset', data: { fingerprint: null } },
    ]);
  });
});
