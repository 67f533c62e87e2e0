// Reading observed Jobs and Pods: a Job's outcome, a stage summary from a Pod's termination
// message, and why a Pod is stuck Pending. Pure functions over client-node types.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { CONTAINER_NAME } from './job-spec.js';

export type JobOutcome =
  | { state: 'active' }
  | { state: 'succeeded'; at?: string }
  | { state: 'failed'; reason: string; message: string; at?: string };

const iso = (t: Date | string | undefined): string | undefined =>
  t === undefined ? undefined : (typeof t === 'string' ? t : t.toISOString());

export function jobOutcome(job: V1Job): JobOutcome {
  const conditions = job.status?.conditions ?? [];
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const complete = isTrue('Complete');
  if (complete) return { state: 'succeeded', at: iso(job.status?.completionTime ?? complete.lastTransitionTime) };
  const failed = isTrue('Failed') ?? isTrue('FailureTarget');
  if (failed) {
    return { state: 'failed', reason: failed.reason ?? 'Failed', message: failed.message ?? '', at: iso(failed.lastTransitionTime) };
  }
  return { state: 'active' };
}

export const jobNameOfPod = (pod: V1Pod): string | undefined =>
  pod.metadata?.labels?.['batch.kubernetes.io/job-name'] ?? pod.metadata?.labels?.['job-name']
  ?? pod.metadata?.ownerReferences?.find((o) => o.kind === 'Job')?.name;

const terminatedOf = (pod: V1Pod) =>
  pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME)?.state?.terminated;

const created = (pod: V1Pod) => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();

/** The summary a stage left in its termination message (JSON), or its text when it is not JSON. */
export function podSummary(pod: V1Pod): Record<string, unknown> | undefined {
  const message = terminatedOf(pod)?.message?.trim();
  if (!message) return undefined;
  try {
    const parsed: unknown = JSON.parse(message);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON: a crash before the stage wrote its summary (FallbackToLogsOnError gives the log tail)
  }
  return { message: message.slice(-1000) };
}

/** The newest Pod of a Job that ended with the given phase. */
export function lastPod(pods: V1Pod[], job: string, phase: 'Succeeded' | 'Failed'): V1Pod | undefined {
  return pods.filter((p) => jobNameOfPod(p) === job && p.status?.phase === phase).sort((a, b) => created(b) - created(a))[0];
}

/** One line on why a failed Job's last Pod failed: its headline, else exit code and reason. */
export function podFailureLine(pod: V1Pod | undefined): string | undefined {
  if (!pod) return undefined;
  const summary = podSummary(pod);
  const headline = summary?.headline ?? summary?.message;
  const term = terminatedOf(pod);
  const exit = term ? `exit code ${term.exitCode}${term.reason ? ` (${term.reason})` : ''}` : undefined;
  if (typeof headline === 'string' && headline) return exit ? `${headline} [${exit}]` : headline;
  return exit ?? pod.status?.message;
}

export interface PendingProblem {
  pod: string;
  reason: 'Unschedulable' | 'ImagePullBackOff' | 'ErrImagePull' | 'InvalidImageName' | 'CreateContainerConfigError' | 'PendingTimeout';
  message: string;
  /** When the Pod was created (for the pending timeout). */
  since?: string;
}

const WAITING_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError']);
const IMAGE_HINT = ' — check spec.jobs.image / gpuImage (or the operator\'s --stage-image) and the registry\'s pull credentials';
const WAITING_HINTS: Record<string, string> = {
  ImagePullBackOff: IMAGE_HINT, ErrImagePull: IMAGE_HINT, InvalidImageName: IMAGE_HINT,
  CreateContainerConfigError: ' — a Secret the Job references is missing: spec.storage.credentialsSecret (keys accessKey, secretKey) or generation.openai.apiKeySecret',
};

/** Why a Pending Pod is not running: unschedulable, image pull, bad config, or pending too long (a timeout of 0 is none). */
export function pendingProblem(pod: V1Pod, now: Date, pendingTimeoutMs: number): PendingProblem | undefined {
  if (pod.status?.phase !== 'Pending' || pod.metadata?.deletionTimestamp) return undefined;
  const name = pod.metadata?.name ?? '?';
  const scheduled = pod.status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const why = scheduled.message ?? 'no node fits';
    const hint = /nvidia\.com\/gpu/.test(why)
      ? ' — add a node with GPUs (and the NVIDIA device plugin), fix training.nodeSelector/tolerations, or set training.gpus: 0'
      : ' — check spec.jobs.resources, training.nodeSelector and tolerations against the nodes';
    return { pod: name, reason: 'Unschedulable', message: `pod ${name} cannot be scheduled: ${why}${hint}` };
  }
  for (const status of [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])]) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && WAITING_REASONS.has(waiting.reason)) {
      return {
        pod: name, reason: waiting.reason as PendingProblem['reason'],
        message: `pod ${name} container ${status.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}${WAITING_HINTS[waiting.reason] ?? ''}`,
      };
    }
  }
  const since = pod.metadata?.creationTimestamp ? iso(pod.metadata.creationTimestamp) : undefined;
  if (since && pendingTimeoutMs > 0 && now.getTime() - new Date(since).getTime() > pendingTimeoutMs) {
    return { pod: name, reason: 'PendingTimeout', message: `pod ${name} has been Pending since ${since}, longer than spec.jobs.pendingTimeout`, since };
  }
  return undefined;
}

/** "10m", "1h30m", "90s", "500ms" → milliseconds (the CRD's Duration pattern). */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(n) * units[unit];
  return total;
}
