import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layer rules (which folder may import which) live in .dependency-cruiser.cjs (`npm run lint:deps`),
// where they hold at any folder depth; this file keeps the per-file rules.

/** Every Node built-in, bare and with the `node:` prefix (exact names: `domain` must not catch `../domain/x.js`). */
const nodeBuiltins = [...new Set(builtinModules.flatMap((name) => (name.startsWith('node:') ? [name] : [name, `node:${name}`])))];

/** Forbids every Node built-in plus the given packages, with one message each. */
function forbidImports(builtinMessage, packages, packageMessage) {
  return [
    'error',
    {
      paths: nodeBuiltins.map((name) => ({ name, message: builtinMessage })),
      patterns: [
        // Built-ins that exist only with the prefix (node:test, node:sqlite, node:sea) and any added later;
        // the listed ones are left to `paths`, so an import is reported once.
        { group: ['node:*', ...nodeBuiltins.filter((name) => name.startsWith('node:')).map((name) => `!${name}`)], message: builtinMessage },
        { group: packages, message: packageMessage },
      ],
    },
  ];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.pressroom/**', 'coverage/**', 'bin/**', 'eslint.config.js', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': forbidImports(
        'Workflow code runs in the deterministic sandbox: no Node built-in (do the work in an activity).',
        ['pg', '@electric-sql/*', '@temporalio/activity', '@temporalio/client', '@temporalio/worker'],
        'Workflow code must stay deterministic: no I/O and no SDK package but @temporalio/workflow.',
      ),
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': forbidImports(
        'domain is pure: no Node built-in.',
        ['pg', '@electric-sql/*', '@temporalio/*'],
        'domain is pure: no I/O, no Temporal.',
      ),
    },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.stringContaining) are typed `any`, and
    // `expect(mock.method)` reads a method off its object by design: both are how tests assert.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Fakes implement async interfaces with values at hand.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
