export { executeRun, abandonUnfinishedRun, describeStepFailure, RunInterruptedError, RunNotFoundError, RunStepError } from './run-engine.js';
export type { RunDefinition, RunEngineDeps, RunStepDefinition, StartedRun, StepPage, StepRun, StepStart } from './run-engine.js';
export { enqueueRun, registerRunJob } from './run-jobs.js';
export type { EnqueuedRun, RunKind, RunTarget } from './run-jobs.js';
export {
  findLatestCompletedRunStart,
  findLatestRun,
  findRun,
  findRunsVersion,
  findStepHighWaterMarks,
  isRunFinished,
  listRunSteps,
  listRunsOfLocation,
} from './runs.repo.js';
export type { RunCursor, RunRow, RunStatus, RunStepRow, RunStepStatus } from './runs.repo.js';
