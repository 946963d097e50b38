import type { Sql } from '../db/sql.js';
import { newId } from '../db/ids.js';
import { openText, sealText, type Keyring } from '../crypto/keyring.js';

/**
 * Secrets by reference: callers store a secret and pass its `sec_…` id around (through workflow
 * history, activity inputs, logs); only the activity that uses it resolves the id.
 */
export interface SecretStore {
  put(purpose: string, value: string, opts?: { ttlMs?: number }): Promise<string>;
  /** The secret, or undefined when unknown or expired. */
  resolve(ref: string): Promise<string | undefined>;
  delete(ref: string): Promise<void>;
}

/** A store over the `secrets` table; values sealed under the given (derived) keyring. */
export function createSqlSecretStore(sql: Sql, keyring: Keyring): SecretStore {
  return {
    async put(purpose, value, opts) {
      const id = newId('sec');
      const expires = opts?.ttlMs ? new Date(Date.now() + opts.ttlMs) : null;
      await sql.query(
        'insert into secrets (id, purpose, sealed, expires_at) values ($1, $2, $3, $4)',
        [id, purpose, sealText(keyring, value), expires],
      );
      return id;
    },
    async resolve(ref) {
      const rows = await sql.query<{ sealed: string }>(
        'select sealed from secrets where id = $1 and (expires_at is null or expires_at > now())',
        [ref],
      );
      return rows[0] ? openText(keyring, rows[0].sealed) : undefined;
    },
    async delete(ref) {
      await sql.query('delete from secrets where id = $1', [ref]);
    },
  };
}
