// The PipelineRun spec, defined once. The CRD's OpenAPI schema (crds/), the CLI's validation
// and the TypeScript types all come from these TypeBox schemas.
//
// Rules for this file (the CRD must stay a *structural* schema):
// - every object lists its properties; no $ref, no anyOf/oneOf at the property level;
// - an object with nested defaults gets `default: {}` so that both Kubernetes and Ajv apply them;
// - cross-field rules are CEL (`x-kubernetes-validations`), evaluated by the API server and,
//   locally, by the same expressions through a CEL interpreter (see validate.ts).
import { Type, type Static } from '@sinclair/typebox';
import { BUG_TYPES, DEFAULT_HUB_DATASET, DatasetSources, MAX_INTEGER, MAX_SEED, SPEC_STATUSES } from './names.js';

const cel = (rule: string, message: string, fieldPath?: string) => ({ rule, message, ...(fieldPath ? { fieldPath } : {}) });
const Enum = <T extends string>(values: readonly T[], opts: Record<string, unknown> = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...opts });
const Quantity = (description: string) => Type.String({ description, pattern: '^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$' });
const Duration = (description: string, def: string) =>
  Type.String({ description, default: def, pattern: '^([0-9]+(ms|s|m|h))+$' });

const Seed = () => Type.Integer({ minimum: 0, maximum: MAX_SEED, default: 42 });
/** A count with no natural upper bound still gets one, so that the CLI and the API server agree (1e20 is refused by both). */
const Count = (opts: { minimum?: number; default?: number; description?: string } = {}) =>
  Type.Integer({ minimum: 0, maximum: MAX_INTEGER, ...opts });

export const SecretKeyRef = Type.Object({
  name: Type.String({ minLength: 1, description: 'Secret name (same namespace as the PipelineRun).' }),
  key: Type.String({ minLength: 1, description: 'Key inside the Secret.' }),
}, { additionalProperties: false });

export const Storage = Type.Object({
  endpoint: Type.Optional(Type.String({ pattern: '^https?://', description: 'S3/MinIO endpoint URL, e.g. http://minio.bugforge:9000. Empty: AWS S3.' })),
  bucket: Type.String({ minLength: 3, maxLength: 63, pattern: '^[a-z0-9][a-z0-9.-]+[a-z0-9]$', description: 'Bucket that holds the run artifacts.' }),
  prefix: Type.String({ default: '', description: 'Key prefix under the bucket; runs go to <prefix>/runs/<namespace>/<name>/<uid>/.' }),
  region: Type.String({ default: 'us-east-1' }),
  credentialsSecret: Type.Optional(Type.String({ minLength: 1, description: 'Secret with keys accessKey and secretKey (referenced, never copied).' })),
}, { additionalProperties: false, description: 'Where artifacts go. Omitted: the operator default (Helm value storage.*).' });

export const Dataset = Type.Object({
  source: Enum(DatasetSources, { default: 'huggingface', description: 'huggingface: the hub parquet files; demo: the small demo set shipped with bugforge; uri: a local path or s3:// URI.' }),
  name: Type.String({ default: DEFAULT_HUB_DATASET, description: 'Hub dataset id (source huggingface); for source uri, the data set\'s name in record ids and reports (default: the file or directory name).' }),
  revision: Type.String({ default: 'main', description: 'Hub revision (branch, tag or commit).' }),
  hubEndpoint: Type.String({ default: 'https://huggingface.co', pattern: '^https?://', description: 'Hub base URL (a mirror works).' }),
  uri: Type.Optional(Type.String({ minLength: 1, description: 'File or directory (local path or s3://bucket/key) with parquet, JSONL or CSV (source uri).' })),
  format: Enum(['auto', 'parquet', 'jsonl', 'csv'] as const, { default: 'auto' }),
  limit: Count({ default: 0, description: 'Rows per split to keep (0: all).' }),
}, {
  additionalProperties: false, default: {},
  'x-kubernetes-validations': [cel("self.source != 'uri' || has(self.uri)", 'dataset.uri is required when dataset.source is uri', '.uri')],
});

export const OpenAIConfig = Type.Object({
  baseURL: Type.String({ pattern: '^https?://', description: 'OpenAI-compatible endpoint, e.g. http://vllm.llm:8000/v1.' }),
  model: Type.String({ minLength: 1 }),
  apiKeySecret: Type.Optional(SecretKeyRef),
  maxConcurrency: Type.Integer({ minimum: 1, maximum: 256, default: 8 }),
  temperature: Type.Number({ minimum: 0, maximum: 2, default: 0.7 }),
  maxTokens: Type.Integer({ minimum: 16, maximum: 32768, default: 1024, description: 'Completion tokens per request.' }),
  timeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 120 }),
  maxRetries: Type.Integer({ minimum: 0, maximum: 20, default: 5 }),
  jsonMode: Enum(['auto', 'on', 'off'] as const, { default: 'auto', description: 'Ask for response_format json_object (auto: try, fall back when refused).' }),
  budget: Type.Object({
    maxRequests: Count({ default: 0, description: 'Requests for the whole run, shared by its batches; 0: unlimited. Counted in the store, so a retried Pod does not start over.' }),
    maxTokens: Count({ default: 0, description: '0: unlimited.' }),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false });

export const Generation = Type.Object({
  enabled: Type.Boolean({ default: true }),
  provider: Enum(['mutation', 'openai'] as const, { default: 'mutation' }),
  batches: Type.Integer({ minimum: 1, maximum: 1000, default: 4 }),
  parallelism: Type.Integer({ minimum: 1, maximum: 100, default: 2, description: 'Batches (Jobs) at once.' }),
  samplesPerBatch: Type.Integer({ minimum: 1, maximum: 100000, default: 100 }),
  seed: Seed(),
  maxFailureRate: Type.Number({
    minimum: 0, maximum: 1, default: 0.5,
    description: 'Largest share of samples that may fail (LLM request errors, unusable answers) in one batch, and over the whole run, before the batch (run) fails instead of succeeding with little or no synthetic data. 1 turns it off. Authentication and permission errors (HTTP 401/403) fail the batch at once.',
  }),
  from: Enum(['train', 'all'] as const, { default: 'train', description: 'Which real splits give clean functions to mutate.' }),
  bugTypes: Type.Array(Enum(BUG_TYPES), { default: [], maxItems: 32, description: 'Bug types to inject (empty: all).' }),
  openai: Type.Optional(OpenAIConfig),
}, {
  additionalProperties: false, default: {},
  'x-kubernetes-validations': [cel("self.provider != 'openai' || has(self.openai)", 'generation.openai (baseURL, model) is required when generation.provider is openai', '.openai')],
});

export const Filtering = Type.Object({
  minLines: Type.Integer({ minimum: 1, maximum: 100000, default: 3 }),
  minChars: Count({ default: 40 }),
  maxTokens: Type.Integer({ minimum: 16, maximum: 1_000_000, default: 512 }),
  nearDuplicateThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.9, description: 'Jaccard similarity at or above which two samples are near duplicates (1 turns it off).' }),
  minhashPermutations: Type.Integer({ minimum: 16, maximum: 1024, default: 128 }),
}, { additionalProperties: false, default: {} });

export const Split = Type.Object({
  train: Type.Number({ minimum: 0, maximum: 1, default: 0.8 }),
  validation: Type.Number({ minimum: 0, maximum: 1, default: 0.1 }),
  test: Type.Number({ minimum: 0, maximum: 1, default: 0.1 }),
  seed: Seed(),
  syntheticInEval: Type.Boolean({ default: false, description: 'Allow synthetic samples in validation and test.' }),
  respectSourceSplits: Type.Boolean({ default: false, description: 'Keep the data set\'s own train/validation/test assignment instead of re-splitting.' }),
  groupBy: Enum(['commit', 'id'] as const, { default: 'commit', description: 'How real rows are grouped so a group never straddles splits: commit (rows sharing commit_id; rows without one stand alone) or id (each row alone)' }),
}, {
  additionalProperties: false, default: {},
  'x-kubernetes-validations': [
    cel('self.train + self.validation + self.test > 0.999 && self.train + self.validation + self.test < 1.001', 'split.train + split.validation + split.test must sum to 1'),
    cel('self.respectSourceSplits || (self.train > 0.0 && self.validation > 0.0 && self.test > 0.0)', 'split.train, split.validation and split.test must each be > 0 (train fits the detector, validation stops it early, test evaluates it) unless split.respectSourceSplits is true'),
  ],
});

export const Toleration = Type.Object({
  key: Type.Optional(Type.String()),
  operator: Type.Optional(Enum(['Exists', 'Equal'] as const)),
  value: Type.Optional(Type.String()),
  effect: Type.Optional(Enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const)),
  tolerationSeconds: Type.Optional(Type.Integer({ minimum: -MAX_INTEGER, maximum: MAX_INTEGER })),
}, { additionalProperties: false });

export const Training = Type.Object({
  mode: Enum(['train', 'pretrained'] as const, { default: 'train' }),
  model: Type.Optional(Type.String({ minLength: 1, description: 'Model directory URI (local path or s3://) for mode pretrained.' })),
  features: Enum(['encoder', 'tfidf'] as const, { default: 'encoder' }),
  encoder: Type.String({ default: 'onnx-community/codebert-base-ONNX', description: 'Hub id (id@revision), local directory or s3:// prefix of an ONNX encoder with tokenizer.json. Default: microsoft/codebert-base as exported to ONNX by the ONNX Community.' }),
  pooling: Enum(['cls', 'mean'] as const, { default: 'cls' }),
  maxLength: Type.Integer({ minimum: 8, maximum: 4096, default: 400 }),
  batchSize: Type.Integer({ minimum: 1, maximum: 1024, default: 32 }),
  head: Enum(['logreg', 'mlp'] as const, { default: 'mlp' }),
  hiddenSize: Type.Integer({ minimum: 1, maximum: 8192, default: 256 }),
  optimizer: Enum(['auto', 'lbfgs', 'adam'] as const, { default: 'auto', description: 'How the head is fitted on standardised features: lbfgs (full-batch L-BFGS to convergence), adam (minibatch Adam with early stopping on validation log-loss), auto (lbfgs for logreg, adam for mlp).' }),
  maxIterations: Type.Integer({ minimum: 1, maximum: 10000, default: 300, description: 'L-BFGS iterations per L2 candidate (lbfgs).' }),
  l2: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'L2 penalty on standardised features (the loss is the mean weighted log-loss + l2/2 |w|^2). Unset: chosen on validation log-loss from a grid.' })),
  epochs: Type.Integer({ minimum: 1, maximum: 1000, default: 20, description: 'Passes over the train split (adam).' }),
  patience: Type.Integer({ minimum: 1, maximum: 1000, default: 3, description: 'Epochs without a better validation log-loss before stopping (adam; lbfgs runs to the optimum of the penalised loss).' }),
  learningRate: Type.Number({ exclusiveMinimum: 0, maximum: 10, default: 0.001, description: 'Adam step size (adam).' }),
  seed: Seed(),
  exportOnnx: Type.Boolean({ default: false }),
  gpus: Type.Integer({ minimum: 0, maximum: 16, default: 0 }),
  nodeSelector: Type.Optional(Type.Record(Type.String(), Type.String(), { maxProperties: 64 })),
  tolerations: Type.Optional(Type.Array(Toleration, { maxItems: 64 })),
}, {
  additionalProperties: false, default: {},
  'x-kubernetes-validations': [cel("self.mode != 'pretrained' || has(self.model)", 'training.model is required when training.mode is pretrained', '.model')],
});

export const Evaluation = Type.Object({
  baselines: Type.Array(Enum(['majority', 'tfidf-logreg'] as const), { default: ['majority', 'tfidf-logreg'], maxItems: 8 }),
  withoutSynthetic: Type.Boolean({ default: true, description: 'Also train the detector without synthetic data, to show what it bought.' }),
}, { additionalProperties: false, default: {} });

export const Resources = Type.Object({
  cpu: Type.Optional(Quantity('CPU request and limit, e.g. 500m or 2.')),
  memory: Type.Optional(Quantity('Memory request and limit, e.g. 2Gi.')),
}, { additionalProperties: false });

export const Jobs = Type.Object({
  image: Type.Optional(Type.String({ minLength: 1, description: 'Stage image (default: the operator\'s).' })),
  gpuImage: Type.Optional(Type.String({ minLength: 1, description: 'Image for the GPU training and evaluate Jobs.' })),
  backoffLimit: Type.Integer({ minimum: 0, maximum: 20, default: 2 }),
  activeDeadlineSeconds: Type.Integer({ minimum: 60, maximum: MAX_INTEGER, default: 86400 }),
  pendingTimeout: Duration('How long a stage Pod may stay Pending (unschedulable, pulling its image, …) before its stage fails with reason PendingTimeout. 0s: no limit.', '10m'),
  serviceAccountName: Type.Optional(Type.String({ minLength: 1 })),
  resources: Type.Optional(Resources),
}, { additionalProperties: false, default: {} });

export const Artifacts = Type.Object({
  retain: Type.Boolean({
    default: true,
    description: 'true (default): deleting the PipelineRun leaves its artifacts in the store. false: the operator puts a finalizer on the run and, when the run is deleted, removes runs/<namespace>/<name>/<uid>/ with a cleanup Job before letting it go.',
  }),
}, { additionalProperties: false, default: {} });

const SPEC_FIELDS = ['storage', 'dataset', 'generation', 'filtering', 'split', 'training', 'evaluation', 'jobs', 'cache', 'artifacts'] as const;
/**
 * A CEL transition rule (oldSelf): every field but spec.status keeps its value once the run exists, so a
 * running run never mixes configurations and a finished one is never edited after the fact. The API server
 * enforces it; the local validator skips rules that read oldSelf (a file has no previous version).
 */
const immutableRule = SPEC_FIELDS.map((f) => `(has(self.${f}) == has(oldSelf.${f}) && (!has(self.${f}) || self.${f} == oldSelf.${f}))`).join(' && ');

export const PipelineRunSpec = Type.Object({
  status: Type.Optional(Enum(SPEC_STATUSES, { description: 'Cancelled: stop the run\'s Jobs and end it with phase Cancelled (what was published stays). The only field that may change after creation.' })),
  cache: Type.Boolean({ default: true, description: 'Reuse a stage\'s outputs from an earlier run in this namespace (same storage) with the same input digest, instead of computing them again. false: always compute.' }),
  artifacts: Artifacts,
  storage: Type.Optional(Storage),
  dataset: Dataset,
  generation: Generation,
  filtering: Filtering,
  split: Split,
  training: Training,
  evaluation: Evaluation,
  jobs: Jobs,
}, {
  additionalProperties: false, default: {},
  'x-kubernetes-validations': [cel(immutableRule, 'spec is immutable once the PipelineRun exists; only spec.status (Cancelled) may be set. To change settings, create a new PipelineRun: stages with the same inputs are reused from the cache')],
});

export type PipelineRunSpec = Static<typeof PipelineRunSpec>;
export type StorageSpec = Static<typeof Storage>;
export type DatasetSpec = Static<typeof Dataset>;
export type GenerationSpec = Static<typeof Generation>;
export type OpenAISpec = Static<typeof OpenAIConfig>;
export type FilteringSpec = Static<typeof Filtering>;
export type SplitSpec = Static<typeof Split>;
export type TrainingSpec = Static<typeof Training>;
export type EvaluationSpec = Static<typeof Evaluation>;
export type JobsSpec = Static<typeof Jobs>;
export type ArtifactsSpec = Static<typeof Artifacts>;

