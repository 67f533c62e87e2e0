// The PipelineRun API's names and limits as plain values: stage names, bug types, name rules. Kept
// apart from the TypeBox schemas (spec.ts) so that code which only needs a name does not build the
// schema at start-up.

/** The largest integer the API server (int64) and JavaScript (a double) both hold exactly. */
export const MAX_INTEGER = Number.MAX_SAFE_INTEGER;
/** Seeds feed 32-bit generators: 0 … 2^31-1, the same limit locally and on the server. */
export const MAX_SEED = 2 ** 31 - 1;

/**
 * metadata.name: a DNS label of at most 53 characters, so that `<name>-<stage>-<batch>` Job names and
 * the job-name label fit 63. The API server checks it (the CRD's metadata schema) as does `bugforge validate`.
 */
export const MAX_RUN_NAME = 53;
export const RUN_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

export const STAGE_NAMES = ['analyze', 'generate', 'filter', 'merge', 'train', 'evaluate'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const BUG_TYPES = [
  'off-by-one', 'operator-swap', 'removed-bounds-check', 'removed-null-check', 'variable-misuse',
  'swapped-arguments', 'missing-free', 'double-free', 'use-after-free', 'integer-overflow',
  'missing-break', 'wrong-error-return', 'uninitialized-variable',
] as const;
export type BugType = (typeof BUG_TYPES)[number];

/** dataset.source values. */
export const DatasetSources = ['huggingface', 'demo', 'uri'] as const;

/** spec.status values (as Tekton's): setting Cancelled stops the run. */
export const SPEC_STATUSES = ['Cancelled'] as const;
export type SpecStatus = (typeof SPEC_STATUSES)[number];

/** dataset.name's default: CodeXGLUE defect detection on the Hugging Face hub. */
export const DEFAULT_HUB_DATASET = 'google/code_x_glue_cc_defect_detection';
