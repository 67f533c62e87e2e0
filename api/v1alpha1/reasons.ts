// The vocabulary of a PipelineRun's conditions and Events: every reason the operator writes, named
// and documented in one place (as Tekton's ReasonCancelled, …), so users can grep for them and alert
// on them. The README's "Condition reasons" table lists the same (a unit test keeps them in step).

/** Annotation whose new value (any string; the CLI writes a timestamp) retries a Failed or Cancelled run. */
export const RETRY_ANNOTATION = 'bugforge.dev/retry';
/** Optional annotation beside RETRY_ANNOTATION: re-run from this stage instead of the failed one. */
export const RETRY_FROM_STAGE_ANNOTATION = 'bugforge.dev/retry-from-stage';
/** Finalizer the operator sets when spec.artifacts.retain is false: artifacts are removed before the run goes. */
export const ARTIFACTS_FINALIZER = 'bugforge.dev/artifacts';

/** Condition types. */
export const CONDITION_SUCCEEDED = 'Succeeded';
export const CONDITION_PODS_PENDING = 'PodsPending';

export const REASONS = {
  // --- Succeeded condition, status Unknown (the run is going)
  /** Stages are running. */
  Running: 'Running',
  /** A retry was asked for: Jobs of the stages to re-run are being removed before they are created again. */
  Retrying: 'Retrying',
  // --- Succeeded condition, status True
  /** Every stage that runs for this spec succeeded. */
  Succeeded: 'Succeeded',
  // --- Succeeded condition, status False (the run ended)
  /** spec.status was set to Cancelled: the active Jobs were deleted; published stages stay. */
  Cancelled: 'Cancelled',
  /** A stage's Job failed (its message carries the stage's own headline, e.g. the LLM provider's error). */
  StageFailed: 'StageFailed',
  /** A stage Pod stayed Pending (unschedulable, image pull, …) longer than spec.jobs.pendingTimeout. */
  PendingTimeout: 'PendingTimeout',
  /** Generation failed too often: more than generation.maxFailureRate of the run's samples failed. */
  GenerationFailureRate: 'GenerationFailureRate',
  /** The spec does not validate (normally refused by the API server already). */
  InvalidSpec: 'InvalidSpec',
  /** Neither spec.storage nor the operator's default storage names a bucket. */
  NoStorage: 'NoStorage',
  /** The operator's image lacks a stage the spec needs. */
  StageUnavailable: 'StageUnavailable',
  // --- PodsPending condition
  /** No stage Pod is stuck. */
  NoPodsStuck: 'NoPodsStuck',
  /** A stage Pod cannot be scheduled (no node fits, e.g. no GPU node). */
  Unschedulable: 'Unschedulable',
  /** A stage Pod's image cannot be pulled. */
  ImagePullBackOff: 'ImagePullBackOff',
  ErrImagePull: 'ErrImagePull',
  InvalidImageName: 'InvalidImageName',
  /** A Secret a stage Pod references is missing. */
  CreateContainerConfigError: 'CreateContainerConfigError',
  // --- Events only
  /** A stage's first Job was created. */
  StageStarted: 'StageStarted',
  /** A stage published its outputs. */
  StageSucceeded: 'StageSucceeded',
  /** A stage reused the outputs of an earlier run (same input digest). */
  StageCached: 'StageCached',
  /** The run ended Succeeded. */
  RunSucceeded: 'RunSucceeded',
  /** The run ended Failed. */
  RunFailed: 'RunFailed',
  /** The run ended Cancelled. */
  RunCancelled: 'RunCancelled',
  /** A retry started (from the failed stage or bugforge.dev/retry-from-stage). */
  RetryStarted: 'RetryStarted',
  /** The retry annotation changed but the run cannot be retried (still active, spec.status Cancelled, unknown stage). */
  RetryRefused: 'RetryRefused',
  /** A Job with this run's deterministic name belongs to something else (e.g. orphaned by a deleted run of the same name): deleted so the run can make its own. */
  ForeignJobDeleted: 'ForeignJobDeleted',
  /** The run's artifacts were removed from the store (spec.artifacts.retain: false). */
  ArtifactsDeleted: 'ArtifactsDeleted',
  /** The cleanup Job failed: the run keeps its finalizer until it is removed by hand. */
  ArtifactsNotDeleted: 'ArtifactsNotDeleted',
} as const;

export type Reason = (typeof REASONS)[keyof typeof REASONS];
