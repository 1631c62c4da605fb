import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The layer rules of .dependency-cruiser.cjs, run on a small tree that breaks each of them once, in
// folders nested deeper than the rules' own examples: a rule that only held one level deep (as the
// old `../store/*` lint patterns did) fails here.

const root = join(import.meta.dirname, '../..');

const files: Record<string, string> = {
  'src/domain/schema.ts': "import { z } from 'zod';\nexport const Name = z.string();\n",
  'src/domain/deep/er/impure.ts':
    "import { readFileSync } from 'node:fs';\nimport { db } from '../../../store/db.js';\nexport const read = () => [readFileSync, db];\n",
  'src/store/db.ts': "import { Name } from '../domain/schema.js';\nexport const db = Name;\n",
  'src/store/nested/reaches-up.ts': "import { act } from '../../activities/acts.js';\nexport const up = act;\n",
  'src/activities/acts.ts': 'export async function act(): Promise<number> {\n  return 1;\n}\n',
  'src/workflows/fine.ts':
    "import { proxyActivities } from '@temporalio/workflow';\nimport type * as acts from '../activities/acts.js';\nimport type { db } from '../store/db.js';\nimport { Name } from '../domain/schema.js';\nexport const { act } = proxyActivities<typeof acts>({ startToCloseTimeout: '1 minute' });\nexport type Db = typeof db;\nexport const name = Name;\n",
  'src/workflows/a/b/c/bad.ts':
    "import { act } from '../../../../activities/acts.js';\nimport { db } from '../../../../store/db.js';\nimport { join } from 'path';\nexport const bad = [act, db, join];\n",
  'src/cli/sub/command.ts': "import { db } from '../../store/db.js';\nexport const command = db;\n",
  'src/loops/one.ts': "import { two } from './two.js';\nexport const one = () => two;\n",
  'src/loops/two.ts': "import { one } from './one.js';\nexport const two = () => one;\n",
  'src/loops/typed-one.ts': "import type { TypedTwo } from './typed-two.js';\nexport const typedOne = 1;\nexport type T = TypedTwo;\n",
  'src/loops/typed-two.ts': "import { typedOne } from './typed-one.js';\nexport type TypedTwo = typeof typedOne;\n",
  'src/uses-dev-dependency.ts': "import { describe } from 'vitest';\nexport const d = describe;\n",
};

type Violation = { rule: string; severity: string; from: string; to: string };

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pressroom-deps-'));
  let violations: Violation[] = [];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'fixture',
        type: 'module',
        dependencies: { zod: '*', '@temporalio/workflow': '*', '@temporalio/common': '*' },
        devDependencies: { vitest: '*' },
      }),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, verbatimModuleSyntax: true }, include: ['src'] }),
    );
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    // The project's config as is; only symlinks are kept so node_modules/ paths read as in the project.
    writeFileSync(
      join(dir, 'depcruise.cjs'),
      `module.exports = { extends: ${JSON.stringify(join(root, '.dependency-cruiser.cjs'))}, options: { preserveSymlinks: true } };\n`,
    );
    let out: string;
    try {
      out = execFileSync(
        process.execPath,
        [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'src', '--config', 'depcruise.cjs', '-T', 'json'],
        {
          cwd: dir,
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
    } catch (error) {
      // Exit status 1 with a report on stdout means "violations found", which is the point.
      out = (error as { stdout: string }).stdout;
    }
    const report = JSON.parse(out) as { summary: { violations: Array<{ rule: { name: string; severity: string }; from: string; to: string }> } };
    violations = report.summary.violations.map((v) => ({ rule: v.rule.name, severity: v.rule.severity, from: v.from, to: v.to }));
  }, 60_000);

  const rulesFrom = (from: string) =>
    violations
      .filter((v) => v.from === from)
      .map((v) => `${v.rule} -> ${v.to.replace(/^node_modules\/([^/]+)\/.*$/, 'node_modules/$1')}`)
      .sort();

  it('keeps domain pure and lowest, however deep the file', () => {
    expect(rulesFrom('src/domain/deep/er/impure.ts')).toEqual(['domain-has-no-io -> fs', 'domain-imports-only-domain -> src/store/db.ts']);
    expect(rulesFrom('src/domain/schema.ts')).toEqual([]);
  });

  it('lets workflows load only the workflow SDK, domain and activity types', () => {
    expect(rulesFrom('src/workflows/a/b/c/bad.ts')).toEqual([
      'workflows-import-only-sdk-domain-and-activity-types -> path',
      'workflows-import-only-sdk-domain-and-activity-types -> src/store/db.ts',
      'workflows-take-activity-types-only -> src/activities/acts.ts',
    ]);
    expect(rulesFrom('src/workflows/fine.ts')).toEqual([]);
  });

  it('keeps store on domain, the CLI off the store, and product code off devDependencies', () => {
    expect(rulesFrom('src/store/nested/reaches-up.ts')).toEqual(['store-imports-only-domain -> src/activities/acts.ts']);
    expect(rulesFrom('src/cli/sub/command.ts')).toEqual(['cli-never-imports-store -> src/store/db.ts']);
    expect(rulesFrom('src/uses-dev-dependency.ts')).toEqual(['src-not-to-dev-dependency -> node_modules/vitest']);
  });

  it('fails on a run-time import cycle and only warns on one closed by `import type`', () => {
    const cycles = violations.filter((v) => v.rule.startsWith('no-circular'));
    const errors = cycles.filter((v) => v.severity === 'error').map((v) => v.from);
    const warnings = cycles.filter((v) => v.severity === 'warn').map((v) => v.from);
    // Each cycle is reported once, from one of its modules.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^src\/loops\/(one|two)\.ts$/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^src\/loops\/typed-(one|two)\.ts$/);
  });
});
