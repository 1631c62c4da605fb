import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The project's eslint.config.js as ESLint resolves it for a workflow file. Its import rule is then run
// alone (it needs no type information) over an import of every Node built-in.

const root = join(import.meta.dirname, '../..');

async function rulesFor(file: string): Promise<Record<string, unknown>> {
  const config = (await new ESLint({ cwd: root }).calculateConfigForFile(join(root, file))) as { rules: Record<string, unknown> };
  return config.rules;
}

async function restrictedImports(file: string, specifiers: string[]): Promise<string[]> {
  const rule = (await rulesFor(file))['no-restricted-imports'] as Linter.RuleEntry;
  const code = specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n');
  const messages = new Linter().verify(
    code,
    [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, rules: { 'no-restricted-imports': rule } }],
    'probe.ts',
  );
  expect(messages.filter((m) => m.fatal)).toEqual([]);
  return messages.map((m) => specifiers[m.line - 1]!);
}

describe('eslint.config.js', () => {
  it('forbids every Node built-in in workflow files, with and without node:, however deep the file', async () => {
    const bare = builtinModules.filter((name) => !name.startsWith('node:'));
    const all = [...bare, ...bare.map((name) => `node:${name}`), 'node:test', 'node:sqlite'];
    for (const file of ['src/workflows/index.ts', 'src/workflows/nested/deeper/file.ts']) {
      const flagged = await restrictedImports(file, all);
      expect(flagged.sort()).toEqual([...all].sort());
    }
  });

  it('lets workflow files import the workflow SDK, domain (whose folder shares a built-in name) and activity types', async () => {
    const allowed = ['@temporalio/workflow', '../domain/names.js', '../domain/errors.js', '../activities/import.js', './profiles.js'];
    expect(await restrictedImports('src/workflows/index.ts', allowed)).toEqual([]);
    expect(await restrictedImports('src/workflows/index.ts', ['pg', '@temporalio/activity', '@temporalio/worker'])).toHaveLength(3);
  });

  it("uses typescript-eslint's recommendedTypeChecked preset", async () => {
    const rules = await rulesFor('src/worker.ts');
    for (const name of ['@typescript-eslint/no-unsafe-assignment', '@typescript-eslint/no-floating-promises', '@typescript-eslint/require-await']) {
      expect([rules[name]].flat()[0]).toBe(2);
    }
  });
});
