/** Module boundaries from docs/ARCHITECTURE.md §6, enforced in `npm run lint`. */
module.exports = {
  forbidden: [
    {
      name: 'platform-imports-no-module',
      comment: 'platform/ is shared I/O without business rules: it never imports a module.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/(modules|main|sandbox)/' },
    },
    {
      name: 'modules-through-index-only',
      comment: 'A module imports another module only through its index.ts.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'only-main-starts-the-sandbox',
      comment: 'src/ never imports the GHL sandbox; only entry points (and tests) may start it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main/', '^src/sandbox/', '\\.test\\.ts$'] },
      to: { path: '^src/sandbox/' },
    },
    {
      name: 'sandbox-is-standalone',
      comment: 'The sandbox simulates GHL; it must not lean on our own modules.',
      severity: 'error',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/(modules|main)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'only-env-reader-is-main',
      comment: 'Only src/main reads process.env (checked by eslint no-restricted-properties); config/ parses what main passes.',
      severity: 'error',
      from: { path: '^src/(modules|platform)/' },
      to: { path: '^src/main/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
