// Which stages this build has. A stage that is not listed is reported as "not available yet"
// by the runner and the operator; nothing stands in for it.
import type { StageName } from '../api/v1alpha1/names.js';
import type { StageDefinition } from '../core/stage/definition.js';

const loaders: Partial<Record<StageName, () => Promise<StageDefinition>>> = {
  analyze: () => import('./analyze/index.js').then((m) => m.analyzeStage),
  generate: () => import('./generate/index.js').then((m) => m.generateStage),
  filter: () => import('./filter/index.js').then((m) => m.filterStage),
  merge: () => import('./merge/index.js').then((m) => m.mergeStage),
  train: () => import('./train/index.js').then((m) => m.trainStage),
  evaluate: () => import('./evaluate/index.js').then((m) => m.evaluateStage),
};

export const isStageAvailable = (name: StageName): boolean => name in loaders;

export async function loadStage(name: StageName): Promise<StageDefinition> {
  const load = loaders[name];
  if (!load) throw new StageNotAvailableError(name);
  return load();
}

export class StageNotAvailableError extends Error {
  constructor(readonly stage: StageName) {
    super(`stage ${stage} is not available in this build of bugforge yet`);
    this.name = 'StageNotAvailableError';
  }
}
