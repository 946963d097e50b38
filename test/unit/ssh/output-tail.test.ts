import { describe, expect, it } from 'vitest';
import { OutputTail } from '../../../src/ssh/output-tail.js';

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
