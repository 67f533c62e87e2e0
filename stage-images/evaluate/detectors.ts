// The models evaluate scores: the trained detector (from the train stage or training.model),
// the real-only detector when train made one, and the baselines, both from the real (not
// synthetic) rows: the majority class, and TF-IDF + logistic regression trained here. Test
// features are computed once per feature configuration and shared.
import type { Logger } from 'pino';
import type { PipelineRunSpec } from '../../api/v1alpha1/spec.js';
import type { Progress } from '../../core/stage/progress.js';
import type { ArtifactStore } from '../../core/store/store.js';
import { fitTfidf, TfidfFeaturizer, type Featurized, type RecordSource } from '../features/featurize.js';
import { openEncoder, TFIDF_OPTIONS, type OpenedEncoder } from '../features/open-encoder.js';
import { predict } from '../train/head.js';
import { trainDetector, type HeadSettings } from '../train/detector.js';
import type { DetectorModel } from '../train/model-dir.js';

/** The tfidf-logreg baseline's settings: scikit-learn's recipe (standardised TF-IDF, L-BFGS, L2 chosen on validation). */
export const BASELINE_SETTINGS: Omit<HeadSettings, 'seed'> = { head: 'logreg', hiddenSize: 0, optimizer: 'lbfgs', maxIterations: 300, epochs: 1, patience: 5, learningRate: 0.01, batchSize: 32 };

export interface Deps { spec: PipelineRunSpec; store: ArtifactStore; env: NodeJS.ProcessEnv; log: Logger; progress: Progress }

/** Scores test rows with detector models, opening each encoder once and featurizing the test split once per feature configuration. */
export class ModelScorer {
  private readonly encoders = new Map<string, OpenedEncoder>();
  private readonly features = new Map<string, Featurized>();
  constructor(private readonly test: RecordSource, private readonly deps: Deps) {}

  async testFeatures(model: DetectorModel): Promise<Featurized> {
    const f = model.config.features;
    if (f.kind === 'tfidf') return new TfidfFeaturizer(f.vocabulary, this.deps.progress).featurize(this.test, 'test');
    const key = `${f.encoder.digest}|${f.pooling}|${f.maxLength}`;
    const known = this.features.get(key);
    if (known) return known;
    const ref = f.encoder.revision === 'local' || f.encoder.revision === 's3' ? f.encoder.source : `${f.encoder.source}@${f.encoder.revision}`;
    let opened = this.encoders.get(key);
    if (!opened) {
      opened = await openEncoder(ref, this.deps.spec, { ...this.deps, pooling: f.pooling, maxLength: f.maxLength });
      this.encoders.set(key, opened);
    }
    if (opened.reference.digest !== f.encoder.digest) {
      throw new Error(`the model was trained with encoder ${f.encoder.source} sha256 ${f.encoder.digest.slice(0, 16)}…, but ${ref} now has sha256 ${opened.reference.digest.slice(0, 16)}…: point training.encoder (or the model) at the same encoder files`);
    }
    const featurized = await opened.featurizer.featurize(this.test, 'test');
    this.features.set(key, featurized);
    return featurized;
  }

  async score(model: DetectorModel): Promise<{ test: Featurized; scores: Float32Array }> {
    const test = await this.testFeatures(model);
    return { test, scores: predict(model.config.head, model.params, test.x) };
  }

  /** The encoder that ran, for the report (undefined when every model used TF-IDF). */
  encoderInfo(): { executionProvider: string; stats: { hits: number; misses: number } } | undefined {
    const all = [...this.encoders.values()];
    if (all.length === 0) return undefined;
    const stats = all.reduce((s, o) => ({ hits: s.hits + o.featurizer.stats.hits, misses: s.misses + o.featurizer.stats.misses }), { hits: 0, misses: 0 });
    return { executionProvider: all.map((o) => o.encoder.executionProvider).join(', '), stats };
  }

  async close(): Promise<void> {
    for (const o of this.encoders.values()) await o.encoder.close();
  }
}

/** The split's rows that are not synthetic: what the baselines learn from. */
export const realRows = (rows: RecordSource): RecordSource => async function* () {
  for await (const r of rows()) if (r.source !== 'synthetic') yield r;
};

/** Majority class of the real train rows: constant scores (1 when most are buggy; a tie is clean). */
export async function majorityBaseline(train: RecordSource): Promise<{ majority: 0 | 1; rows: number; positives: number }> {
  let rows = 0, positives = 0;
  for await (const r of realRows(train)()) {
    rows++;
    positives += r.label;
  }
  return { majority: positives * 2 > rows ? 1 : 0, rows, positives };
}

/** TF-IDF over code tokens + logistic regression (scikit-learn's recipe), trained on the real train and validation rows. */
export async function tfidfLogregBaseline(train: RecordSource, validation: RecordSource, seed: number, progress: Progress): Promise<DetectorModel> {
  progress.phase('baseline tf-idf vocabulary');
  const vocabulary = await fitTfidf(realRows(train), TFIDF_OPTIONS);
  const featurizer = new TfidfFeaturizer(vocabulary, progress);
  const t = await featurizer.featurize(realRows(train), 'train (baseline)');
  const v = await featurizer.featurize(realRows(validation), 'validation (baseline)');
  return trainDetector('tfidf-logreg baseline', t, v, { kind: 'tfidf', vocabulary }, { ...BASELINE_SETTINGS, seed }).model;
}
