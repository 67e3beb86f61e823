/**
 * Import rules checked by `npm run check:deps` (dependency-cruiser), which `npm test` runs right after
 * `typecheck`.
 *
 * 1. No import cycle anywhere: package sources (`packages/*\/src`), `bench/`, `scripts/`, `demo/`,
 *    `examples/`, and the tests and e2e specs. Type-only imports count: a cycle of types is still a
 *    cycle a reader has to untangle.
 * 2. Package sources (`packages/*\/src`), the demo and the examples reach another package only through
 *    its package name and an entry point of its `exports` map (e.g. `@shared-realtime/worker/protocol`);
 *    a relative import that climbs into another package is an error, and so is a subpath that the
 *    `exports` map does not list (it does not resolve).
 * 3. Harness code — tests (`packages/*\/test`, `test/`), `e2e/`, `bench/` and config files
 *    (`*.config.ts`) — may import any package's source files relatively: unit tests exercise internals,
 *    fakes implement internal interfaces, and the e2e and bench harnesses start the local server from
 *    source (`packages/server/src/index.ts`, `auth.ts` for the keys). What they may not do: import
 *    any `dist/` output. Shipped sources never import harness code.
 *
 * Known violations (cycles in the worker and the client that other redesign branches remove) are
 * listed in `.dependency-cruiser-known-violations.json` and ignored with `--ignore-known`; any new
 * violation fails. Regenerate that file (after the other redesigns land, or when a known violation is
 * fixed) with `npm run check:deps:baseline`, which cruises the same paths as `check:deps`.
 */

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make modules impossible to read or test one at a time. Invert the dependency: give the lower module a narrow interface it is handed.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-cross-package-relative-import',
      severity: 'error',
      comment: "A package's source reaches another package only by its name and an `exports` entry point (e.g. `@shared-realtime/worker/protocol`).",
      from: { path: '^packages/([^/]+)/src/' },
      to: { path: '^packages/', pathNot: '^packages/$1/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'no-package-internals-from-apps',
      severity: 'error',
      comment: 'The demo and the examples use the packages as a user would: by name and `exports` entry points only.',
      from: { path: '^(demo|examples)/', pathNot: '\\.config\\.ts$' },
      to: { path: '^packages/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'no-test-code-in-sources',
      severity: 'error',
      comment: 'Shipped code never imports tests, e2e or bench code.',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '^(packages/[^/]+/test/|test/|e2e/|bench/)' },
    },
    {
      name: 'no-built-output',
      severity: 'error',
      comment: "Nothing imports a package's build output (`dist/`) relatively: it may be stale or missing.",
      from: {},
      to: { path: '^packages/[^/]+/dist/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: "An import that does not resolve: a typo, or another package's subpath that its `exports` map does not list. The consumer fixtures (test/consumers/<app>/) are built in a scratch install with their own dependencies.",
      from: { pathNot: '^test/consumers/[^/]+/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Reads the root manifest too, so imports of a workspace by name are typed `aliased-workspace`.
    combinedDependencies: true,
    exclude: { path: '(^|/)(node_modules|dist)/|^test/consumers/next/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.tests.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'types', 'default'],
      extensions: ['.ts', '.tsx', '.mts', '.mjs', '.js', '.d.ts'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
