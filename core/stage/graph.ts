// The pipeline's stage graph: what each stage needs, when the spec turns it off, how it is cut
// into units. Pure data and functions, shared by the stages, the operator and the local runner.
import type { PipelineRunSpec } from '../../api/v1alpha1/spec.js';
import type { StageName } from '../../api/v1alpha1/names.js';
import { batchUnit } from './layout.js';

export interface StageNode {
  /** Stages whose outputs this one reads (for this spec). */
  needs(spec: PipelineRunSpec): StageName[];
  /** Why the spec turns the stage off, or undefined when it runs. */
  disabledWhy?(spec: PipelineRunSpec): string | undefined;
  /** The stage's units (one process / Job each), or undefined for one. */
  units?(spec: PipelineRunSpec): string[] | undefined;
  /** GPUs the stage's Job asks for. */
  gpus?(spec: PipelineRunSpec): number;
}

export const generationUnits = (spec: PipelineRunSpec): string[] =>
  Array.from({ length: spec.generation.batches }, (_, k) => batchUnit(k));

const generating = (spec: PipelineRunSpec) => spec.generation.enabled;
const training = (spec: PipelineRunSpec) => spec.training.mode === 'train';

export const STAGE_GRAPH: Record<StageName, StageNode> = {
  analyze: { needs: () => [] },
  generate: {
    needs: () => ['analyze'],
    disabledWhy: (spec) => (generating(spec) ? undefined : 'generation.enabled is false'),
    units: generationUnits,
  },
  filter: {
    needs: (spec) => (generating(spec) ? ['analyze', 'generate'] : ['analyze']),
    disabledWhy: (spec) => (generating(spec) ? undefined : 'no synthetic data to filter (generation.enabled is false)'),
  },
  merge: { needs: (spec) => (generating(spec) ? ['analyze', 'filter'] : ['analyze']) },
  train: {
    needs: () => ['merge'],
    disabledWhy: (spec) => (training(spec) ? undefined : `training.mode is pretrained (model ${spec.training.model})`),
    gpus: (spec) => spec.training.gpus,
  },
  evaluate: {
    needs: (spec) => (training(spec) ? ['merge', 'train'] : ['merge']),
    gpus: (spec) => (spec.training.features === 'encoder' ? spec.training.gpus : 0),
  },
};
