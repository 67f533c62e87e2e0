import { describe, expect, it } from 'vitest';
import { denseFromRows, selectRows, SparseMatrixBuilder } from '../../../stage-images/features/matrix.js';
import { classWeights, fitHead, L2_GRID } from '../../../stage-images/train/fit.js';
import { fitStandardizer, foldStandardizer, standardize } from '../../../stage-images/train/standardize.js';
import { chooseThreshold } from '../../../stage-images/train/threshold.js';
import { initParams, predict } from '../../../stage-images/train/head.js';
import { HeadTrainer } from '../../../stage-images/train/trainer.js';
import { seededRandom } from '../../../stage-images/train/random.js';
import { classificationMetrics } from '../../../stage-images/evaluate/metrics.js';

// Two Gaussian-ish blobs in 8 dimensions, separated along the first axis; 30% positives.
function blobs(n: number, seed: number) {
  const random = seededRandom(seed);
  const rows: number[][] = [];
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const y = random() < 0.3 ? 1 : 0;
    labels[i] = y;
    rows.push(Array.from({ length: 8 }, (_, j) => (random() - 0.5) + (j === 0 ? (y ? 1.5 : -1.5) : 0)));
  }
  return { x: denseFromRows(rows), labels };
}

const settings = { hiddenSize: 16, epochs: 40, patience: 5, learningRate: 0.05, batchSize: 16, seed: 3 };

describe('heads', () => {
  for (const head of ['logreg', 'mlp'] as const) {
    it(`${head} learns a separable dense problem far above the majority baseline`, () => {
      const train = blobs(400, 1), val = blobs(100, 2), test = blobs(200, 3);
      const fit = fitHead(train, val, { head, ...settings });
      const m = classificationMetrics(test.labels, predict(fit.shape, fit.params, test.x));
      expect(m.f1).toBeGreaterThan(0.9);
      // the majority class (clean) never flags a bug: F1 0
      expect(m.accuracy).toBeGreaterThan(0.9);
      expect(fit.bestEpoch).toBeGreaterThanOrEqual(1);
      expect(fit.history.length).toBe(fit.epochsRun);
    });
  }

  it('learns on sparse rows (only touched weights move)', () => {
    // feature 0 on => buggy, feature 1 on => clean, features 2..9 noise
    const random = seededRandom(9);
    const make = (n: number) => {
      const b = new SparseMatrixBuilder(10);
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const y = random() < 0.5 ? 1 : 0;
        labels[i] = y;
        const noise = 2 + Math.floor(random() * 8);
        b.push({ indices: Uint32Array.from([y ? 0 : 1, noise]), values: Float32Array.from([0.8, 0.6]) });
      }
      return { x: b.build(), labels };
    };
    const fit = fitHead(make(200), make(50), { head: 'logreg', ...settings });
    expect(fit.optimizer).toBe('lbfgs');
    expect(fit.params.w[0]).toBeGreaterThan(0);
    expect(fit.params.w[1]).toBeLessThan(0);
    expect(fit.validationF1).toBe(1);
  });

  it('is deterministic for a seed and differs for another', () => {
    const train = blobs(200, 1), val = blobs(50, 2);
    const a = fitHead(train, val, { head: 'mlp', ...settings, epochs: 3, l2: 0.001 });
    const b = fitHead(train, val, { head: 'mlp', ...settings, epochs: 3, l2: 0.001 });
    const c = fitHead(train, val, { head: 'mlp', ...settings, epochs: 3, l2: 0.001, seed: 4 });
    expect(Array.from(a.params.w1)).toEqual(Array.from(b.params.w1));
    expect(Array.from(a.params.w1)).not.toEqual(Array.from(c.params.w1));
  });

  it('Adam stops early when the validation log-loss stops improving, keeping the best epoch', () => {
    // a small train set with a fifth of its labels flipped: an MLP overfits it within a few dozen epochs
    const train = blobs(60, 1), val = blobs(60, 2);
    for (let i = 0; i < train.labels.length; i += 5) train.labels[i] = 1 - train.labels[i];
    const fit = fitHead(train, val, { head: 'mlp', ...settings, hiddenSize: 32, epochs: 200, patience: 2, l2: 0 });
    expect(fit.optimizer).toBe('adam');
    expect(fit.epochsRun).toBeLessThan(200);
    expect(fit.epochsRun - fit.bestEpoch).toBe(2);
    const losses = fit.history.map((e) => e.validationLoss);
    expect(fit.bestValidationLoss).toBe(Math.min(...losses));
    expect(fit.history[fit.bestEpoch - 1].validationLoss).toBe(fit.bestValidationLoss);
  });

  it('chooses the L2 strength with the lowest validation log-loss from the grid', () => {
    // 40 informative-looking noise dimensions and few rows: some penalty beats none
    const random = seededRandom(4);
    const make = (n: number) => {
      const rows: number[][] = [];
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        labels[i] = random() < 0.5 ? 1 : 0;
        rows.push(Array.from({ length: 40 }, (_, j) => random() - 0.5 + (j === 0 ? (labels[i] ? 0.4 : -0.4) : 0)));
      }
      return { x: denseFromRows(rows), labels };
    };
    const fit = fitHead(make(60), make(200), { head: 'logreg', ...settings });
    expect(fit.l2Search.map((c) => c.l2)).toEqual(L2_GRID);
    const best = Math.min(...fit.l2Search.map((c) => c.validationLoss));
    expect(fit.l2Search.find((c) => c.l2 === fit.l2)!.validationLoss).toBe(best);
    // the weakest penalty overfits 60 rows in 40 dimensions: it is not the one chosen
    expect(fit.l2).toBeGreaterThan(L2_GRID[L2_GRID.length - 1]);
  });

  it('L-BFGS reaches the optimum: the penalised gradient vanishes at the returned weights', () => {
    const train = blobs(300, 1);
    for (let i = 0; i < train.labels.length; i += 7) train.labels[i] = 1 - train.labels[i]; // not separable: a finite optimum
    const l2 = 0.01;
    const fit = fitHead(train, { x: denseFromRows([]), labels: new Uint8Array(0) }, { head: 'logreg', ...settings, l2, maxIterations: 500, patience: 100 });
    // gradient of the objective in the raw feature space: mean weighted (p - y) x + l2 · s² · w (standardised penalty folded back)
    const scores = predict(fit.shape, fit.params, train.x);
    const w = classWeights(train.labels);
    const st = fitStandardizer(train.x);
    for (let j = 0; j < 8; j++) {
      let g = 0;
      for (let r = 0; r < train.x.rows; r++) g += w[train.labels[r]] * (scores[r] - train.labels[r]) * train.x.data[r * 8 + j];
      g = g / train.x.rows + (l2 * fit.params.w[j]) / (st.scale[j] * st.scale[j]);
      expect(Math.abs(g)).toBeLessThan(2e-3);
    }
  });

  it('standardises for training and folds the scaling into the saved weights (same scores on raw rows)', () => {
    const { x } = blobs(20, 7);
    const shifted = denseFromRows(Array.from({ length: 20 }, (_, r) => Array.from(x.data.slice(r * 8, r * 8 + 8), (v, j) => v * (j + 1) * 3 + j)));
    const st = fitStandardizer(shifted);
    const z = standardize(shifted, st) as typeof shifted;
    // standardised columns: mean 0, variance 1
    for (let j = 0; j < 8; j++) {
      let m = 0, v = 0;
      for (let r = 0; r < 20; r++) m += z.data[r * 8 + j] / 20;
      for (let r = 0; r < 20; r++) v += (z.data[r * 8 + j] - m) ** 2 / 20;
      expect(m).toBeCloseTo(0, 5);
      expect(v).toBeCloseTo(1, 4);
    }
    for (const shape of [{ kind: 'logreg' as const, inputDim: 8, hiddenSize: 0 }, { kind: 'mlp' as const, inputDim: 8, hiddenSize: 5 }]) {
      const p = initParams(shape, seededRandom(2));
      if (shape.kind === 'logreg') p.w.forEach((_, i) => (p.w[i] = (i % 3) - 1));
      const folded = foldStandardizer(shape, p, st);
      const a = predict(shape, p, z), b = predict(shape, folded, shifted);
      Array.from(a).forEach((v, i) => expect(b[i]).toBeCloseTo(v, 4));
    }
    // sparse: scaled, not centred (zeros stay zeros)
    const sb = new SparseMatrixBuilder(3);
    sb.push({ indices: Uint32Array.from([0, 2]), values: Float32Array.from([1, 4]) });
    sb.push({ indices: Uint32Array.from([0]), values: Float32Array.from([3]) });
    const sp = sb.build();
    const sst = fitStandardizer(sp);
    expect(Array.from(sst.mean)).toEqual([0, 0, 0]);
    expect(sst.scale[0]).toBeCloseTo(1, 6); // values 1 and 3: variance 1
    expect(sst.scale[1]).toBe(1); // never seen: left alone
  });

  it('chooses the threshold with the best validation accuracy, 0.5 when validation is too small', () => {
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1];
    const scores = [0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.62, 0.7, 0.72, 0.75, 0.8, 0.82, 0.85, 0.88, 0.9, 0.92, 0.95, 0.99, 0.05];
    const c = chooseThreshold(labels, scores);
    expect(c.from).toBe('validation accuracy');
    // the cut between 0.62 and 0.70 gets every row right but the two outliers
    expect(c.threshold).toBeCloseTo(0.66, 6);
    expect(chooseThreshold(labels.slice(0, 10), scores.slice(0, 10))).toEqual({ threshold: 0.5, from: 'default (validation too small or one class)' });
  });

  it('the blocked dense MLP path computes what the row-by-row path computes', () => {
    // the same rows as a dense matrix (blocked path) and as a sparse one (row path)
    const { x, labels } = blobs(11, 5); // 11 rows: two full blocks of 4 and a tail of 3
    const sparse = new SparseMatrixBuilder(8);
    for (let r = 0; r < 11; r++) sparse.push({ indices: Uint32Array.from({ length: 8 }, (_, i) => i), values: x.data.slice(r * 8, r * 8 + 8) });
    const xs = sparse.build();
    const shape = { kind: 'mlp' as const, inputDim: 8, hiddenSize: 6 };
    const a = initParams(shape, seededRandom(1)), b = initParams(shape, seededRandom(1));
    const ta = new HeadTrainer(shape, a, { learningRate: 0.01 }), tb = new HeadTrainer(shape, b, { learningRate: 0.01 });
    const rows = Uint32Array.from([3, 0, 10, 7, 1, 2, 9, 4, 8, 6, 5]);
    for (let step = 0; step < 3; step++) {
      expect(ta.trainBatch(x, labels, rows, [1, 2])).toBeCloseTo(tb.trainBatch(xs, labels, rows, [1, 2]), 5);
    }
    for (const name of ['w1', 'b1', 'w2', 'b2']) Array.from(a[name]).forEach((v, i) => expect(v).toBeCloseTo(b[name][i], 5));
    const pd = predict(shape, a, x), ps = predict(shape, a, xs);
    Array.from(pd).forEach((v, i) => expect(v).toBeCloseTo(ps[i], 6));
  });

  it('weights classes by n / (2 n_c) and refuses a one-class train split', () => {
    expect(classWeights(Uint8Array.from([1, 0, 0, 0]))).toEqual([4 / 6, 2]);
    expect(() => classWeights(Uint8Array.from([0, 0]))).toThrow(/only clean \(label 0\) rows/);
  });

  it('selectRows keeps the chosen rows of dense and sparse matrices', () => {
    const d = denseFromRows([[1, 2], [3, 4], [5, 6]]);
    expect(Array.from((selectRows(d, (r) => r !== 1) as typeof d).data)).toEqual([1, 2, 5, 6]);
    const b = new SparseMatrixBuilder(3);
    b.push({ indices: Uint32Array.from([0]), values: Float32Array.from([1]) });
    b.push({ indices: Uint32Array.from([1, 2]), values: Float32Array.from([2, 3]) });
    const s = selectRows(b.build(), (r) => r === 1);
    expect(s.kind === 'sparse' && [Array.from(s.indptr), Array.from(s.indices), Array.from(s.values)]).toEqual([[0, 2], [1, 2], [2, 3]]);
  });
});
