import type { Sql } from '../db/sql.js';
import { newId } from '../db/ids.js';
import {
  deleteSecret,
  getSealedSecret,
  insertSecret,
  setSecretExpiry,
} from '../db/repositories/secrets.js';
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
  /** Keeps a secret until `at` (it then resolves to nothing, as if deleted). */
  expireAt(ref: string, at: Date): Promise<void>;
}

/** A store over the `secrets` table; values sealed under the given (derived) keyring. */
export function createSqlSecretStore(sql: Sql, keyring: Keyring): SecretStore {
  return {
    async put(purpose, value, opts) {
      const id = newId('sec');
      const expiresAt = opts?.ttlMs ? new Date(Date.now() + opts.ttlMs) : null;
      await insertSecret(sql, { id, purpose, sealed: sealText(keyring, value), expiresAt });
      return id;
    },
    async resolve(ref) {
      const sealed = await getSealedSecret(sql, ref);
      return sealed === undefined ? undefined : openText(keyring, sealed);
    },
    delete: (ref) => deleteSecret(sql, ref),
    expireAt: (ref, at) => setSecretExpiry(sql, ref, at),
  };
}
