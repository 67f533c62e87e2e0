// The training loop: seeded init and shuffling, class-weighted minibatch Adam, early stopping
// on validation F1 (the best epoch's weights are kept).
import type { FeatureMatrix } from '../features/matrix.js';
import { confusionAt, f1Of } from '../evaluate/metrics.js';
import { HeadTrainer, initParams, predict, type HeadKind, type HeadParams, type HeadShape } from './head.js';
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

export interface EpochRecord { epoch: number; trainLoss: number; validationF1: number }

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
  let best = { epoch: 0, f1: -1, params: cloneParams(params) };
  let sinceBest = 0;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    shuffleInPlace(order, random);
    let loss = 0, batches = 0;
    for (let start = 0; start < order.length; start += opts.batchSize) {
      loss += trainer.trainBatch(train.x, train.labels, order.subarray(start, start + opts.batchSize), weights);
      batches++;
    }
    const f1 = f1Of(confusionAt(watch.labels, predict(shape, params, watch.x), threshold));
    const record = { epoch, trainLoss: loss / Math.max(1, batches), validationF1: f1 };
    history.push(record);
    opts.onEpoch?.(record);
    if (f1 > best.f1) {
      best = { epoch, f1, params: cloneParams(params) };
      sinceBest = 0;
    } else if (++sinceBest >= opts.patience) break;
  }
  return {
    shape, params: best.params, threshold, epochsRun: history.length, bestEpoch: best.epoch, bestValidationF1: best.f1,
    history, classWeights: weights, stoppedOn: validation.x.rows > 0 ? 'validation' : 'train',
  };
}

const cloneParams = (p: HeadParams): HeadParams => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice()]));
