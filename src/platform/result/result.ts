/** Expected failures are values with a stable string code; routes map codes to HTTP statuses. */
export type Result<T, Code extends string> = { ok: true; value: T } | Failure<Code>;

export interface Failure<Code extends string> {
  ok: false;
  code: Code;
  message: string;
  details?: unknown;
}

export function succeed<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<Code extends string>(code: Code, message: string, details?: unknown): Failure<Code> {
  return details === undefined ? { ok: false, code, message } : { ok: false, code, message, details };
}

/** The failure codes a use case can return, read from its type (sync or async). */
export type FailureCodeOf<F extends (...args: never[]) => unknown> = Extract<Awaited<ReturnType<F>>, { ok: false }> extends Failure<infer Code> ? Code : never;
