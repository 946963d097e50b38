import { describe, expect, it } from 'vitest';
import { adminPassProblem } from '../../../src/sandbox/admin-pass.js';

describe('adminPass rules (Ecs.0011)', () => {
  it.each(['Passw0rd!23', 'abcDEF123', 'ab1!ab1!', 'A-b_c=d+e[f]'])('accepts %s', (p) => {
    expect(adminPassProblem(p)).toBeUndefined();
  });
  it.each([
    ['short', 'Ab1!'],
    ['too long', 'Aa1!'.repeat(7)],
    ['two classes', 'abcdefgh12'],
    ['the user name', 'Root1234!x'],
    ['the reversed user name', 'xTOOR123a'],
    ['a character ECS refuses', 'Passw0rd 23'],
  ])('refuses %s', (_why, p) => {
    expect(adminPassProblem(p)).toBeDefined();
  });
  it('refuses three consecutive characters of Administrator on Windows', () => {
    expect(adminPassProblem('Xmin!2345a', 'windows')).toBeDefined();
    expect(adminPassProblem('Xmin!2345a', 'linux')).toBeUndefined();
  });
});
