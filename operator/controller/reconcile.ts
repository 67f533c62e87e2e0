// The reconcile: a pure function from a PipelineRun and what the cluster shows (its Jobs and
// their Pods) to what should change — Jobs to create, the status to write, Events to record.
// The Kubernetes IO lives in apply.ts; this file never talks to the API server.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import { STAGE_NAMES, type StageName } from '../../api/v1alpha1/names.js';
import { CONDITION_PODS_PENDING, CONDITION_SUCCEEDED, REASONS } from '../../api/v1alpha1/reasons.js';
import { isTerminalPhase, type Condition, type PipelineRunStatus, type RunPhase, type StageStatus } from '../../api/v1alpha1/status.js';
import { ValidationError, validateSpec } from '../../api/v1alpha1/validate.js';
import { runPrefix, stageDir } from '../../core/stage/layout.js';
import { STAGE_GRAPH } from '../../core/stage/graph.js';
import { resolveStorage, storeUri, type ReconcileConfig } from './config.js';
import { metaTime, sameValue, setCondition } from './conditions.js';
import { attemptFor, cancelledStatus, restartedStatus, retryDecision, sortJobs } from './lifecycle.js';
import { durationMs, jobOutcome, type PendingProblem } from './observe.js';
import { impliedEvents, newEvents, pendingEvents, worthReplaying, type RunEvent } from './run-events.js';
import { stageProgress, type StageFailure } from './stage-progress.js';
import { retention } from './retention.js';
import { resultsFrom } from './summaries.js';

export type { RunEvent } from './run-events.js';

export interface ReconcileResult {
  jobsToCreate: V1Job[];
  /** Names of Jobs to delete: a cancelled run's active ones, a stuck one past its pending timeout, older attempts' and foreign ones in the way. */
  jobsToDelete: string[];
  status: PipelineRunStatus;
  /** False when `status` equals the run's current status (ignoring key order): no write needed. */
  statusChanged: boolean;
  events: RunEvent[];
  /** Look again after this long even without a change (a Pod may pass its pending timeout). */
  requeueAfterMs?: number;
  /** The run's metadata.finalizers as they should be, when they should change (artifact retention). */
  finalizers?: string[];
}

export interface ReconcileOptions {
  /** Return every Event the status implies, not only new ones (the first reconcile of a run after the operator started). */
  replayEvents?: boolean;
}

/** @deprecated names kept for importers: use CONDITION_SUCCEEDED / CONDITION_PODS_PENDING from api/v1alpha1/reasons.ts. */
export const SUCCEEDED = CONDITION_SUCCEEDED;
export const PODS_PENDING = CONDITION_PODS_PENDING;

const isTerminal = isTerminalPhase;

export function reconcile(run: PipelineRun, observedJobs: V1Job[], observedPods: V1Pod[], now: Date, config: ReconcileConfig, options: ReconcileOptions = {}): ReconcileResult {
  const original = run.status ?? {};
  const replay = (status: PipelineRunStatus) => (options.replayEvents && worthReplaying(status, now) ? impliedEvents(status) : []);
  const unchanged: ReconcileResult = { jobsToCreate: [], jobsToDelete: [], status: original, statusChanged: false, events: replay(original) };
  if (run.metadata.deletionTimestamp) {
    // Being deleted: only artifact retention has something to do (a cleanup Job, then the finalizer off).
    let storage: ReturnType<typeof resolveStorage>;
    try {
      storage = resolveStorage(validateSpec(structuredClone(run.spec ?? {})).storage, config.defaultStorage);
    } catch {
      storage = undefined;
    }
    const step = retention(run, storage, observedJobs, config);
    return { ...unchanged, jobsToCreate: step.jobsToCreate, events: step.events, ...(step.finalizers ? { finalizers: step.finalizers } : {}) };
  }
  const nowTime = metaTime(now);

  let spec: PipelineRun['spec'];
  try {
    spec = validateSpec(structuredClone(run.spec ?? {}), `${run.metadata.namespace}/${run.metadata.name}`);
  } catch (error) {
    if (isTerminal(original.phase)) return unchanged;
    const message = error instanceof ValidationError ? error.problems.join('; ') : (error as Error).message;
    return failedBeforeStart({ run, previous: original, nowTime }, REASONS.InvalidSpec, `the spec is not valid: ${message}`);
  }
  const typedRun: PipelineRun = { ...run, spec };
  const { finalizers } = retention(typedRun, undefined, [], config);
  const withFinalizers = (result: ReconcileResult): ReconcileResult => (finalizers ? { ...result, finalizers } : result);

  // Retry: a new value of the annotation starts the next attempt from the status it implies.
  const lifecycleEvents: RunEvent[] = [];
  let previous = original;
  const retry = retryDecision(typedRun);
  if (retry.kind === 'refused') lifecycleEvents.push({ type: 'Warning', reason: REASONS.RetryRefused, message: retry.message, key: `retry/${retry.value}/refused` });
  if (retry.kind === 'start') {
    previous = restartedStatus(typedRun, retry, nowTime);
    lifecycleEvents.push({ type: 'Normal', reason: REASONS.RetryStarted, key: `retry/${retry.value}`, message: `attempt ${previous.attempt}: re-running from stage ${retry.fromStage}${retry.force ? ' (its published outputs are computed again)' : ' (published stages and batches are reused)'}` });
  }
  const frame = { run, previous, nowTime };
  if (isTerminal(previous.phase)) return withFinalizers({ ...unchanged, events: [...unchanged.events, ...lifecycleEvents] });

  const sorted = sortJobs(typedRun, previous, observedJobs);
  const jobsToDelete = sorted.toDelete.map((d) => d.name);
  for (const d of sorted.toDelete.filter((x) => x.why === 'foreign')) {
    const job = observedJobs.find((j) => j.metadata?.name === d.name);
    lifecycleEvents.push({ type: 'Warning', reason: REASONS.ForeignJobDeleted, key: `foreign/${d.name}/${job?.metadata?.uid ?? ''}`, message: `Job ${d.name} has this run's name but is ${sorted.blocked.get(d.name)}: deleting it so that this run can create its own` });
  }

  if (spec.status === 'Cancelled') {
    const status = cancelledStatus({ ...run, status: previous }, nowTime);
    const active = [...sorted.mine.values()].filter((j) => jobOutcome(j).state === 'active').map((j) => j.metadata?.name ?? '');
    const done: PipelineRunStatus = { ...status, duration: durationText(status) };
    return withFinalizers({
      jobsToCreate: [], jobsToDelete: [...jobsToDelete, ...active], status: done, statusChanged: !sameValue(done, original),
      events: [...(options.replayEvents ? replay(done) : newEvents(original, done)), ...lifecycleEvents],
    });
  }

  const storage = resolveStorage(spec.storage, config.defaultStorage);
  if (!storage) {
    return failedBeforeStart(frame, REASONS.NoStorage, 'spec.storage is not set and the operator has no default storage: set spec.storage, or start the operator with --default-storage-bucket');
  }
  const uid = run.metadata.uid;
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
      failure = { stage, reason: REASONS.StageUnavailable, message };
      stages.push({ name: stage, phase: 'Failed', message, ...(previousStage?.completionTime ? { completionTime: previousStage.completionTime } : { completionTime: nowTime }) });
    } else {
      const attempt = attemptFor(previous, stage);
      const p = stageProgress({
        run: typedRun, stage, storage, jobs: sorted.mine, pods: observedPods, previous: previousStage, now, nowTime, pendingTimeoutMs,
        blocked: sorted.blocked, attempt: { attempt: attempt.attempt, force: attempt.force },
      }, config);
      stages.push(p.status);
      jobsToCreate.push(...p.jobsToCreate);
      jobsToDelete.push(...p.jobsToDelete);
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
    setCondition(previous.conditions, succeededCondition(run, phase, failure, current, pending, stages, previous), nowTime),
    setCondition(previous.conditions, pendingCondition(run, phase, pending), nowTime),
  ];
  const evaluate = stages.find((s) => s.name === 'evaluate' && s.phase === 'Succeeded');
  const results = evaluate ? resultsFrom(evaluate.summary as Record<string, unknown> | undefined, `${artifacts}/${stageDir('evaluate')}/report.html`) : undefined;
  const base: PipelineRunStatus = {
    phase,
    currentStage: failure?.stage ?? current?.stage ?? runnable.at(-1)?.name,
    progress: current?.stage === 'generate' && current.total > 1 ? `generate ${current.done}/${current.total}` : `${succeeded}/${runnable.length}`,
    observedGeneration: run.metadata.generation,
    startTime: previous.startTime ?? nowTime,
    ...(isTerminal(phase) ? { completionTime: previous.completionTime ?? nowTime } : {}),
    ...(previous.attempt ? { attempt: previous.attempt } : {}),
    ...(previous.retry ? { retry: previous.retry } : {}),
    artifacts,
    conditions,
    stages,
    ...(results ? { results } : {}),
  };
  const status: PipelineRunStatus = isTerminal(phase) ? { ...base, duration: durationText(base) } : base;
  return withFinalizers({
    jobsToCreate,
    jobsToDelete,
    status,
    statusChanged: !sameValue(status, original),
    events: [...(options.replayEvents ? replay(status) : newEvents(original, status)), ...pendingEvents(previous, pending), ...lifecycleEvents],
    ...(requeueAfterMs !== undefined && !isTerminal(phase) ? { requeueAfterMs } : {}),
  });
}

/** "4m12s": completionTime − the start of the last attempt. */
function durationText(status: PipelineRunStatus): string | undefined {
  const from = status.retry?.startTime ?? status.startTime;
  if (!from || !status.completionTime) return undefined;
  let seconds = Math.max(0, Math.round((new Date(status.completionTime).getTime() - new Date(from).getTime()) / 1000));
  const h = Math.floor(seconds / 3600);
  seconds -= h * 3600;
  const m = Math.floor(seconds / 60);
  const sec = seconds - m * 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}s`;
}

function succeededCondition(run: PipelineRun, phase: RunPhase, failure: StageFailure | undefined, current: { stage: StageName } | undefined, pending: PendingProblem[], stages: StageStatus[], previous: PipelineRunStatus) {
  const observedGeneration = run.metadata.generation;
  if (failure) return { type: SUCCEEDED, status: 'False' as const, reason: failure.reason, message: failure.message, observedGeneration };
  if (phase === 'Succeeded') {
    return { type: SUCCEEDED, status: 'True' as const, reason: REASONS.Succeeded, message: `all ${stages.filter((s) => s.phase === 'Succeeded').length} stages succeeded`, observedGeneration };
  }
  const running = stages.find((s) => s.name === current?.stage);
  const blocked = pending[0];
  const retrying = previous.retry && running?.message?.includes('to be deleted');
  return {
    type: SUCCEEDED, status: 'Unknown' as const, reason: blocked ? blocked.reason : retrying ? REASONS.Retrying : REASONS.Running,
    message: `${current?.stage}: ${blocked ? blocked.message : running?.message ?? 'running'}`, observedGeneration,
  };
}

function pendingCondition(run: PipelineRun, phase: RunPhase, pending: PendingProblem[]) {
  const observedGeneration = run.metadata.generation;
  if (!pending.length || isTerminal(phase)) return { type: PODS_PENDING, status: 'False' as const, reason: REASONS.NoPodsStuck, message: '', observedGeneration };
  return { type: PODS_PENDING, status: 'True' as const, reason: pending[0].reason, message: pending.map((p) => p.message).join('; '), observedGeneration };
}

function failedBeforeStart(frame: { run: PipelineRun; previous: PipelineRunStatus; nowTime: string }, reason: string, message: string): ReconcileResult {
  const { run, previous, nowTime } = frame;
  const condition: Omit<Condition, 'lastTransitionTime'> = { type: SUCCEEDED, status: 'False', reason, message, observedGeneration: run.metadata.generation };
  const status: PipelineRunStatus = {
    phase: 'Failed', observedGeneration: run.metadata.generation,
    startTime: previous.startTime ?? nowTime, completionTime: previous.completionTime ?? nowTime,
    conditions: [setCondition(previous.conditions, condition, nowTime)],
  };
  return { jobsToCreate: [], jobsToDelete: [], status, statusChanged: !sameValue(status, previous), events: newEvents(previous, status) };
}
