import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OutputTail } from '../../../src/ssh/output-tail.js';
import { exportPrefix, shellQuote } from '../../../src/ssh/shell-quote.js';

describe('OutputTail', () => {
  it('keeps only the last bytes and says how many were dropped', () => {
    const tail = new OutputTail(10);
    tail.push(Buffer.from('0123456789'));
    tail.push(Buffer.from('abcdef'));
    expect(tail.total).toBe(16);
    expect(tail.text()).toBe('[…6 bytes dropped]\n6789abcdef');
  });

  it('keeps everything when the output fits', () => {
    const tail = new OutputTail(100);
    tail.push(Buffer.from('hello\n'));
    expect(tail.text()).toBe('hello\n');
  });

  it('handles one chunk larger than the limit', () => {
    const tail = new OutputTail(4);
    tail.push(Buffer.from('abcdefgh'));
    expect(tail.text()).toBe('[…4 bytes dropped]\nefgh');
  });
});

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
