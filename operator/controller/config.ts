// What the pure reconcile needs to know about the operator itself (flags, this build).
import type { StorageSpec } from '../../api/v1alpha1/spec.js';
import type { StageName } from '../../api/v1alpha1/names.js';

export interface DefaultStorage {
  endpoint?: string;
  bucket?: string;
  prefix?: string;
  region?: string;
  credentialsSecret?: string;
}

export interface ReconcileConfig {
  /** Stage image for CPU Jobs (spec.jobs.image overrides). */
  stageImage: string;
  /** Stage image for Jobs that ask for GPUs (spec.jobs.gpuImage overrides). */
  gpuStageImage: string;
  /** Secrets (in the run's namespace) the stage Pods pull their images with. */
  imagePullSecrets?: string[];
  /** Storage for runs without spec.storage. */
  defaultStorage?: DefaultStorage;
  /** Whether this build of bugforge has the stage (stage-images/registry.ts). */
  isStageAvailable(stage: StageName): boolean;
}

/** The run's storage: its own, else the operator default; undefined when neither names a bucket. */
export function resolveStorage(storage: StorageSpec | undefined, fallback: DefaultStorage | undefined): StorageSpec | undefined {
  if (storage) return storage;
  if (!fallback?.bucket) return undefined;
  return {
    bucket: fallback.bucket,
    prefix: fallback.prefix ?? '',
    region: fallback.region ?? 'us-east-1',
    ...(fallback.endpoint ? { endpoint: fallback.endpoint } : {}),
    ...(fallback.credentialsSecret ? { credentialsSecret: fallback.credentialsSecret } : {}),
  };
}

/** s3://<bucket>[/<prefix>] — what a stage's --store gets. */
export function storeUri(storage: StorageSpec): string {
  const prefix = (storage.prefix ?? '').replace(/^\/+|\/+$/g, '');
  return `s3://${storage.bucket}${prefix ? `/${prefix}` : ''}`;
}
