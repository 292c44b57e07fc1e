import { RunStepError, type StepRun } from '../../platform/runs/index.js';
import type { GhlAnswer } from './ghl-gateway.js';

export type GhlStepFetch = <T>(label: string, call: () => Promise<GhlAnswer<T>>) => Promise<T>;

/** One GHL request of a run step (setup sync, reconciliation): counted for the step; a failed answer fails the step. */
export function createGhlStepFetch(step: Pick<StepRun, 'throwIfStopped' | 'countRequest' | 'countRateLimited'>): GhlStepFetch {
  return async (label, call) => {
    step.throwIfStopped();
    step.countRequest();
    const result = await call();
    if (!result.ok) {
      if (result.error.code === 'rate_limited') step.countRateLimited();
      throw new RunStepError(`${label} answered ${result.error.status} ${result.error.code}: ${result.error.message}`);
    }
    return result.data;
  };
}
