import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './codec.js';
import type { Keyring } from '../crypto/keyring.js';
import { moduleFile } from '../runtime/module-file.js';

const FAILURE_CONVERTER_PATH = moduleFile('./failure-converter', import.meta.url);

/**
 * The data converter every client and worker uses: payloads encrypted, and failure messages and
 * stack traces moved into an (encrypted) payload, since installer output and error messages can
 * carry secrets.
 */
export function createDataConverter(payloadKeyring: Keyring): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(payloadKeyring)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
