// The reconcile: a pure function from a PipelineRun and what the cluster shows (its Jobs and
// their Pods) to what should change — Jobs to create, the status to write, Events to record.
// The Kubernetes IO lives in apply.ts; this file never talks to the API server.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import { STAGE_NAMES, type StageName } from '../../api/v1alpha1/spec.js';
import type { Condition, PipelineRunStatus, RunPhase, StageStatus } from '../../api/v1alpha1/status.js';
import { ValidationError, validateSpec } from '../../api/v1alpha1/validate.js';
import { runPrefix, stageDir } from '../../core/stage/layout.js';
import { STAGE_GRAPH } from '../../core/stage/graph.js';
import { resolveStorage, storeUri, type ReconcileConfig } from './config.js';
import { metaTime, sameValue, setCondition } from './conditions.js';
import { durationMs, type PendingProblem } from './observe.js';
import { stageProgress, type StageFailure } from './stage-progress.js';
import { resultsFrom } from './summaries.js';

export interface RunEvent { type: 'Normal' | 'Warning'; reason: string; message: string }

export interface ReconcileResult {
  jobsToCreate: V1Job[];
  /** Names of Jobs to delete (none today: a failed run keeps its Jobs for inspection). */
  jobsToDelete: string[];
  status: PipelineRunStatus;
  /** False when `status` equals the run's current status (ignoring key order): no write needed. */
  statusChanged: boolean;
  events: RunEvent[];
  /** Look again after this long even without a change (a Pod may pass its pending timeout). */
  requeueAfterMs?: number;
}

export const SUCCEEDED = 'Succeeded';
export const PODS_PENDING = 'PodsPending';

const isTerminal = (phase: RunPhase | undefined) => phase === 'Succeeded' || phase === 'Failed';

export function reconcile(run: PipelineRun, observedJobs: V1Job[], observedPods: V1Pod[], now: Date, config: ReconcileConfig): ReconcileResult {
  const previous = run.status ?? {};
  const unchanged: ReconcileResult = { jobsToCreate: [], jobsToDelete: [], status: previous, statusChanged: false, events: [] };
  if (run.metadata.deletionTimestamp || isTerminal(previous.phase)) return unchanged;
  const nowTime = metaTime(now);
  const frame = { run, previous, nowTime };

  let spec: PipelineRun['spec'];
  try {
    spec = validateSpec(structuredClone(run.spec ?? {}), `${run.metadata.namespace}/${run.metadata.name}`);
  } catch (error) {
    const message = error instanceof ValidationError ? error.problems.join('; ') : (error as Error).message;
    return failedBeforeStart(frame, 'InvalidSpec', `the spec is not valid: ${message}`);
  }
  const storage = resolveStorage(spec.storage, config.defaultStorage);
  if (!storage) {
    return failedBeforeStart(frame, 'NoStorage', 'spec.storage is not set and the operator has no default storage: set spec.storage, or start the operator with --default-storage-bucket');
  }
  const typedRun: PipelineRun = { ...run, spec };
  const uid = run.metadata.uid;
  const jobs = new Map(observedJobs
    .filter((j) => !uid || j.metadata?.ownerReferences?.some((o) => o.uid === uid))
    .map((j) => [j.metadata?.name ?? '', j]));
  const pendingTimeoutMs = durationMs(spec.jobs.pendingTimeout);

  const stages: StageStatus[] = [];
  const jobsToCreate: V1Job[] = [];
  const pending: PendingProblem[] = [];
  let failure: StageFailure | undefined;
  let current: { stage: StageName; done: number; total: number } | undefined;
  let requeueAfterMs: number | undefined;
  for (const stage of STAGE_NAMES) {
    const previousStage = previous.stages?.find((s) => s.name === stage);
    const disabledWhy = STAGE_GRAPH[stage].disabledWhy?.(spec);
    if (disabledWhy) {
      stages.push({ name: stage, phase: 'Skipped', message: disabledWhy });
    } else if (failure || current) {
      stages.push({ name: stage, phase: 'Pending' });
    } else if (!config.isStageAvailable(stage)) {
      const message = `stage ${stage} is not available in this build of bugforge (operator image); nothing was started for it — use an operator and stage image that include it`;
      failure = { stage, reason: 'StageUnavailable', message };
      stages.push({ name: stage, phase: 'Failed', message, ...(previousStage?.completionTime ? { completionTime: previousStage.completionTime } : { completionTime: nowTime }) });
    } else {
      const p = stageProgress({ run: typedRun, stage, storage, jobs, pods: observedPods, previous: previousStage, now, nowTime, pendingTimeoutMs }, config);
      stages.push(p.status);
      jobsToCreate.push(...p.jobsToCreate);
      pending.push(...p.pending);
      if (p.pendingTimeoutInMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, p.pendingTimeoutInMs);
      if (p.failure) failure = p.failure;
      else if (p.status.phase === 'Running') current = { stage, done: p.done, total: p.total };
    }
  }

  const artifacts = `${storeUri(storage)}/${runPrefix({ namespace: run.metadata.namespace ?? 'default', name: run.metadata.name, uid: uid ?? 'unknown' })}`;
  const runnable = stages.filter((s) => s.phase !== 'Skipped');
  const succeeded = runnable.filter((s) => s.phase === 'Succeeded').length;
  const phase: RunPhase = failure ? 'Failed' : current ? 'Running' : 'Succeeded';
  const conditions = [
    setCondition(previous.conditions, succeededCondition(run, phase, failure, current, pending, stages), nowTime),
    setCondition(previous.conditions, pendingCondition(run, phase, pending), nowTime),
  ];
  const evaluate = stages.find((s) => s.name === 'evaluate' && s.phase === 'Succeeded');
  const results = evaluate ? resultsFrom(evaluate.summary as Record<string, unknown> | undefined, `${artifacts}/${stageDir('evaluate')}/report.html`) : undefined;
  const status: PipelineRunStatus = {
    phase,
    currentStage: failure?.stage ?? current?.stage ?? runnable.at(-1)?.name,
    progress: current?.stage === 'generate' && current.total > 1 ? `generate ${current.done}/${current.total}` : `${succeeded}/${runnable.length}`,
    observedGeneration: run.metadata.generation,
    startTime: previous.startTime ?? nowTime,
    ...(isTerminal(phase) ? { completionTime: previous.completionTime ?? nowTime } : {}),
    artifacts,
    conditions,
    stages,
    ...(results ? { results } : {}),
  };
  return {
    jobsToCreate,
    jobsToDelete: [],
    status,
    statusChanged: !sameValue(status, previous),
    events: eventsFor(previous, status, failure, pending),
    ...(requeueAfterMs !== undefined && !isTerminal(phase) ? { requeueAfterMs } : {}),
  };
}

function succeededCondition(run: PipelineRun, phase: RunPhase, failure: StageFailure | undefined, current: { stage: StageName } | undefined, pending: PendingProblem[], stages: StageStatus[]) {
  const observedGeneration = run.metadata.generation;
  if (failure) return { type: SUCCEEDED, status: 'False' as const, reason: failure.reason, message: failure.message, observedGeneration };
  if (phase === 'Succeeded') {
    return { type: SUCCEEDED, status: 'True' as const, reason: 'Succeeded', message: `all ${stages.filter((s) => s.phase === 'Succeeded').length} stages succeeded`, observedGeneration };
  }
  const running = stages.find((s) => s.name === current?.stage);
  const blocked = pending[0];
  return {
    type: SUCCEEDED, status: 'Unknown' as const, reason: blocked ? blocked.reason : 'Running',
    message: `${current?.stage}: ${blocked ? blocked.message : running?.message ?? 'running'}`, observedGeneration,
  };
}

function pendingCondition(run: PipelineRun, phase: RunPhase, pending: PendingProblem[]) {
  const observedGeneration = run.metadata.generation;
  if (!pending.length || isTerminal(phase)) return { type: PODS_PENDING, status: 'False' as const, reason: 'NoPodsStuck', message: '', observedGeneration };
  return { type: PODS_PENDING, status: 'True' as const, reason: pending[0].reason, message: pending.map((p) => p.message).join('; '), observedGeneration };
}

function failedBeforeStart(frame: { run: PipelineRun; previous: PipelineRunStatus; nowTime: string }, reason: string, message: string): ReconcileResult {
  const { run, previous, nowTime } = frame;
  const condition: Omit<Condition, 'lastTransitionTime'> = { type: SUCCEEDED, status: 'False', reason, message, observedGeneration: run.metadata.generation };
  const status: PipelineRunStatus = {
    phase: 'Failed', observedGeneration: run.metadata.generation,
    startTime: previous.startTime ?? nowTime, completionTime: nowTime,
    conditions: [setCondition(previous.conditions, condition, nowTime)],
  };
  return { jobsToCreate: [], jobsToDelete: [], status, statusChanged: true, events: [{ type: 'Warning', reason, message }] };
}

/** Events for what changed between the old and the new status: stage start/finish/failure, stuck Pods, the run's end. */
function eventsFor(previous: PipelineRunStatus, next: PipelineRunStatus, failure: StageFailure | undefined, pending: PendingProblem[]): RunEvent[] {
  const events: RunEvent[] = [];
  for (const stage of next.stages ?? []) {
    const before = previous.stages?.find((s) => s.name === stage.name)?.phase;
    if (before === stage.phase) continue;
    if (stage.phase === 'Running') events.push({ type: 'Normal', reason: 'StageStarted', message: `stage ${stage.name} started: Job${(stage.jobs?.length ?? 0) > 1 ? 's' : ''} ${(stage.jobs ?? []).join(', ')}` });
    if (stage.phase === 'Succeeded') events.push({ type: 'Normal', reason: 'StageSucceeded', message: `stage ${stage.name} succeeded${stage.message ? `: ${stage.message}` : ''}` });
    if (stage.phase === 'Failed') events.push({ type: 'Warning', reason: 'StageFailed', message: stage.message ?? `stage ${stage.name} failed` });
  }
  const wasPending = previous.conditions?.find((c) => c.type === PODS_PENDING);
  if (pending.length && (wasPending?.status !== 'True' || wasPending.reason !== pending[0].reason)) {
    events.push({ type: 'Warning', reason: pending[0].reason, message: pending[0].message });
  }
  if (next.phase !== previous.phase && next.phase === 'Succeeded') {
    const f1 = next.results?.f1;
    events.push({ type: 'Normal', reason: 'RunSucceeded', message: `all stages succeeded${f1 !== undefined ? `; F1 ${f1.toFixed(3)}` : ''}` });
  }
  if (next.phase !== previous.phase && next.phase === 'Failed') {
    events.push({ type: 'Warning', reason: 'RunFailed', message: failure?.message ?? 'the run failed' });
  }
  return events;
}
