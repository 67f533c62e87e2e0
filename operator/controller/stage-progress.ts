// Where one stage of a run stands, from its observed Jobs and Pods: which Jobs to create
// (respecting generation.parallelism), its status entry, its failure, its stuck Pods. Pure.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import type { StorageSpec } from '../../api/v1alpha1/spec.js';
import type { StageName } from '../../api/v1alpha1/names.js';
import { REASONS } from '../../api/v1alpha1/reasons.js';
import type { StageStatus } from '../../api/v1alpha1/status.js';
import { STAGE_GRAPH } from '../../core/stage/graph.js';
import type { ReconcileConfig } from './config.js';
import { stageJob } from './job-spec.js';
import { jobName } from './names.js';
import { jobNameOfPod, jobOutcome, lastPod, pendingProblem, podFailureLine, podSummary, type PendingProblem } from './observe.js';
import { batchedSummary, boundedSummary } from './summaries.js';

export interface StageFailure { stage: StageName; reason: string; message: string }

/** How this attempt treats a stage's Jobs: the attempt label new Jobs get, and whether they redo published work. */
export interface AttemptOfStage { attempt: number; force: boolean }

export interface StageProgress {
  status: StageStatus;
  jobsToCreate: V1Job[];
  failure?: StageFailure;
  /** Pods of this stage that are stuck Pending, and why. */
  pending: PendingProblem[];
  /** Soonest time (ms from now) at which a Pending Pod passes the pending timeout. */
  pendingTimeoutInMs?: number;
  /** Active Jobs to delete (their Pods passed the pending timeout). */
  jobsToDelete: string[];
  /** Units done / total, for the progress column. */
  done: number;
  total: number;
}

export interface StageInput {
  run: PipelineRun;
  stage: StageName;
  storage: StorageSpec;
  jobs: Map<string, V1Job>;
  pods: V1Pod[];
  previous?: StageStatus;
  now: Date;
  nowTime: string;
  /** 0: no pending timeout. */
  pendingTimeoutMs: number;
  /** Job names that exist but are not this attempt's (stale, foreign, being deleted), and why: not created until gone. */
  blocked: Map<string, string>;
  attempt: AttemptOfStage;
}

const time = (t: Date | string | undefined): string | undefined =>
  t === undefined ? undefined : (typeof t === 'string' ? t : t.toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function stageProgress(input: StageInput, config: ReconcileConfig): StageProgress {
  const { run, stage, storage, jobs, pods, previous, now, nowTime } = input;
  const units = STAGE_GRAPH[stage].units?.(run.spec);
  const batches = units ? units.map((_, k) => k) : [undefined];
  const names = batches.map((k) => jobName(run.metadata.name, stage, k));
  const outcomes = names.map((n) => { const job = jobs.get(n); return job ? jobOutcome(job) : undefined; });
  const base = { name: stage, ...(previous?.startTime ? { startTime: previous.startTime } : {}) };
  const done = outcomes.filter((o) => o?.state === 'succeeded').length;
  const progress = { pending: [] as PendingProblem[], jobsToDelete: [] as string[], done, total: names.length };

  const failedAt = outcomes.findIndex((o) => o?.state === 'failed');
  if (failedAt >= 0) {
    const outcome = outcomes[failedAt] as Extract<NonNullable<(typeof outcomes)[number]>, { state: 'failed' }>;
    const why = podFailureLine(lastPod(pods, names[failedAt], 'Failed'));
    const message = `stage ${stage}${units ? ` batch ${failedAt}` : ''} failed: Job ${names[failedAt]}: ${outcome.reason}${outcome.message ? ` (${outcome.message})` : ''}${why ? `: ${why}` : ''}`;
    return {
      ...progress, jobsToCreate: [],
      status: {
        ...base, phase: 'Failed', jobs: names.filter((n) => jobs.has(n)), startTime: base.startTime ?? nowTime,
        completionTime: previous?.completionTime ?? outcome.at ?? nowTime, message,
      },
      failure: { stage, reason: REASONS.StageFailed, message },
    };
  }

  if (done === names.length) {
    const summaries = names.map((n) => { const pod = lastPod(pods, n, 'Succeeded'); return pod ? podSummary(pod) : undefined; });
    const fresh = units ? batchedSummary(stage, summaries) : summaries[0];
    const summary = fresh && (!units || summaries.some(Boolean)) ? boundedSummary(fresh) : (previous?.summary as Record<string, unknown> | undefined);
    const completedAt = outcomes.map((o) => (o?.state === 'succeeded' ? o.at : undefined)).filter(Boolean).sort().at(-1);
    const headline = typeof summary?.headline === 'string' ? summary.headline : undefined;
    const cachedFrom = cachedFromOf(summaries) ?? previous?.cachedFrom;
    const status: StageStatus = {
      ...base, phase: 'Succeeded', jobs: names, startTime: base.startTime ?? earliestCreation(names, jobs) ?? nowTime,
      completionTime: previous?.completionTime ?? completedAt ?? nowTime,
      ...(headline ? { message: cachedFrom ? `cached from run ${cachedFrom}: ${headline}` : headline } : {}),
      ...(cachedFrom ? { cachedFrom } : {}),
      ...(summary ? { summary } : {}),
    };
    const tooManyFailed = units ? failureRateProblem(run, summary) : undefined;
    if (tooManyFailed) {
      return { ...progress, jobsToCreate: [], status: { ...status, phase: 'Failed', message: tooManyFailed }, failure: { stage, reason: REASONS.GenerationFailureRate, message: tooManyFailed } };
    }
    return { ...progress, jobsToCreate: [], status };
  }

  // Running: keep at most `parallelism` Jobs active, creating the next ones in order.
  const cap = units ? run.spec.generation.parallelism : 1;
  // A name still taken by a Job that is not this attempt's counts against the cap and is created once it is gone.
  const blocked = names.filter((n, i) => !outcomes[i] && input.blocked.has(n));
  const active = outcomes.filter((o) => o?.state === 'active').length + blocked.length;
  const missing = batches.filter((_, i) => !outcomes[i] && !input.blocked.has(names[i]));
  const toCreate = missing.slice(0, Math.max(0, cap - active));
  const jobsToCreate = toCreate.map((batch) => stageJob({ run, stage, batch, storage, ...input.attempt }, config));
  const existing = names.filter((n) => jobs.has(n) || jobsToCreate.some((j) => j.metadata?.name === n));

  const activeNames = new Set(names.filter((_, i) => outcomes[i]?.state === 'active'));
  const { pending, pendingTimeoutInMs, timedOut } = pendingPods(pods, activeNames, now, input.pendingTimeoutMs);
  if (timedOut) {
    const message = `stage ${stage} failed: ${timedOut.message} (${input.pendingTimeoutMs / 1000}s, spec.jobs.pendingTimeout); its Job was deleted`;
    return {
      ...progress, jobsToCreate: [], pending, jobsToDelete: [...activeNames],
      status: { ...base, phase: 'Failed', jobs: existing, startTime: base.startTime ?? nowTime, completionTime: nowTime, message },
      failure: { stage, reason: REASONS.PendingTimeout, message },
    };
  }
  const running = active - blocked.length + toCreate.length;
  const waiting = blocked.length ? `; waiting for ${blocked.map((n) => `Job ${n} (${input.blocked.get(n)})`).join(', ')} to be deleted` : '';
  const message = (units ? `${done}/${names.length} batches done, ${running} running` : blocked.length ? `Job ${names[0]} not created yet` : `Job ${names[0]} running`) + waiting;
  return {
    ...progress, jobsToCreate, pending, pendingTimeoutInMs,
    status: { ...base, phase: 'Running', jobs: existing, startTime: base.startTime ?? nowTime, message },
  };
}

/** Stuck Pods of the stage's active Jobs; the first past the pending timeout (0: none), and when the next one passes it. */
function pendingPods(pods: V1Pod[], activeJobs: Set<string>, now: Date, timeoutMs: number) {
  const pending: PendingProblem[] = [];
  let pendingTimeoutInMs: number | undefined;
  let timedOut: PendingProblem | undefined;
  for (const pod of pods) {
    const job = jobNameOfPod(pod);
    if (!job || !activeJobs.has(job) || pod.status?.phase !== 'Pending' || pod.metadata?.deletionTimestamp) continue;
    const problem = pendingProblem(pod, now, timeoutMs);
    if (problem) pending.push(problem);
    if (timeoutMs <= 0 || !pod.metadata?.creationTimestamp) continue;
    const left = new Date(pod.metadata.creationTimestamp).getTime() + timeoutMs - now.getTime();
    if (left < 0) {
      timedOut ??= problem?.reason === 'PendingTimeout' ? problem : {
        pod: pod.metadata.name ?? '?', reason: 'PendingTimeout',
        message: `pod ${pod.metadata.name} has been Pending longer than spec.jobs.pendingTimeout${problem ? ` (${problem.message})` : ''}`,
      };
    } else {
      pendingTimeoutInMs = Math.min(pendingTimeoutInMs ?? Infinity, Math.max(left + 1000, 1000));
    }
  }
  return { pending, pendingTimeoutInMs, timedOut };
}

/** "namespace/run" when the stage's summary (or every batch's) says it reused an earlier run's outputs. */
function cachedFromOf(summaries: (Record<string, unknown> | undefined)[]): string | undefined {
  const from = summaries.map((s) => (typeof s?.cachedFrom === 'string' ? s.cachedFrom : undefined));
  return from.length && from.every((f) => f && f === from[0]) ? from[0] : undefined;
}

/** The run-wide limit on failed generation samples, over the summed batch counts. */
function failureRateProblem(run: PipelineRun, summary: Record<string, unknown> | undefined): string | undefined {
  const counts = (summary?.counts ?? {}) as Record<string, unknown>;
  const requested = Number(counts.requested ?? 0);
  const failed = Number(counts.provider_failures ?? 0); // errors and unusable answers, as the batches count them
  const limit = run.spec.generation.maxFailureRate;
  if (!(requested > 0) || limit >= 1 || failed / requested <= limit) return undefined;
  return `stage generate failed: ${failed} of ${requested} samples failed over the run's batches (${(100 * failed / requested).toFixed(1)}% > generation.maxFailureRate ${limit * 100}%)`;
}

function earliestCreation(names: string[], jobs: Map<string, V1Job>): string | undefined {
  return names.map((n) => time(jobs.get(n)?.metadata?.creationTimestamp)).filter(Boolean).sort()[0];
}
