export { succeed, fail } from './result.js';
export type { Result, Failure } from './result.js';
