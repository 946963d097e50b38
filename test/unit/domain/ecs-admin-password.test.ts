import { describe, expect, it } from 'vitest';
import { ADMIN_PASS_SPECIALS, adminPassProblem } from '../../../src/domain/ecs-admin-password.js';

describe('ECS adminPass rule', () => {
  it.each([
    'Passw0rd!23',
    'abcDEF123',
    'ab1!ab1!',
    'A-b_c=d+e[f]',
    'Buyer!pass-42',
    'Go-sdk!pass1',
  ])('accepts %s', (p) => {
    expect(adminPassProblem(p)).toBeUndefined();
  });

  it('accepts every special ECS allows, and nothing else', () => {
    for (const c of ADMIN_PASS_SPECIALS) expect(adminPassProblem(`Abcdef1${c}`)).toBeUndefined();
    for (const c of ' #&*()<>;\'"`~\\|é') {
      expect(adminPassProblem(`Abcdef1${c}`)).toMatch(/may only contain/);
    }
  });

  it.each([
    ['7 characters', 'Abc12!x', /8 to 26/],
    ['27 characters', 'Aa1!' + 'x'.repeat(23), /8 to 26/],
    ['two classes', 'abcdefgh12', /three/],
    ['the user name', 'Root1234!x', /user name/],
    ['the reversed user name', 'xTOOR123a', /user name/],
  ])('refuses %s', (_why, p, says) => {
    expect(adminPassProblem(p)).toMatch(says);
  });

  it("refuses a buyer's own user name forwards or reversed, in any case", () => {
    expect(adminPassProblem('Deploy!Ops1', { username: 'ops' })).toMatch(/user name/);
    expect(adminPassProblem('Deploy!SPO1', { username: 'ops' })).toMatch(/user name/);
    expect(adminPassProblem('Deploy!Ops1', { username: 'admin' })).toBeUndefined();
  });

  it('never repeats the password in its answer', () => {
    const p = 'short#1';
    expect(adminPassProblem(p)).not.toContain(p);
  });
});
