// Training one detector (features already computed) into a model directory's contents.
// The train stage uses it for the detector and the real-only detector; evaluate for the
// tfidf-logreg baseline.
import type { TrainingSpec } from '../../api/v1alpha1/spec.js';
import { BUGFORGE_VERSION } from '../../core/version.js';
import type { Featurized } from '../features/featurize.js';
import { selectRows } from '../features/matrix.js';
import { fitHead, type EpochRecord, type FitOptions, type FitResult } from './fit.js';
import { encodeModel, type DetectorModel, type FeatureConfig } from './model-dir.js';
import { modelCard } from './model-card.js';

export interface TrainedDetector {
  model: DetectorModel;
  fit: FitResult;
  files: { 'config.json': string; 'head.bin': Buffer; 'model_card.md': string };
  trainedOn: { rows: number; positives: number; synthetic: number; validationRows: number };
}

export type HeadSettings = Omit<FitOptions, 'onEpoch'>;

export const headSettings = (t: TrainingSpec): HeadSettings => ({
  head: t.head, hiddenSize: t.hiddenSize, optimizer: t.optimizer, maxIterations: t.maxIterations, l2: t.l2,
  epochs: t.epochs, patience: t.patience, learningRate: t.learningRate, batchSize: t.batchSize, seed: t.seed,
});

const sum = (a: Uint8Array) => a.reduce((n, v) => n + v, 0);

export function trainDetector(
  name: string, train: Featurized, validation: Featurized, features: FeatureConfig, settings: HeadSettings,
  onEpoch?: (e: EpochRecord) => void,
): TrainedDetector {
  const fit = fitHead({ x: train.x, labels: train.labels }, { x: validation.x, labels: validation.labels }, { ...settings, onEpoch });
  const trainedOn = { rows: train.labels.length, positives: sum(train.labels), synthetic: sum(train.synthetic), validationRows: validation.labels.length };
  const { config, configJson, weights } = encodeModel({
    features, head: fit.shape, threshold: fit.threshold,
    fitted: { thresholdFrom: fit.thresholdChoice.from, optimizer: fit.optimizer, l2: fit.l2, standardized: true },
    trainedOn: { rows: trainedOn.rows, positives: trainedOn.positives, synthetic: trainedOn.synthetic },
    bugforgeVersion: BUGFORGE_VERSION,
  }, fit.params);
  return {
    model: { config, params: fit.params }, fit, trainedOn,
    files: { 'config.json': configJson, 'head.bin': weights, 'model_card.md': modelCard(name, config, fit, trainedOn) },
  };
}

/** The rows of a featurized split that are not synthetic. */
export function realOnly(f: Featurized): Featurized {
  const keep = (r: number) => f.synthetic[r] === 0;
  return {
    x: selectRows(f.x, keep),
    labels: f.labels.filter((_, r) => keep(r)),
    synthetic: f.synthetic.filter((_, r) => keep(r)),
  };
}
