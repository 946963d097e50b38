import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exportPrefix, shellQuote } from '../../../src/ssh/shell-quote.js';

describe('shell quoting', () => {
  // Run through a real sh: what comes out must be exactly what went in.
  const echo = (word: string) =>
    execFileSync('sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' });

  it.each(["it's", '$(rm -rf /)', '`id`', 'a"b', 'back\\slash', ' spaces  ', '*', '\n'])(
    'passes %j through sh unchanged',
    (word) => {
      expect(echo(word)).toBe(word);
    },
  );

  it('refuses a NUL byte', () => {
    expect(() => shellQuote('a\0b')).toThrow(TypeError);
  });

  it('exports variables with quoted values', () => {
    const out = execFileSync(
      'sh',
      ['-c', `${exportPrefix({ A: "x'y", B: '$HOME' })}printf '%s|%s' "$A" "$B"`],
      { encoding: 'utf8' },
    );
    expect(out).toBe("x'y|$HOME");
  });
});
