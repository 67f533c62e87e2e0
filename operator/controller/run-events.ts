// The Events of a run, derived from its status: each has a stable key (from the stage's start or the
// run's end time), and the recorder names the Event after it. So the same Event is never recorded
// twice (the second create answers 409), and Events lost to a crash between the status write and
// their recording are recorded by the next operator, which derives them again from the status.
import { CONDITION_PODS_PENDING, CONDITION_SUCCEEDED, REASONS } from '../../api/v1alpha1/reasons.js';
import type { PipelineRunStatus } from '../../api/v1alpha1/status.js';
import type { PendingProblem } from './observe.js';

export interface RunEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Identity of the Event within the run (the recorder derives the Event's name from it and the run's uid). */
  key: string;
}

/** Events a run no longer records again after a restart: core/v1 Events live one hour by default. */
export const REPLAY_WINDOW_MS = 50 * 60_000;

/** Every Event the status implies: each stage's start and end, the run's end. */
export function impliedEvents(status: PipelineRunStatus): RunEvent[] {
  const events: RunEvent[] = [];
  for (const stage of status.stages ?? []) {
    if (stage.phase === 'Pending' || stage.phase === 'Skipped' || !stage.startTime) continue;
    const id = `${stage.name}@${stage.startTime}`;
    const jobs = stage.jobs ?? [];
    if (jobs.length) events.push({ type: 'Normal', reason: REASONS.StageStarted, key: `${id}/started`, message: `stage ${stage.name} started: Job${jobs.length > 1 ? 's' : ''} ${jobs.join(', ')}` });
    if (stage.phase === 'Succeeded' && stage.cachedFrom) {
      events.push({ type: 'Normal', reason: REASONS.StageCached, key: `${id}/succeeded`, message: `stage ${stage.name} reused the outputs of run ${stage.cachedFrom} (same input digest)${stage.message ? `: ${stage.message}` : ''}` });
    } else if (stage.phase === 'Succeeded') {
      events.push({ type: 'Normal', reason: REASONS.StageSucceeded, key: `${id}/succeeded`, message: `stage ${stage.name} succeeded${stage.message ? `: ${stage.message}` : ''}` });
    }
    if (stage.phase === 'Failed') events.push({ type: 'Warning', reason: REASONS.StageFailed, key: `${id}/failed`, message: stage.message ?? `stage ${stage.name} failed` });
  }
  const end = status.completionTime;
  const why = status.conditions?.find((c) => c.type === CONDITION_SUCCEEDED)?.message;
  if (end && status.phase === 'Succeeded') {
    const f1 = status.results?.f1;
    events.push({ type: 'Normal', reason: REASONS.RunSucceeded, key: `run@${end}/Succeeded`, message: `all stages succeeded${f1 !== undefined ? `; F1 ${f1.toFixed(3)}` : ''}` });
  }
  if (end && status.phase === 'Failed') events.push({ type: 'Warning', reason: REASONS.RunFailed, key: `run@${end}/Failed`, message: why ?? 'the run failed' });
  if (end && status.phase === 'Cancelled') events.push({ type: 'Normal', reason: REASONS.RunCancelled, key: `run@${end}/Cancelled`, message: why ?? 'the run was cancelled' });
  return events;
}

/** The Events `next` implies that `previous` did not: what changed. */
export function newEvents(previous: PipelineRunStatus, next: PipelineRunStatus): RunEvent[] {
  const seen = new Set(impliedEvents(previous).map((e) => e.key));
  return impliedEvents(next).filter((e) => !seen.has(e.key));
}

/** A Warning when Pods get stuck (or stuck for another reason): once per Pod and reason. */
export function pendingEvents(previous: PipelineRunStatus, pending: PendingProblem[]): RunEvent[] {
  const was = previous.conditions?.find((c) => c.type === CONDITION_PODS_PENDING);
  const first = pending[0];
  if (!first || (was?.status === 'True' && was.reason === first.reason)) return [];
  return [{ type: 'Warning', reason: first.reason, message: first.message, key: `pending/${first.reason}/${first.pod}` }];
}

/** Whether a restarted operator should record the run's implied Events again (they may have been lost). */
export function worthReplaying(status: PipelineRunStatus, now: Date): boolean {
  if (!status.phase) return false;
  if (!status.completionTime) return true;
  return now.getTime() - new Date(status.completionTime).getTime() < REPLAY_WINDOW_MS;
}
