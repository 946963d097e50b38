import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { normalizeFingerprint } from '../../src/domain/fingerprint.js';
import { submitHardwareIdUpdate } from './messages.js';

/**
 * Accepts the buyer's hardware ID (License 1.0 when none can be read over SSH): only while the
 * deployment waits for one, only once, and only in canonical form. Returns a reader of the value.
 */
export function acceptHardwareId(isWaiting: () => boolean): () => string | undefined {
  let submitted: string | undefined;
  setHandler(
    submitHardwareIdUpdate,
    (text) => {
      submitted = normalizeFingerprint(text);
      return { fingerprint: submitted };
    },
    {
      validator: (text) => {
        if (!isWaiting() || submitted !== undefined) {
          throw ApplicationFailure.nonRetryable(
            'the deployment is not waiting for a hardware ID',
            'NOT_AWAITING_HARDWARE_ID',
          );
        }
        try {
          normalizeFingerprint(typeof text === 'string' ? text : '');
        } catch (e) {
          throw ApplicationFailure.nonRetryable(
            e instanceof Error ? e.message : 'invalid hardware ID',
            'INVALID_FINGERPRINT',
          );
        }
      },
    },
  );
  return () => submitted;
}
