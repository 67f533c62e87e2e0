// The training loop: seeded init and shuffling, class-weighted minibatch Adam, early stopping
// on validation F1, ties broken by validation loss (the best epoch's weights are kept).
import type { FeatureMatrix } from '../features/matrix.js';
import { confusionAt, f1Of } from '../evaluate/metrics.js';
import { initParams, predict, type HeadKind, type HeadParams, type HeadShape } from './head.js';
import { HeadTrainer } from './trainer.js';
import { seededRandom, shuffleInPlace } from './random.js';

export interface LabelledMatrix { x: FeatureMatrix; labels: Uint8Array }

export interface FitOptions {
  head: HeadKind;
  hiddenSize: number;
  epochs: number;
  patience: number;
  learningRate: number;
  batchSize: number;
  seed: number;
  threshold?: number;
  onEpoch?(e: EpochRecord): void;
}

export interface EpochRecord { epoch: number; trainLoss: number; validationF1: number; validationLoss: number }

export interface FitResult {
  shape: HeadShape;
  params: HeadParams;
  threshold: number;
  epochsRun: number;
  bestEpoch: number;
  bestValidationF1: number;
  history: EpochRecord[];
  classWeights: [number, number];
  /** 'validation', or 'train' when there were no validation rows (then early stopping watches the train set). */
  stoppedOn: 'validation' | 'train';
}

/** Weights n / (2 n_c): each class counts as much in the loss whatever its share. */
export function classWeights(labels: Uint8Array): [number, number] {
  let positives = 0;
  for (const y of labels) positives += y;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(`the train split has only ${positives === 0 ? 'clean (label 0)' : 'buggy (label 1)'} rows (${labels.length}): a detector needs both; check the merge stage's split_report.json`);
  }
  return [labels.length / (2 * negatives), labels.length / (2 * positives)];
}

export function fitHead(train: LabelledMatrix, validation: LabelledMatrix, opts: FitOptions): FitResult {
  if (train.x.rows !== train.labels.length) throw new Error('train features and labels differ in length');
  const threshold = opts.threshold ?? 0.5;
  const shape: HeadShape = { kind: opts.head, inputDim: train.x.dim, hiddenSize: opts.head === 'mlp' ? opts.hiddenSize : 0 };
  const random = seededRandom(opts.seed);
  const params = initParams(shape, random);
  const trainer = new HeadTrainer(shape, params, { learningRate: opts.learningRate });
  const weights = classWeights(train.labels);
  const watch = validation.x.rows > 0 ? validation : train;
  const order = Uint32Array.from({ length: train.x.rows }, (_, i) => i);
  const history: EpochRecord[] = [];
  let best = { epoch: 0, f1: -1, loss: Infinity, params: cloneParams(params) };
  let sinceBest = 0;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    shuffleInPlace(order, random);
    let loss = 0, batches = 0;
    for (let start = 0; start < order.length; start += opts.batchSize) {
      loss += trainer.trainBatch(train.x, train.labels, order.subarray(start, start + opts.batchSize), weights);
      batches++;
    }
    const scores = predict(shape, params, watch.x);
    const f1 = f1Of(confusionAt(watch.labels, scores, threshold));
    const validationLoss = weightedLoss(watch.labels, scores, weights);
    const record = { epoch, trainLoss: loss / Math.max(1, batches), validationF1: f1, validationLoss };
    history.push(record);
    opts.onEpoch?.(record);
    // Better F1, or the same F1 with a lower validation loss (small validation sets tie often).
    if (f1 > best.f1 || (f1 === best.f1 && validationLoss < best.loss)) {
      best = { epoch, f1, loss: validationLoss, params: cloneParams(params) };
      sinceBest = 0;
    } else if (++sinceBest >= opts.patience) break;
  }
  return {
    shape, params: best.params, threshold, epochsRun: history.length, bestEpoch: best.epoch, bestValidationF1: best.f1,
    history, classWeights: weights, stoppedOn: validation.x.rows > 0 ? 'validation' : 'train',
  };
}

/** Mean class-weighted binary cross-entropy of scores. */
export function weightedLoss(labels: Uint8Array, scores: Float32Array, weights: [number, number]): number {
  let loss = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(scores[i], 1e-7), 1 - 1e-7);
    loss -= weights[labels[i]] * (labels[i] ? Math.log(p) : Math.log(1 - p));
  }
  return labels.length ? loss / labels.length : 0;
}

const cloneParams = (p: HeadParams): HeadParams => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice()]));
