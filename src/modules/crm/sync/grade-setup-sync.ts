import type { RunStepStatus } from '../../../platform/runs/index.js';

/** Thresholds documented in docs/setup-sync.md; change both together. */
export const GRADE_THRESHOLDS = {
  A: { usableSeconds: 2, totalSeconds: 30 },
  B: { usableSeconds: 5, totalSeconds: 60 },
  C: { usableSeconds: 15, totalSeconds: 180 },
} as const;

export type SetupGrade = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export interface StepFigures {
  name: string;
  status: RunStepStatus;
  isRequired: boolean;
  records: number;
  requests: number;
  rateLimited: number;
  seconds: number;
  error: string | null;
}

export interface InstallReport {
  grade: SetupGrade;
  reasons: string[];
  totalSeconds: number;
  usableSeconds: number | null;
  requests: number;
  records: number;
  rateLimited: number;
  slowestStep: { name: string; seconds: number } | null;
  steps: StepFigures[];
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * A–F: F a required step (the ones that make the location usable) did not finish; E more than one
 * optional step did not; D one did; otherwise by speed: A usable ≤ 2 s and whole setup ≤ 30 s,
 * B ≤ 5 s / ≤ 60 s, C ≤ 15 s / ≤ 180 s, D slower.
 */
export function gradeInstall(input: { steps: readonly StepFigures[]; totalSeconds: number; usableSeconds: number | null }): InstallReport {
  const reasons: string[] = [];
  const unfinished = input.steps.filter((step) => step.status !== 'done');
  const requiredUnfinished = unfinished.filter((step) => step.isRequired);
  let grade: SetupGrade;
  if (requiredUnfinished.length > 0) {
    grade = 'F';
    reasons.push(`required step${requiredUnfinished.length > 1 ? 's' : ''} not done: ${requiredUnfinished.map((step) => `${step.name} (${step.status})`).join(', ')}`);
  } else if (unfinished.length > 1) {
    grade = 'E';
    reasons.push(`steps not done: ${unfinished.map((step) => `${step.name} (${step.status})`).join(', ')}`);
  } else if (unfinished.length === 1) {
    grade = 'D';
    reasons.push(`step not done: ${unfinished.map((step) => `${step.name} (${step.status})`).join(', ')}`);
  } else {
    const usable = input.usableSeconds ?? input.totalSeconds;
    const fits = (limits: { usableSeconds: number; totalSeconds: number }) => usable <= limits.usableSeconds && input.totalSeconds <= limits.totalSeconds;
    grade = fits(GRADE_THRESHOLDS.A) ? 'A' : fits(GRADE_THRESHOLDS.B) ? 'B' : fits(GRADE_THRESHOLDS.C) ? 'C' : 'D';
    reasons.push(`all steps done; usable after ${round(usable)} s, complete after ${round(input.totalSeconds)} s`);
  }
  const slowest = input.steps.reduce<StepFigures | undefined>((max, step) => (!max || step.seconds > max.seconds ? step : max), undefined);
  return {
    grade,
    reasons,
    totalSeconds: round(input.totalSeconds),
    usableSeconds: input.usableSeconds === null ? null : round(input.usableSeconds),
    requests: input.steps.reduce((sum, step) => sum + step.requests, 0),
    records: input.steps.reduce((sum, step) => sum + step.records, 0),
    rateLimited: input.steps.reduce((sum, step) => sum + step.rateLimited, 0),
    slowestStep: slowest ? { name: slowest.name, seconds: round(slowest.seconds) } : null,
    steps: input.steps.map((step) => ({ ...step, seconds: round(step.seconds) })),
  };
}
