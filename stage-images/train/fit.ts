// Fitting a head: standardised inputs (standardize.ts), class-weighted log-loss plus L2, fitted by
// full-batch L-BFGS to the optimum (lbfgs.ts) or by minibatch Adam with early stopping on
// validation log-loss (trainer.ts, the best epoch kept); the L2 strength chosen on validation
// log-loss from a grid (L-BFGS warm-started from the strongest); then the decision threshold
// chosen on validation accuracy. The weights are folded back to read raw features.
import type { FeatureMatrix } from '../features/matrix.js';
import { classificationMetrics, rocAuc } from '../evaluate/metrics.js';
import { initParams, paramShapes, predict, type HeadKind, type HeadParams, type HeadShape } from './head.js';
import { lbfgs } from './lbfgs.js';
import { fitStandardizer, foldStandardizer, standardize } from './standardize.js';
import { chooseThreshold, type ThresholdChoice } from './threshold.js';
import { isWeight, HeadTrainer } from './trainer.js';
import { hash32 } from '../../core/random.js';
import { seededRandom, shuffleInPlace } from './random.js';

export interface LabelledMatrix { x: FeatureMatrix; labels: Uint8Array }

export type Optimizer = 'lbfgs' | 'adam';

export interface FitOptions {
  head: HeadKind;
  hiddenSize: number;
  /** auto: lbfgs for logreg, adam for mlp. */
  optimizer?: Optimizer | 'auto';
  /** L-BFGS iterations per L2 candidate. */
  maxIterations?: number;
  /** Adam epochs. */
  epochs: number;
  /** Adam: epochs without a better validation loss before stopping. */
  patience: number;
  learningRate: number;
  batchSize: number;
  seed: number;
  /** Fixed L2 strength; unset: chosen on validation from L2_GRID. */
  l2?: number;
  onEpoch?(e: EpochRecord): void;
}

/** One epoch (Adam) or iteration (L-BFGS) of the chosen L2 candidate. */
export interface EpochRecord { epoch: number; trainLoss: number; validationLoss: number; validationAuc: number | null }

export interface L2Candidate { l2: number; validationLoss: number; validationAuc: number | null; epochsRun: number; bestEpoch: number; converged: string }

export interface FitResult {
  shape: HeadShape;
  /** Weights that read raw (unstandardised) features. */
  params: HeadParams;
  threshold: number;
  thresholdChoice: ThresholdChoice;
  optimizer: Optimizer;
  l2: number;
  l2Search: L2Candidate[];
  epochsRun: number;
  bestEpoch: number;
  bestValidationLoss: number;
  bestValidationAuc: number | null;
  /** Validation accuracy and F1 at the chosen threshold. */
  validationAccuracy: number;
  validationF1: number;
  history: EpochRecord[];
  classWeights: [number, number];
  /** 'validation', or 'train' when there were no validation rows (then early stopping watches the train set). */
  stoppedOn: 'validation' | 'train';
}

/** L2 strengths tried (on standardised features; the mean-loss scale, so scikit-learn's C = 1 / (l2 · n)). */
export const L2_GRID = [1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001];
/** The MLP's grid is shorter: each candidate is a full training run. */
export const MLP_L2_GRID = [0.01, 0.001, 0.0001];

/** Weights n / (2 n_c): each class counts as much in the loss whatever its share (scikit-learn's class_weight='balanced'). */
export function classWeights(labels: Uint8Array): [number, number] {
  let positives = 0;
  for (const y of labels) positives += y;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(`the train split has only ${positives === 0 ? 'clean (label 0)' : 'buggy (label 1)'} rows (${labels.length}): a detector needs both; check the merge stage's split_report.json`);
  }
  return [labels.length / (2 * negatives), labels.length / (2 * positives)];
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

interface Run { params: HeadParams; history: EpochRecord[]; best: { epoch: number; loss: number; auc: number | null }; converged: string }
interface Problem { shape: HeadShape; train: LabelledMatrix; watch: LabelledMatrix; trainWeights: [number, number]; watchWeights: [number, number] }

function watchScore(p: Problem, params: HeadParams): { loss: number; auc: number | null } {
  const scores = predict(p.shape, params, p.watch.x);
  return { loss: weightedLoss(p.watch.labels, scores, p.watchWeights), auc: rocAuc(p.watch.labels, scores) };
}

function fitLbfgs(p: Problem, start: HeadParams, l2: number, opts: FitOptions): Run {
  const names = Object.keys(paramShapes(p.shape));
  const offsets: number[] = [];
  let size = 0;
  for (const n of names) { offsets.push(size); size += start[n].length; }
  const params = cloneParams(start);
  const load = (flat: Float64Array) => names.forEach((n, k) => { for (let i = 0; i < params[n].length; i++) params[n][i] = flat[offsets[k] + i]; });
  const trainer = new HeadTrainer(p.shape, params, { learningRate: 0 });
  const all = Uint32Array.from({ length: p.train.x.rows }, (_, i) => i);
  let dataLoss = 0;
  const objective = (flat: Float64Array, grad: Float64Array) => {
    load(flat);
    dataLoss = trainer.gradient(p.train.x, p.train.labels, all, p.trainWeights, (name, g) => {
      const o = offsets[names.indexOf(name)];
      for (let i = 0; i < g.length; i++) grad[o + i] = g[i];
    });
    let penalty = 0;
    names.forEach((n, k) => {
      if (!isWeight(n)) return;
      for (let i = offsets[k], end = offsets[k] + params[n].length; i < end; i++) {
        penalty += flat[i] * flat[i];
        grad[i] += l2 * flat[i];
      }
    });
    return dataLoss + (l2 / 2) * penalty;
  };
  const flatStart = new Float64Array(size);
  names.forEach((n, k) => flatStart.set(start[n], offsets[k]));
  // L-BFGS solves the convex problem to its optimum: the penalty, chosen on validation, is the
  // regulariser (stopping at the best validation iterate would add a second one nobody chose).
  const history: EpochRecord[] = [];
  const result = lbfgs(objective, flatStart, {
    maxIterations: opts.maxIterations ?? 300,
    gradientTolerance: 1e-6,
    onIteration: (iteration, flat) => {
      load(flat);
      const w = watchScore(p, params);
      history.push({ epoch: iteration, trainLoss: dataLoss, validationLoss: w.loss, validationAuc: w.auc });
    },
  });
  load(result.x);
  const w = watchScore(p, params);
  return { params: cloneParams(params), history, best: { epoch: result.iterations, loss: w.loss, auc: w.auc }, converged: result.reason };
}

function fitAdam(p: Problem, start: HeadParams, l2: number, opts: FitOptions): Run {
  const params = cloneParams(start);
  const trainer = new HeadTrainer(p.shape, params, { learningRate: opts.learningRate, l2 });
  const random = seededRandom(hash32('shuffle', opts.seed));
  const order = Uint32Array.from({ length: p.train.x.rows }, (_, i) => i);
  const history: EpochRecord[] = [];
  let best = { epoch: 0, loss: Infinity, auc: null as number | null, params: cloneParams(params) };
  let reason = 'epoch limit';
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    shuffleInPlace(order, random);
    let loss = 0, batches = 0;
    for (let s = 0; s < order.length; s += opts.batchSize) {
      loss += trainer.trainBatch(p.train.x, p.train.labels, order.subarray(s, s + opts.batchSize), p.trainWeights);
      batches++;
    }
    const w = watchScore(p, params);
    history.push({ epoch, trainLoss: loss / Math.max(1, batches), validationLoss: w.loss, validationAuc: w.auc });
    opts.onEpoch?.(history[history.length - 1]);
    if (w.loss < best.loss - 1e-9) best = { epoch, loss: w.loss, auc: w.auc, params: cloneParams(params) };
    else if (epoch - best.epoch >= opts.patience) { reason = `no better validation loss in ${opts.patience} epochs`; break; }
  }
  return { params: best.params, history, best, converged: reason };
}

export function fitHead(train: LabelledMatrix, validation: LabelledMatrix, opts: FitOptions): FitResult {
  if (train.x.rows !== train.labels.length) throw new Error('train features and labels differ in length');
  const trainWeights = classWeights(train.labels);
  const shape: HeadShape = { kind: opts.head, inputDim: train.x.dim, hiddenSize: opts.head === 'mlp' ? opts.hiddenSize : 0 };
  const optimizer: Optimizer = !opts.optimizer || opts.optimizer === 'auto' ? (opts.head === 'logreg' ? 'lbfgs' : 'adam') : opts.optimizer;
  const hasValidation = validation.x.rows > 0;
  const standardizer = fitStandardizer(train.x);
  const st = { x: standardize(train.x, standardizer), labels: train.labels };
  const watchRaw = hasValidation ? validation : train;
  const watch = { x: standardize(watchRaw.x, standardizer), labels: watchRaw.labels };
  const bothClasses = watch.labels.some((y) => y === 1) && watch.labels.some((y) => y === 0);
  const problem: Problem = { shape, train: st, watch, trainWeights, watchWeights: bothClasses ? classWeights(watch.labels) : [1, 1] };

  // Without validation rows the grid would pick the weakest penalty; use scikit-learn's default C = 1 instead.
  const grid = opts.l2 !== undefined ? [opts.l2] : !hasValidation ? [1 / Math.max(1, train.x.rows)] : opts.head === 'mlp' ? MLP_L2_GRID : L2_GRID;
  const init = initParams(shape, seededRandom(opts.seed));
  const search: L2Candidate[] = [];
  let chosen: { l2: number; run: Run } | undefined;
  let start = init;
  for (const l2 of grid) {
    const run = (optimizer === 'lbfgs' ? fitLbfgs : fitAdam)(problem, start, l2, grid.length === 1 ? opts : { ...opts, onEpoch: undefined });
    search.push({ l2, validationLoss: run.best.loss, validationAuc: run.best.auc, epochsRun: run.history.length, bestEpoch: run.best.epoch, converged: run.converged });
    if (!chosen || run.best.loss < chosen.run.best.loss - 1e-9) chosen = { l2, run };
    // L-BFGS warm-starts the next (weaker) penalty from this solution; Adam restarts from the seeded init.
    if (optimizer === 'lbfgs') start = run.params;
  }
  const { l2, run } = chosen!;
  if (grid.length > 1) for (const e of run.history) opts.onEpoch?.(e);

  const params = foldStandardizer(shape, run.params, standardizer);
  const watchScores = predict(shape, params, watchRaw.x);
  const thresholdChoice = hasValidation ? chooseThreshold(watchRaw.labels, watchScores) : { threshold: 0.5, from: 'default (no validation rows)' as const };
  const atThreshold = classificationMetrics(watchRaw.labels, watchScores, thresholdChoice.threshold);
  return {
    shape, params, threshold: thresholdChoice.threshold, thresholdChoice, optimizer, l2, l2Search: search,
    epochsRun: run.history.length, bestEpoch: run.best.epoch, bestValidationLoss: run.best.loss, bestValidationAuc: run.best.auc,
    validationAccuracy: atThreshold.accuracy, validationF1: atThreshold.f1,
    history: run.history, classWeights: trainWeights, stoppedOn: hasValidation ? 'validation' : 'train',
  };
}
