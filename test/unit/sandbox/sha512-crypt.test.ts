import { describe, expect, it } from 'vitest';
import { sha512Crypt } from '../../../src/sandbox/sha512-crypt.js';

describe('sha512Crypt', () => {
  it('matches openssl passwd -6 and glibc crypt(3)', () => {
    // openssl passwd -6 -salt saltsalt 'Passw0rd!23'
    expect(sha512Crypt('Passw0rd!23', { salt: 'saltsalt' })).toBe(
      '$6$saltsalt$uc.1BOcGfwINqLjmGWm0.hyB4RSgbpA8NhJNYHFZlu94Sl8zaVbhPU91qc4MTrj8k/WETFpaC82YWZS15qa6l0',
    );
    // glibc crypt('Passw0rd!23', '$6$rounds=1000$saltsalt$')
    expect(sha512Crypt('Passw0rd!23', { salt: 'saltsalt', rounds: 1000 })).toBe(
      '$6$rounds=1000$saltsalt$KCGxtJsYLLTyzEJoI2YdONX1y9chLGD4fKRY0Xg/hC9dfr2Y9wMkZCDYVV5zxO.vJYzxb4xRhdqRu/PlG5pVk/',
    );
    // glibc crypt('x', '$6$a$')
    expect(sha512Crypt('x', { salt: 'a' })).toBe(
      '$6$a$AvQLBHPFSbE4d9QOBrglBdXuv.jRoEFLHgWJlsZ6XhNHrxkMbotj9kAr0GGhdZ5XM6DM29/LJ9jZin3Aj8Tph0',
    );
  });

  it('draws a fresh 16-character salt each time', () => {
    const a = sha512Crypt('same');
    const b = sha512Crypt('same');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
  });
});
