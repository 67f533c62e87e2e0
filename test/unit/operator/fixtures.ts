// Small builders for the observed state the reconcile reads: a PipelineRun (defaults applied the
// way the API server does), Jobs in a given state, and their Pods.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { validateSpec } from '../../../api/v1alpha1/validate.js';
import type { PipelineRun } from '../../../api/v1alpha1/resource.js';
import type { ReconcileConfig } from '../../../operator/controller/config.js';

export const T0 = new Date('2026-01-01T10:00:00Z');
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

export const config: ReconcileConfig = {
  stageImage: 'ghcr.io/bugforge/bugforge:test',
  gpuStageImage: 'ghcr.io/bugforge/bugforge-gpu:test',
  isStageAvailable: () => true,
};

export function pipelineRun(spec: Record<string, unknown> = {}, name = 'demo'): PipelineRun {
  return {
    apiVersion: 'bugforge.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name, namespace: 'ml', uid: `uid-${name}`, generation: 1, creationTimestamp: T0.toISOString() },
    spec: validateSpec({ storage: { bucket: 'bugforge', endpoint: 'http://minio:9000', credentialsSecret: 'minio-creds' }, ...spec }),
  };
}

export type JobState = 'active' | 'succeeded' | 'failed';

/** A Job as the API server would show it: what the reconcile asked for, plus a status. */
export function observedJob(job: V1Job, state: JobState, seconds = 10, failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }): V1Job {
  const t = at(seconds);
  const conditions = state === 'succeeded'
    ? [{ type: 'Complete', status: 'True', lastTransitionTime: t }]
    : state === 'failed' ? [{ type: 'Failed', status: 'True', lastTransitionTime: t, ...failure }] : [];
  return {
    ...job,
    metadata: { ...job.metadata, creationTimestamp: at(1) },
    status: { ...(state === 'active' ? { active: 1 } : {}), ...(state === 'succeeded' ? { succeeded: 1, completionTime: t } : {}), ...(state === 'failed' ? { failed: 1 } : {}), conditions },
  } as V1Job;
}

/** A finished Pod of a Job with the given termination message. */
export function finishedPod(jobName: string, phase: 'Succeeded' | 'Failed', message: string, exitCode = phase === 'Succeeded' ? 0 : 1): V1Pod {
  return {
    metadata: { name: `${jobName}-abcde`, namespace: 'ml', labels: { 'batch.kubernetes.io/job-name': jobName }, creationTimestamp: at(2) },
    status: {
      phase,
      containerStatuses: [{ name: 'stage', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason: phase === 'Succeeded' ? 'Completed' : 'Error', message } } }],
    },
  } as V1Pod;
}

export function pendingPod(jobName: string, status: V1Pod['status'], createdSeconds = 2): V1Pod {
  return {
    metadata: { name: `${jobName}-xyz12`, namespace: 'ml', labels: { 'batch.kubernetes.io/job-name': jobName }, creationTimestamp: at(createdSeconds) },
    status: { phase: 'Pending', ...status },
  } as V1Pod;
}
