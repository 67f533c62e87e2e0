// Retry and cancel, as pure functions of the run: whether the retry annotation asks for a new
// attempt (and from which stage), the status a new attempt starts from, which observed Jobs belong
// to an older attempt, and the status of a cancelled run. The contract (COORDINATION.md, README):
//   spec.status: Cancelled                 → stop the active Jobs, phase Cancelled, reason Cancelled
//   bugforge.dev/retry: <new value>        → re-run a Failed or Cancelled run from its failed stage
//   bugforge.dev/retry-from-stage: <stage> → … from that stage instead (also for a Succeeded run)
import type { V1Job } from '@kubernetes/client-node';
import { CONDITION_SUCCEEDED, REASONS, RETRY_ANNOTATION, RETRY_FROM_STAGE_ANNOTATION } from '../../api/v1alpha1/reasons.js';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import { STAGE_NAMES, type StageName } from '../../api/v1alpha1/names.js';
import { isTerminalPhase, type PipelineRunStatus, type StageStatus } from '../../api/v1alpha1/status.js';
import { setCondition } from './conditions.js';
import { LABELS } from './names.js';
import { jobOutcome } from './observe.js';
import type { AttemptOfStage } from './stage-progress.js';

export type RetryDecision =
  | { kind: 'none' }
  | { kind: 'start'; value: string; fromStage: StageName; force: boolean }
  | { kind: 'refused'; value: string; message: string };

const stageIndex = (stage: string) => STAGE_NAMES.indexOf(stage as StageName);

/** What the retry annotation asks of the run as it stands. */
export function retryDecision(run: PipelineRun): RetryDecision {
  const value = run.metadata.annotations?.[RETRY_ANNOTATION];
  const status = run.status ?? {};
  // A value already answered, or one the run was created with (nothing to retry yet), asks nothing.
  if (!value || value === status.retry?.value || !status.phase) return { kind: 'none' };
  const from = run.metadata.annotations?.[RETRY_FROM_STAGE_ANNOTATION];
  const refuse = (message: string): RetryDecision => ({ kind: 'refused', value, message: `retry ${JSON.stringify(value)} refused: ${message}` });
  if (!isTerminalPhase(status.phase)) return refuse(`the run is ${status.phase}; cancel it first (spec.status: Cancelled) or wait for it to end`);
  if (run.spec.status === 'Cancelled') return refuse('spec.status is Cancelled; remove it in the same change (bugforge retry does)');
  if (from !== undefined && stageIndex(from) < 0) return refuse(`${RETRY_FROM_STAGE_ANNOTATION} is ${JSON.stringify(from)}, not one of ${STAGE_NAMES.join(', ')}`);
  if (from) return { kind: 'start', value, fromStage: from as StageName, force: true };
  const failed = status.stages?.find((s) => s.phase === 'Failed' || s.phase === 'Cancelled' || s.phase === 'Running' || s.phase === 'Pending');
  if (!failed) return refuse(`the run ${status.phase === 'Succeeded' ? 'succeeded' : 'has no failed stage'}; set ${RETRY_FROM_STAGE_ANNOTATION} to re-run from a stage`);
  return { kind: 'start', value, fromStage: failed.name as StageName, force: false };
}

/** The status a new attempt starts from: stages before `fromStage` as they were, the rest forgotten, phase Running. */
export function restartedStatus(run: PipelineRun, retry: Extract<RetryDecision, { kind: 'start' }>, nowTime: string): PipelineRunStatus {
  const previous = run.status ?? {};
  const keep = (s: StageStatus) => stageIndex(s.name) < stageIndex(retry.fromStage);
  const { completionTime: _c, duration: _d, results: _r, ...rest } = previous;
  const condition = {
    type: CONDITION_SUCCEEDED, status: 'Unknown' as const, reason: REASONS.Retrying,
    message: `attempt ${(previous.attempt ?? 1) + 1}: re-running from stage ${retry.fromStage}`, observedGeneration: run.metadata.generation,
  };
  return {
    ...rest,
    phase: 'Running',
    attempt: (previous.attempt ?? 1) + 1,
    retry: { value: retry.value, fromStage: retry.fromStage, forced: retry.force, startTime: nowTime },
    stages: previous.stages?.filter(keep),
    conditions: [setCondition(previous.conditions, condition, nowTime), ...(previous.conditions ?? []).filter((c) => c.type !== CONDITION_SUCCEEDED)],
  };
}

/** The attempt a Job was created for (Jobs from before attempts were labelled count as the first). */
export const attemptOf = (job: V1Job): number => Number(job.metadata?.labels?.[LABELS.attempt] ?? 1) || 1;

/** How the current attempt treats each stage: stages from the retry's stage on belong to it, earlier ones to any attempt. */
export function attemptFor(status: PipelineRunStatus, stage: StageName): AttemptOfStage & { minAttempt: number; keepSucceeded: boolean } {
  const attempt = status.attempt ?? 1;
  const retry = status.retry;
  if (!retry || stageIndex(stage) < stageIndex(retry.fromStage)) return { attempt, force: false, minAttempt: 1, keepSucceeded: true };
  const force = retry.forced === true;
  return { attempt, force, minAttempt: attempt, keepSucceeded: !force };
}

/**
 * Splits observed Jobs into this attempt's (by name) and the names still taken by others, with why:
 * a Job owned by another object (e.g. orphaned by a deleted run of the same name), a Job of an earlier
 * attempt that this attempt re-runs, a Job being deleted. Returns the Jobs to delete too.
 */
export function sortJobs(run: PipelineRun, status: PipelineRunStatus, observed: V1Job[]) {
  const uid = run.metadata.uid;
  const mine = new Map<string, V1Job>();
  const blocked = new Map<string, string>();
  const toDelete: { name: string; why: 'foreign' | 'stale' }[] = [];
  for (const job of observed) {
    const name = job.metadata?.name ?? '';
    const owner = job.metadata?.ownerReferences?.find((o) => o.controller);
    if (job.metadata?.deletionTimestamp) {
      blocked.set(name, 'being deleted');
      continue;
    }
    if (uid && owner?.uid !== uid) {
      blocked.set(name, owner ? `owned by ${owner.kind} ${owner.name} uid ${owner.uid}` : 'owned by nothing: orphaned');
      toDelete.push({ name, why: 'foreign' });
      continue;
    }
    const stage = job.metadata?.labels?.[LABELS.stage] as StageName | undefined;
    const plan = stage ? attemptFor(status, stage) : undefined;
    if (plan && attemptOf(job) < plan.minAttempt && !(plan.keepSucceeded && jobOutcome(job).state === 'succeeded')) {
      blocked.set(name, `attempt ${attemptOf(job)}`);
      toDelete.push({ name, why: 'stale' });
      continue;
    }
    mine.set(name, job);
  }
  return { mine, blocked, toDelete };
}

/** The status of a run cancelled by spec.status: stages that were going end Cancelled, published ones stay. */
export function cancelledStatus(run: PipelineRun, nowTime: string): PipelineRunStatus {
  const previous = run.status ?? {};
  const stages = (previous.stages ?? []).map((s): StageStatus => (s.phase === 'Running' || s.phase === 'Pending'
    ? { ...s, phase: 'Cancelled', ...(s.phase === 'Running' ? { completionTime: nowTime, message: `cancelled${s.message ? ` (was: ${s.message})` : ''}` } : {}) }
    : s));
  const kept = stages.filter((s) => s.phase === 'Succeeded').map((s) => s.name);
  const condition = {
    type: CONDITION_SUCCEEDED, status: 'False' as const, reason: REASONS.Cancelled, observedGeneration: run.metadata.generation,
    message: `cancelled (spec.status: Cancelled); ${kept.length ? `published stages kept: ${kept.join(', ')}` : 'no stage had published'}`,
  };
  return {
    ...previous,
    phase: 'Cancelled',
    stages,
    completionTime: nowTime,
    conditions: [setCondition(previous.conditions, condition, nowTime), ...(previous.conditions ?? []).filter((c) => c.type !== CONDITION_SUCCEEDED)],
  };
}
