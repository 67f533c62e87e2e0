// The two things a user does to a PipelineRun, as the merge patches that do them — the contract the
// operator reads (README "Retry, cancel"). One definition for every client: `bugforge retry/cancel`
// (and `kubectl bugforge`) and the dashboard's buttons. Plain kubectl does the same by hand.
import { RETRY_ANNOTATION, RETRY_FROM_STAGE_ANNOTATION } from './reasons.js';
import type { PipelineRun } from './resource.js';

/** Cancels a running run: spec.status Cancelled (as Tekton's). */
export const cancelPatch = (): Record<string, unknown> => ({ spec: { status: 'Cancelled' } });

/**
 * Retries a Failed or Cancelled run from its failed stage, or re-runs it from `fromStage`: a new
 * value of the retry annotation (a timestamp), the stage annotation set or removed, and a
 * cancelled run's spec.status cleared so it can go on — in one patch.
 */
export function retryPatch(run: Pick<PipelineRun, 'spec'>, fromStage: string | undefined, now: Date): Record<string, unknown> {
  return {
    metadata: { annotations: { [RETRY_ANNOTATION]: now.toISOString(), [RETRY_FROM_STAGE_ANNOTATION]: fromStage ?? null } },
    ...(run.spec.status ? { spec: { status: null } } : {}),
  };
}
