import { randomUUID } from 'node:crypto';

export type IdGenerator = (prefix?: string) => string;

/** Ids are opaque text; a short prefix tells a support engineer what kind of row an id names. */
export const generateId: IdGenerator = (prefix) => (prefix ? `${prefix}_${randomUUID().replaceAll('-', '')}` : randomUUID());
