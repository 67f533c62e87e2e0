// Artifact retention, pure: what happens to a run's artifacts when the run is deleted. By default
// (spec.artifacts.retain: true) nothing: they stay in the store and the run has no finalizer. With
// retain: false the run carries the finalizer bugforge.dev/artifacts; once it is deleted, a cleanup
// Job removes runs/<namespace>/<name>/<uid>/ and then the finalizer comes off. A failed cleanup keeps
// the finalizer (and says so): remove it by hand to let the run go without deleting its artifacts.
import type { V1Job } from '@kubernetes/client-node';
import { ARTIFACTS_FINALIZER, REASONS } from '../../api/v1alpha1/reasons.js';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import type { StorageSpec } from '../../api/v1alpha1/spec.js';
import type { ReconcileConfig } from './config.js';
import { cleanupJob, cleanupJobName } from './job-spec.js';
import { jobOutcome } from './observe.js';
import type { RunEvent } from './run-events.js';

export interface RetentionStep {
  /** The run's finalizers as they should be, when they should change. */
  finalizers?: string[];
  jobsToCreate: V1Job[];
  events: RunEvent[];
}

export function retention(run: PipelineRun, storage: StorageSpec | undefined, observedJobs: V1Job[], config: ReconcileConfig): RetentionStep {
  const finalizers = run.metadata.finalizers ?? [];
  const has = finalizers.includes(ARTIFACTS_FINALIZER);
  const none: RetentionStep = { jobsToCreate: [], events: [] };
  if (!run.metadata.deletionTimestamp) {
    return run.spec.artifacts?.retain === false && !has ? { ...none, finalizers: [...finalizers, ARTIFACTS_FINALIZER] } : none;
  }
  if (!has) return none;
  const without = finalizers.filter((f) => f !== ARTIFACTS_FINALIZER);
  if (!storage) return { ...none, finalizers: without }; // nowhere to delete from
  const name = cleanupJobName(run.metadata.name);
  const job = observedJobs.find((j) => j.metadata?.name === name && j.metadata.ownerReferences?.some((o) => o.uid === run.metadata.uid));
  if (!job) return { ...none, jobsToCreate: [cleanupJob(run, storage, config)] };
  const outcome = jobOutcome(job);
  if (outcome.state === 'succeeded') {
    return { ...none, finalizers: without, events: [{ type: 'Normal', reason: REASONS.ArtifactsDeleted, key: 'artifacts/deleted', message: `artifacts of the run removed from the store by Job ${name} (spec.artifacts.retain: false)` }] };
  }
  if (outcome.state === 'failed') {
    return { ...none, events: [{ type: 'Warning', reason: REASONS.ArtifactsNotDeleted, key: 'artifacts/failed', message: `Job ${name} could not remove the run's artifacts (${outcome.reason}: ${outcome.message}); the run stays until finalizer ${ARTIFACTS_FINALIZER} is removed by hand` }] };
  }
  return none;
}
