import { describe, expect, it } from 'vitest';
import {
  LIVE_TAIL_BYTES,
  REDACTED,
  RedactedTail,
  Redactor,
  TransferRate,
  lastBytes,
  secretVariableValues,
} from '../../../activities/live-progress.js';

const PASSWORD = 'Hunter2-Pass!word';
const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBd8m3kQp1Yx7yU4v1YvX1m3kQp1Yx7yU4v1YvX1m3kQpAAAAJgAAAAAAAAA',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\n');

/** Feeds `output` in chunks cut at `cuts` and collects the live text after each chunk. */
function liveTexts(tail: RedactedTail, output: Buffer, cuts: number[], limit = LIVE_TAIL_BYTES) {
  const seen: string[] = [];
  let from = 0;
  for (const to of [...cuts, output.length]) {
    tail.push(output.subarray(from, to));
    seen.push(tail.text(limit, { live: true }));
    from = to;
  }
  return seen;
}

describe('Redactor', () => {
  it('replaces every known secret, a multi-line secret also line by line, and leaves the rest', () => {
    const r = new Redactor([PASSWORD, KEY, undefined, 'ab']);
    const line = KEY.split('\n')[1]!;
    expect(r.redact(`pw=${PASSWORD}; key line ${line}; again ${PASSWORD}; ab stays`)).toBe(
      `pw=${REDACTED}; key line ${REDACTED}; again ${REDACTED}; ab stays`,
    );
    expect(r.redact(`whole:\n${KEY}done`)).toBe(`whole:\n${REDACTED}\ndone`);
  });

  it('finds the start of a secret at the end of the text and the rest of one at its start', () => {
    const r = new Redactor([PASSWORD]);
    expect(r.pendingEnd('password: Hunt')).toBe(4);
    expect(r.pendingEnd('password: none')).toBe(0);
    expect(r.cutStart('ss!word\nnext')).toBe(7);
    expect(r.cutStart('next line')).toBe(0);
  });

  it('treats the values of variables named like secrets as secrets', () => {
    expect(
      secretVariableValues({
        DB_PASSWORD: 'a',
        API_TOKEN: 'b',
        LICENSE_KEY: 'c',
        CLIENT_SECRET: 'd',
        HUAWEI_SK: 'e',
        DEMO_MODE: 'plain',
        KEYBOARD: 'us',
      }),
    ).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('RedactedTail', () => {
  const output = Buffer.from(`step 1\nroot password is ${PASSWORD}\nstep 2 done ✓\n`);

  it('never shows a secret or the start of one, wherever the output is cut into chunks', () => {
    for (let cut = 1; cut < output.length; cut++) {
      const tail = new RedactedTail(new Redactor([PASSWORD]), LIVE_TAIL_BYTES);
      for (const text of liveTexts(tail, output, [cut])) {
        expect(text).not.toContain(PASSWORD.slice(0, 6));
        for (let k = 1; k < PASSWORD.length; k++) {
          expect(text.endsWith(PASSWORD.slice(0, k)) && !text.endsWith(REDACTED)).toBe(false);
        }
        expect(text).not.toContain('\uFFFD');
      }
      expect(tail.text(LIVE_TAIL_BYTES, { live: false })).toBe(
        `step 1\nroot password is ${REDACTED}\nstep 2 done ✓\n`,
      );
    }
  });

  it('keeps the last bytes on whole characters and drops the rest of a secret cut off in front', () => {
    const tail = new RedactedTail(new Redactor([PASSWORD]), 64);
    // The kept bytes start inside the two-byte characters.
    tail.push(Buffer.from(`${'x'.repeat(200)}${PASSWORD}`));
    tail.push(Buffer.from(`\n${'é'.repeat(60)}`));
    const text = tail.text(64, { live: true });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(64);
    expect(text).toMatch(/^é+$/);
    const raw = new RedactedTail(new Redactor([PASSWORD]), 20);
    raw.push(Buffer.from(`${'y'.repeat(30)}${PASSWORD}\nend\n`));
    // The kept 20 bytes begin in the middle of the password: that piece is dropped.
    expect(raw.render(20, { live: false })).toEqual({
      text: '\nend\n',
      dropped: 30 + PASSWORD.length,
    });
  });

  it('counts every byte and redacts a secret that arrives split over many chunks', () => {
    const tail = new RedactedTail(new Redactor([KEY]), LIVE_TAIL_BYTES);
    const key = Buffer.from(`key:\n${KEY}ok\n`);
    const seen = liveTexts(
      tail,
      key,
      Array.from({ length: 20 }, (_, i) => 5 + i * 9),
    );
    for (const text of seen) expect(text).not.toMatch(/b3BlbnNzaC1rZXktdjEAAAAA/);
    expect(tail.total).toBe(key.length);
    expect(seen.at(-1)).toBe(`key:\n${REDACTED}\nok\n`);
  });

  it('holds back an incomplete character at the end until the rest arrives', () => {
    const tail = new RedactedTail(new Redactor([]), LIVE_TAIL_BYTES);
    const check = Buffer.from('✓');
    tail.push(Buffer.concat([Buffer.from('ok '), check.subarray(0, 2)]));
    expect(tail.text(LIVE_TAIL_BYTES, { live: true })).toBe('ok ');
    tail.push(check.subarray(2));
    expect(tail.text(LIVE_TAIL_BYTES, { live: true })).toBe('ok ✓');
  });
});

describe('lastBytes', () => {
  it('cuts before a whole character', () => {
    expect(lastBytes('aé', 1)).toBe('');
    expect(lastBytes('aéb', 3)).toBe('éb');
    expect(lastBytes('short', 100)).toBe('short');
  });
});

describe('TransferRate', () => {
  it('answers bytes per second over its window and starts again after a resumed count', () => {
    const rate = new TransferRate(3_000);
    expect(rate.note(0, 1_000)).toBeUndefined();
    expect(rate.note(500, 1_500)).toBe(1_000);
    expect(rate.note(2_500, 2_500)).toBe(1_666.6666666666667);
    // The window slides: only the last three seconds count.
    expect(rate.note(2_500, 5_500)).toBe(0);
    expect(rate.note(100, 6_000)).toBeUndefined();
  });
});
