// Type-aware lint, plus the import layering of STYLE.md (see restrictImports).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * Import restrictions, each a set of `no-restricted-imports` paths and patterns with the reason.
 * STYLE.md: one gateway per engine (every `@temporalio/client` call in `src/temporal/`), workflow
 * definitions reached through that gateway, domain rules without I/O, workflows without Node.
 */
const temporalClientOutsideGateway = {
  paths: [
    {
      name: '@temporalio/client',
      message: 'Temporal client calls live in src/temporal/ (take the TemporalGateway instead).',
    },
  ],
};
const workflowsOutsideGateway = {
  patterns: [
    {
      regex: '^(\\.\\./)+workflows(/|$)',
      message: 'Workflow definitions are reached through src/temporal/gateway (or src/api).',
    },
  ],
};
const runtimeFromCrypto = {
  patterns: [
    {
      regex: '(^|/)runtime(/|$)',
      message: 'src/crypto is pure key handling: callers in src/runtime load and pass keys in.',
    },
  ],
};
const ioModules = [
  'fs',
  'fs/promises',
  'net',
  'tls',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'child_process',
  'cluster',
  'worker_threads',
  'readline',
  'os',
];
const ioFromDomain = {
  paths: ioModules
    .flatMap((m) => [m, `node:${m}`])
    .map((name) => ({
      name,
      message: 'src/domain holds rules with no I/O.',
    })),
  patterns: [
    {
      group: [
        'pg',
        '@electric-sql/*',
        'ssh2',
        '@huaweicloud/*',
        '@temporalio/*',
        'hono',
        '@hono/*',
      ],
      message: 'src/domain holds rules with no I/O.',
    },
    {
      regex: '^\\.\\./(db|cloud|ssh|temporal|api|runtime|sandbox|packages|secrets|marketplace)/',
      message: 'src/domain holds rules with no I/O; adapters depend on it, not the other way.',
    },
    {
      regex: '^(\\.\\./)+(workflows|activities)(/|$)',
      message: 'src/domain holds rules with no I/O.',
    },
  ],
};
const builtinsInWorkflows = {
  paths: nodeBuiltins.map((name) => ({
    name,
    message: 'Workflows run in a deterministic sandbox: no Node built-ins.',
  })),
};

/** One `no-restricted-imports` setting for `files`, the union of `sets`. */
function restrictImports(files, sets) {
  const paths = sets.flatMap((s) => s.paths ?? []);
  const patterns = sets.flatMap((s) => s.patterns ?? []);
  return {
    files,
    rules: {
      'no-restricted-imports': sets.length ? ['error', { paths, patterns }] : 'off',
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'bin/**', 'test/go-client/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  // Layering (see restrictImports below): a later block replaces an earlier one's list for the
  // files it matches, so each block names every restriction of its folder.
  restrictImports(['src/**/*.ts'], [temporalClientOutsideGateway, workflowsOutsideGateway]),
  restrictImports(['src/api/**/*.ts'], [temporalClientOutsideGateway]),
  restrictImports(['src/temporal/**/*.ts'], []),
  restrictImports(
    ['src/crypto/**/*.ts'],
    [temporalClientOutsideGateway, workflowsOutsideGateway, runtimeFromCrypto],
  ),
  restrictImports(
    ['src/domain/**/*.ts'],
    [temporalClientOutsideGateway, workflowsOutsideGateway, ioFromDomain],
  ),
  restrictImports(['activities/**/*.ts'], [temporalClientOutsideGateway]),
  restrictImports(['workflows/**/*.ts'], [builtinsInWorkflows, temporalClientOutsideGateway]),
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  // The console's own browser scripts (served as they are, no build step).
  {
    files: ['src/web/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'script',
      globals: globals.browser,
    },
  },
);
