// Pressroom's layer rules (../shared/DESIGN.md, "Layers" and "What must never happen"), checked by
// `npm run lint:deps`. Paths are matched from the repository root, so a rule on `^src/workflows/`
// holds for every nested folder too, whatever relative path an import is written with. Type-only
// imports (`import type`) are told apart: a workflow may take activity TYPES, never their code.
// Note that `import { type X }` under verbatimModuleSyntax still loads the module at run time, so
// it counts as a value import here.

/** Everything under src/ except the named top-level folders. */
const srcExcept = (...folders) => `^src/(?!(${folders.join('|')})/)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle at run time: modules that load each other cannot be layered, tested or loaded in any order. Break it by moving the shared part down.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-through-types',
      severity: 'warn',
      comment: 'A cycle closed only by `import type`: harmless at run time, but the layers still know each other. Reported, not failed.',
      from: {},
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'This import cannot be resolved to a file or an installed package.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-undeclared-package',
      severity: 'error',
      comment: 'A package that is not in package.json (it only works while something else happens to install it).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'src-not-to-dev-dependency',
      severity: 'error',
      comment: 'The worker image installs production dependencies only (npm ci --omit=dev): src/ may use a devDependency for types only.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-not-to-tests',
      severity: 'error',
      comment: 'Product code never imports tests, benchmarks or scripts.',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },

    // domain: pure TypeScript. No I/O, no Temporal, nothing above it.
    {
      name: 'domain-imports-only-domain',
      severity: 'error',
      comment: 'domain is the lowest layer: it imports nothing else from src/ (not even config).',
      from: { path: '^src/domain/' },
      to: { path: [srcExcept('domain'), '^src/[^/]+$'] },
    },
    {
      name: 'domain-has-no-io',
      severity: 'error',
      comment: 'domain is pure: no Node built-in, no Temporal, no database driver, not even as types; zod is its one package.',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: '^node_modules/zod/' },
    },

    // workflows: deterministic code, bundled by webpack into the workflow sandbox.
    {
      name: 'workflows-import-only-sdk-domain-and-activity-types',
      severity: 'error',
      comment:
        'A workflow file loads only @temporalio/workflow (and @temporalio/common, the part of the SDK it is built on), domain and other workflow files; anything else (store, config, http, a Node built-in, another package) as types only.',
      from: { path: '^src/workflows/' },
      to: { pathNot: ['^src/(workflows|domain|activities)/', '^node_modules/@temporalio/(workflow|common)/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-take-activity-types-only',
      severity: 'error',
      comment:
        'Workflows reference activities by type (proxyActivities<typeof ...>); importing a value pulls activity code into the sandbox. Use `import type`.',
      from: { path: '^src/workflows/' },
      to: { path: '^src/activities/', dependencyTypesNot: ['type-only'] },
    },

    // store and sources: the I/O edges, over domain only.
    {
      name: 'store-imports-only-domain',
      severity: 'error',
      comment: 'store imports domain only (and its drivers).',
      from: { path: '^src/store/' },
      to: { path: [srcExcept('store', 'domain'), '^src/[^/]+$'] },
    },
    {
      name: 'sources-imports-only-domain',
      severity: 'error',
      comment: 'sources (reading and writing documents on disk) imports domain only.',
      from: { path: '^src/sources/' },
      to: { path: [srcExcept('sources', 'domain'), '^src/[^/]+$'] },
    },

    // ingest (and its future siblings): plain async functions over store, sources and domain.
    {
      name: 'ingest-never-imports-temporal',
      severity: 'error',
      comment: 'ingest is the capability work without Temporal: the activity runs it, and so does the benchmark. No Temporal package, no layer above it.',
      from: { path: '^src/ingest/' },
      to: { path: ['^node_modules/@temporalio/', srcExcept('ingest', 'store', 'sources', 'domain'), '^src/[^/]+$'] },
    },

    {
      name: 'search-never-imports-temporal',
      severity: 'error',
      comment: 'search (reindex work: fill, similar posts, verification) is capability work without Temporal, like ingest: store and domain only.',
      from: { path: '^src/search/' },
      to: { path: ['^node_modules/@temporalio/', srcExcept('search', 'store', 'domain'), '^src/[^/]+$'] },
    },

    // activities: factories over their dependencies.
    {
      name: 'activities-stay-below-the-top',
      severity: 'error',
      comment:
        'Activities import domain, store, sources, ingest and @temporalio/activity; never workflows, the worker, the client, the CLI, http or config values (they get their dependencies from the factory).',
      from: { path: '^src/activities/' },
      to: {
        path: ['^src/(workflows|cli|client|http|temporal)/', '^src/[^/]+$', '^node_modules/@temporalio/(workflow|worker|client)/'],
        dependencyTypesNot: ['type-only'],
      },
    },

    // http: the worker's HTTP server over store and domain.
    {
      name: 'http-imports-only-store-and-domain',
      severity: 'error',
      comment: 'http serves what the store holds: it imports store and domain (values handed in by the worker come as types).',
      from: { path: '^src/http/' },
      to: { path: [srcExcept('http', 'store', 'domain'), '^src/[^/]+$'], dependencyTypesNot: ['type-only'] },
    },

    // cli: thin commands over client/ and the HTTP API.
    {
      name: 'cli-never-imports-store',
      severity: 'error',
      comment: 'The CLI reads stored data through the HTTP API and starts work through Temporal; it never opens the database.',
      from: { path: '^src/cli/' },
      // The data-dir lock file is no database: `pressroom dev` takes it before it starts anything.
      to: { path: ['^src/store/', '^node_modules/(pg|@electric-sql)/'], pathNot: '^src/store/lock\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-cli-imports-cli',
      severity: 'error',
      comment: 'The CLI is the top layer: nothing in src/ outside src/cli/ imports it.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },

    // client: typed starters on the Temporal client.
    {
      name: 'client-never-imports-store-or-activities',
      severity: 'error',
      comment: 'The client starts workflows through Temporal: it never touches the store, ingest, sources or activity code.',
      from: { path: ['^src/client/', '^src/client\\.ts$'] },
      to: { path: ['^src/(store|ingest|sources|activities|cli)/', '^node_modules/(pg|@electric-sql)/'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
