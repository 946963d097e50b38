import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Tests mirror the code: the test of `src/x/y.ts` is `test/<kind>/x/y.test.ts`, of `activities/y.ts`
 * `test/<kind>/activities/y.test.ts`, of `workflows/y.ts` `test/<kind>/workflows/y.test.ts`. A
 * second file of the same kind for one module is `y.<aspect>.test.ts`. Helpers live in
 * `test/helpers/`, never beside the tests.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const KINDS = ['unit', 'integration'];

/**
 * Tests of no single module (journeys through the whole app), by path under test/, each with its
 * reason. test/e2e/ is all journeys and is not checked; rules over the whole tree (this file,
 * sql-placement) sit directly in test/.
 */
const NOT_ONE_MODULE: Record<string, string> = {};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split(path.sep).join('/'));
}

/**
 * The module files a test at `mirrored` (its path under test/<kind>/, minus `.test.ts`) may test:
 * `a.b.c` is a test of module `a.b.c`, `a.b` (aspect `c`) or `a`.
 */
function candidates(mirrored: string): string[] {
  const dir = path.posix.dirname(mirrored);
  const parts = path.posix.basename(mirrored).split('.');
  return parts.flatMap((_, i) => {
    const name = parts.slice(0, parts.length - i).join('.');
    const base = dir === '.' ? name : `${dir}/${name}`;
    const roots = /^(activities|workflows)\//.test(base) ? ['', 'src/'] : ['src/'];
    return roots.flatMap((r) =>
      ['.ts', '.tsx'].flatMap((ext) => [`${r}${base}${ext}`, `${r}${base}/index${ext}`]),
    );
  });
}

describe('test layout', () => {
  for (const kind of KINDS) {
    const files = filesUnder(path.join(ROOT, 'test', kind));

    it(`names every ${kind} test after the module it tests`, () => {
      const strays = files
        .filter((f) => f.endsWith('.test.ts'))
        .filter((f) => !(`${kind}/${f}` in NOT_ONE_MODULE))
        .filter(
          (f) =>
            !candidates(f.slice(0, -'.test.ts'.length)).some((c) => existsSync(path.join(ROOT, c))),
        )
        .map((f) => `test/${kind}/${f}`);
      expect(strays, 'no src/, activities/ or workflows/ module for these tests').toEqual([]);
    });

    it(`keeps helpers out of test/${kind} (they belong in test/helpers)`, () => {
      expect(files.filter((f) => !f.endsWith('.test.ts')).map((f) => `test/${kind}/${f}`)).toEqual(
        [],
      );
    });
  }

  it('lists only tests that still exist as not of one module', () => {
    expect(
      Object.keys(NOT_ONE_MODULE).filter((f) => !existsSync(path.join(ROOT, 'test', f))),
    ).toEqual([]);
  });
});
