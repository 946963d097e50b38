import { fileURLToPath } from 'node:url';

/**
 * The path of another module of OneClick that a library loads by file name (Temporal bundles the
 * workflows and the failure converter from a path): `relative` is written without its extension
 * and resolved against `base`, the caller's `import.meta.url`. Run from source (tsx, vitest) the
 * caller is a `.ts` file and so is the target; run from `npm run build`'s `dist/` both are `.js`.
 */
export function moduleFile(relative: string, base: string): string {
  const ext = /\.[cm]?ts$/.test(new URL(base).pathname) ? '.ts' : '.js';
  return fileURLToPath(new URL(`${relative}${ext}`, base));
}
