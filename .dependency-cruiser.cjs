/** Module boundaries from docs/ARCHITECTURE.md §6, enforced in `npm run lint`. */

/** One rule per module: it may import only itself, the listed modules (through their index.ts), and platform. */
function moduleEdges(allowed) {
  const known = Object.keys(allowed);
  return known.map((module) => ({
    name: `module-edges-${module}`,
    comment: `${module} may import only: ${allowed[module].join(', ') || 'no other module'}`,
    severity: 'error',
    from: { path: `^src/modules/${module}/` },
    to: { path: `^src/modules/(?!(${[module, ...allowed[module]].join('|')})/)[^/]+/` },
  }));
}

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
    // Allowed edges between modules (docs/ARCHITECTURE.md §6): domain modules sit above adapters and
    // reach them through ports wired in src/main; a module not listed here imports no other module.
    ...moduleEdges({
      tenants: [],
      vault: [],
      health: [],
      webhooks: ['tenants'],
      ghl: ['tenants', 'vault', 'webhooks'],
      crm: ['tenants', 'webhooks'],
      notifications: ['tenants', 'vault'],
    }),
    {
      name: 'drizzle-only-in-repos-and-tables',
      comment: 'SQL lives in *.repo.ts (and schemas in *.tables.ts); use cases, routes and processors call repos.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: [
          '\\.(repo|tables|test)\\.ts$',
          '^src/platform/db/',
        ],
      },
      to: { path: '^node_modules/drizzle-orm/' },
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
