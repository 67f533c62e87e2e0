// Where one stage of a run stands, from its observed Jobs and Pods: which Jobs to create
// (respecting generation.parallelism), its status entry, its failure, its stuck Pods. Pure.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import type { StageName, StorageSpec } from '../../api/v1alpha1/spec.js';
import type { StageStatus } from '../../api/v1alpha1/status.js';
import { STAGE_GRAPH } from '../../core/stage/graph.js';
import type { ReconcileConfig } from './config.js';
import { stageJob } from './job-spec.js';
import { jobName } from './names.js';
import { jobNameOfPod, jobOutcome, lastPod, pendingProblem, podFailureLine, podSummary, type PendingProblem } from './observe.js';
import { batchedSummary, boundedSummary } from './summaries.js';

export interface StageFailure { stage: StageName; reason: string; message: string }

export interface StageProgress {
  status: StageStatus;
  jobsToCreate: V1Job[];
  failure?: StageFailure;
  /** Pods of this stage that are stuck Pending, and why. */
  pending: PendingProblem[];
  /** Soonest time (ms from now) at which a Pending Pod passes the pending timeout. */
  pendingTimeoutInMs?: number;
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
  pendingTimeoutMs: number;
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
  const progress = { pending: [] as PendingProblem[], done, total: names.length };

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
      failure: { stage, reason: 'StageFailed', message },
    };
  }

  if (done === names.length) {
    const summaries = names.map((n) => { const pod = lastPod(pods, n, 'Succeeded'); return pod ? podSummary(pod) : undefined; });
    const fresh = units ? batchedSummary(stage, summaries) : summaries[0];
    const summary = fresh && (!units || summaries.some(Boolean)) ? boundedSummary(fresh) : (previous?.summary as Record<string, unknown> | undefined);
    const completedAt = outcomes.map((o) => (o?.state === 'succeeded' ? o.at : undefined)).filter(Boolean).sort().at(-1);
    const headline = typeof summary?.headline === 'string' ? summary.headline : undefined;
    return {
      ...progress, jobsToCreate: [],
      status: {
        ...base, phase: 'Succeeded', jobs: names, startTime: base.startTime ?? earliestCreation(names, jobs) ?? nowTime,
        completionTime: previous?.completionTime ?? completedAt ?? nowTime,
        ...(headline ? { message: headline } : {}), ...(summary ? { summary } : {}),
      },
    };
  }

  // Running: keep at most `parallelism` Jobs active, creating the next ones in order.
  const cap = units ? run.spec.generation.parallelism : 1;
  const active = outcomes.filter((o) => o?.state === 'active').length;
  const missing = batches.filter((_, i) => !outcomes[i]);
  const toCreate = missing.slice(0, Math.max(0, cap - active));
  const jobsToCreate = toCreate.map((batch) => stageJob({ run, stage, batch, storage }, config));
  const existing = names.filter((n) => jobs.has(n) || jobsToCreate.some((j) => j.metadata?.name === n));

  const activeNames = new Set(names.filter((_, i) => outcomes[i]?.state === 'active'));
  const pending: PendingProblem[] = [];
  let pendingTimeoutInMs: number | undefined;
  for (const pod of pods) {
    const job = jobNameOfPod(pod);
    if (!job || !activeNames.has(job)) continue;
    const problem = pendingProblem(pod, now, input.pendingTimeoutMs);
    if (problem) pending.push(problem);
    else if (pod.status?.phase === 'Pending' && pod.metadata?.creationTimestamp) {
      const left = new Date(pod.metadata.creationTimestamp).getTime() + input.pendingTimeoutMs - now.getTime() + 1000;
      pendingTimeoutInMs = Math.min(pendingTimeoutInMs ?? Infinity, Math.max(left, 1000));
    }
  }
  const running = active + toCreate.length;
  const message = units ? `${done}/${names.length} batches done, ${running} running` : `Job ${names[0]} running`;
  return {
    ...progress, jobsToCreate, pending, pendingTimeoutInMs,
    status: { ...base, phase: 'Running', jobs: existing, startTime: base.startTime ?? nowTime, message },
  };
}

function earliestCreation(names: string[], jobs: Map<string, V1Job>): string | undefined {
  return names.map((n) => time(jobs.get(n)?.metadata?.creationTimestamp)).filter(Boolean).sort()[0];
}
