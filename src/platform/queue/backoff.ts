/**
 * Exponential backoff with "equal jitter": half of the delay is fixed, half random, so retries of a
 * burst that failed together spread out instead of hammering the dependency in lockstep.
 */
export function computeBackoffSeconds(attempt: number, baseSeconds: number, maxSeconds: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return exponential / 2 + (exponential / 2) * random();
}
