// Where a run's artifacts live: runs/<namespace>/<run-name>/<run-uid>/<NN-stage>[/<unit>]/...
import { STAGE_NAMES, type StageName } from '../../api/v1alpha1/names.js';

export interface RunRef { namespace: string; name: string; uid: string }

export const stageDir = (stage: StageName): string =>
  `${String(STAGE_NAMES.indexOf(stage) + 1).padStart(2, '0')}-${stage}`;

export const runPrefix = (run: RunRef): string => `runs/${run.namespace}/${run.name}/${run.uid}`;

/** The directory of one publishable unit: a stage, or one unit of it (a generation batch). */
export const unitDir = (run: RunRef, stage: StageName, unit?: string): string =>
  `${runPrefix(run)}/${stageDir(stage)}${unit ? `/${unit}` : ''}`;

export const MANIFEST = '_manifest.json';
export const STAGING = '_staging';

/** Store-wide caches (downloads, embeddings, LLM answers), shared by runs. */
export const cacheKey = (kind: string, ...parts: string[]): string => ['cache', kind, ...parts].join('/');

export const batchUnit = (k: number): string => `batch-${String(k).padStart(4, '0')}`;
