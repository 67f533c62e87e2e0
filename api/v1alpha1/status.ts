// The PipelineRun status, written by the operator (and, locally, mirrored by the runner's summary).
import { Type, type Static } from '@sinclair/typebox';

const Time = Type.String({ format: 'date-time' });
const Phase = Type.Unsafe<RunPhase>({ type: 'string', enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Cancelled'] });
export type RunPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Cancelled';
/** Phases after which nothing runs until a retry. */
export const TERMINAL_PHASES: readonly RunPhase[] = ['Succeeded', 'Failed', 'Cancelled'];
export const isTerminalPhase = (phase: RunPhase | undefined): boolean => phase !== undefined && TERMINAL_PHASES.includes(phase);
export type StagePhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped' | 'Cancelled';

/** metav1.Condition, as Kubernetes defines it. */
export const Condition = Type.Object({
  type: Type.String({ maxLength: 316 }),
  status: Type.Unsafe<'True' | 'False' | 'Unknown'>({ type: 'string', enum: ['True', 'False', 'Unknown'] }),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  lastTransitionTime: Time,
  reason: Type.String({ maxLength: 1024 }),
  message: Type.String({ maxLength: 32768 }),
});

export const StageStatus = Type.Object({
  name: Type.String(),
  phase: Type.Unsafe<StagePhase>({ type: 'string', enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped', 'Cancelled'] }),
  jobs: Type.Optional(Type.Array(Type.String())),
  startTime: Type.Optional(Time),
  completionTime: Type.Optional(Time),
  message: Type.Optional(Type.String()),
  cachedFrom: Type.Optional(Type.String({ description: 'The run (namespace/name) whose published outputs this stage reused: same input digest, so nothing was computed again.' })),
  summary: Type.Optional(Type.Object({}, { 'x-kubernetes-preserve-unknown-fields': true })),
});

export const Results = Type.Object({
  accuracy: Type.Optional(Type.Number()),
  precision: Type.Optional(Type.Number()),
  recall: Type.Optional(Type.Number()),
  f1: Type.Optional(Type.Number()),
  rocAuc: Type.Optional(Type.Number()),
  baselineAccuracy: Type.Optional(Type.Number()),
  baselineF1: Type.Optional(Type.Number()),
  report: Type.Optional(Type.String()),
});

export const PipelineRunStatus = Type.Object({
  phase: Type.Optional(Phase),
  currentStage: Type.Optional(Type.String()),
  progress: Type.Optional(Type.String({ description: 'Stages done / total, e.g. 3/6.' })),
  observedGeneration: Type.Optional(Type.Integer()),
  startTime: Type.Optional(Time),
  completionTime: Type.Optional(Time),
  duration: Type.Optional(Type.String({ description: 'completionTime - startTime of the last attempt, e.g. 4m12s (set when the run ends).' })),
  attempt: Type.Optional(Type.Integer({ minimum: 1, description: 'Attempt number: 1, then one more for each retry.' })),
  retry: Type.Optional(Type.Object({
    value: Type.String({ description: 'The bugforge.dev/retry annotation value this attempt answered.' }),
    fromStage: Type.String({ description: 'The stage the attempt re-ran from.' }),
    forced: Type.Boolean({ description: 'true: from a chosen stage (bugforge.dev/retry-from-stage), redoing it and every later stage; false: from the failed stage, reusing what was published.' }),
    startTime: Time,
  })),
  artifacts: Type.Optional(Type.String({ description: 'URI of the run\'s artifact prefix.' })),
  conditions: Type.Optional(Type.Array(Condition, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })),
  stages: Type.Optional(Type.Array(StageStatus)),
  results: Type.Optional(Results),
});

export type Condition = Static<typeof Condition>;
export type StageStatus = Static<typeof StageStatus>;
export type Results = Static<typeof Results>;
export type PipelineRunStatus = Static<typeof PipelineRunStatus>;
