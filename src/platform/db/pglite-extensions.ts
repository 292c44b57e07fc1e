import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * Contrib extensions the migrations create. PGlite ships each as a separate bundle that must be loaded
 * at start, also to open a data directory (or dump) in which the extension already exists; both the
 * in-thread and the worker-thread PGlite load them.
 */
export const PGLITE_EXTENSIONS = { pg_trgm };
