import { describe, expect, it } from 'vitest';
import { parseExpiresAt, redact } from '../../../src/cloud/iam-sessions.js';

describe('IAM session helpers', () => {
  it("reads IAM's microsecond expiry times", () => {
    expect(parseExpiresAt('2026-12-04T11:00:00.123456Z')).toBe(
      Date.UTC(2026, 11, 4, 11, 0, 0, 123),
    );
    expect(parseExpiresAt('2026-12-04T11:00:00Z')).toBe(Date.UTC(2026, 11, 4, 11));
    expect(parseExpiresAt('soon')).toBeUndefined();
  });

  it('scrubs every secret from a message, however often it appears', () => {
    const sk = 'Sk3cr3tValue0123456789';
    const token = 'gAAAAABtokenvalue';
    expect(redact(`bad ${sk} and ${sk}; token ${token}`, [sk, token, undefined])).toBe(
      'bad [redacted] and [redacted]; token [redacted]',
    );
    // Too short to be a secret worth scrubbing (and scrubbing it would mangle the message).
    expect(redact('a b c', ['a'])).toBe('a b c');
  });
});
