import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.pressroom/**', 'coverage/**', 'bin/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'pg', '@electric-sql/*', '@temporalio/activity', '@temporalio/client', '@temporalio/worker'], message: 'Workflow code must stay deterministic: no I/O or Node built-ins.' },
          { group: ['../store/*', '../config*', '../http/*'], message: 'Workflows may only import domain code and activity TYPES.' },
        ],
      }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'pg', '@electric-sql/*', '@temporalio/*'], message: 'domain is pure: no I/O, no Temporal.' },
          { group: ['../store/*', '../activities/*', '../workflows/*', '../config*', '../http/*'], message: 'domain imports nothing above it.' },
        ],
      }],
    },
  },
);
