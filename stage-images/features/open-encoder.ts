// Turns the spec's training section into a ready encoder featurizer (or TF-IDF settings).
// training.encoder is a local directory, an s3:// prefix, or a hub id with an optional
// @revision (microsoft/codebert-base@main); the hub is HF_ENDPOINT or dataset.hubEndpoint.
import type { Logger } from 'pino';
import type { PipelineRunSpec } from '../../api/v1alpha1/spec.js';
import type { Progress } from '../../core/stage/progress.js';
import type { ArtifactStore } from '../../core/store/store.js';
import type { Encoder } from './encoder.js';
import { encoderDigest, resolveEncoder } from './encoder-source.js';
import { EncoderFeaturizer } from './featurize.js';
import type { TfidfOptions } from './tfidf.js';

/** TF-IDF vocabulary limits (fixed: the quickstart and the baseline need no tuning here). */
export const TFIDF_OPTIONS: TfidfOptions = { minDocFreq: 2, maxFeatures: 20000 };

export interface EncoderReference { source: string; revision: string; digest: string; onnxFile: string }

export function splitRevision(ref: string): { source: string; revision: string } {
  const m = /^([^@:]+\/[^@]+|[^@/:]+)@([\w.\-/]+)$/.exec(ref);
  return m && !ref.startsWith('s3://') && !ref.startsWith('/') && !ref.startsWith('.') ? { source: m[1], revision: m[2] } : { source: ref, revision: 'main' };
}

export interface OpenedEncoder { featurizer: EncoderFeaturizer; encoder: Encoder; reference: EncoderReference }

export async function openEncoder(
  ref: string,
  spec: PipelineRunSpec,
  deps: { store: ArtifactStore; env: NodeJS.ProcessEnv; log: Logger; progress?: Progress; fetchImpl?: typeof fetch; pooling?: 'cls' | 'mean'; maxLength?: number },
): Promise<OpenedEncoder> {
  const { source, revision } = splitRevision(ref);
  deps.progress?.phase(`encoder ${source}`);
  const location = await resolveEncoder(source, {
    revision, hubEndpoint: deps.env.HF_ENDPOINT ?? spec.dataset.hubEndpoint, env: deps.env, log: deps.log, fetchImpl: deps.fetchImpl,
  });
  const digest = await encoderDigest(location);
  // onnxruntime and transformers load here, not at import: a TF-IDF run never needs them (≈0.2 CPU-s).
  const { Encoder } = await import('./encoder.js');
  const encoder = await Encoder.load(location, {
    pooling: deps.pooling ?? spec.training.pooling, maxLength: deps.maxLength ?? spec.training.maxLength,
    batchSize: spec.training.batchSize, gpus: spec.training.gpus, log: deps.log,
  });
  return {
    encoder,
    featurizer: new EncoderFeaturizer(encoder, deps.store, digest, deps.progress, deps.log),
    reference: { source, revision: location.revision, digest, onnxFile: location.onnxFile },
  };
}
