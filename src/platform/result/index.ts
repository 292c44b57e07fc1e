export { succeed, fail } from './result.js';
export type { Result, Failure, FailureCodeOf } from './result.js';
