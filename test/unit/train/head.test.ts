import { describe, expect, it } from 'vitest';
import { denseFromRows, selectRows, SparseMatrixBuilder } from '../../../stage-images/features/matrix.js';
import { classWeights, fitHead } from '../../../stage-images/train/fit.js';
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
    expect(fit.params.w[0]).toBeGreaterThan(0);
    expect(fit.params.w[1]).toBeLessThan(0);
    expect(fit.bestValidationF1).toBe(1);
  });

  it('is deterministic for a seed and differs for another', () => {
    const train = blobs(200, 1), val = blobs(50, 2);
    const a = fitHead(train, val, { head: 'mlp', ...settings, epochs: 3 });
    const b = fitHead(train, val, { head: 'mlp', ...settings, epochs: 3 });
    const c = fitHead(train, val, { head: 'mlp', ...settings, epochs: 3, seed: 4 });
    expect(Array.from(a.params.w1)).toEqual(Array.from(b.params.w1));
    expect(Array.from(a.params.w1)).not.toEqual(Array.from(c.params.w1));
  });

  it('stops early when validation F1 stops improving, keeping the best epoch', () => {
    // a small train set with a fifth of its labels flipped: an MLP overfits it within a few dozen epochs
    const train = blobs(60, 1), val = blobs(60, 2);
    for (let i = 0; i < train.labels.length; i += 5) train.labels[i] = 1 - train.labels[i];
    const fit = fitHead(train, val, { head: 'mlp', ...settings, hiddenSize: 32, epochs: 200, patience: 2 });
    expect(fit.epochsRun).toBeLessThan(200);
    expect(fit.epochsRun - fit.bestEpoch).toBe(2);
    const bestF1 = Math.max(...fit.history.map((e) => e.validationF1));
    expect(fit.bestValidationF1).toBe(bestF1);
    // among the epochs with the best F1, the kept one has the lowest validation loss
    const tied = fit.history.filter((e) => e.validationF1 === bestF1);
    expect(fit.history[fit.bestEpoch - 1].validationLoss).toBe(Math.min(...tied.map((e) => e.validationLoss)));
  });

  it('keeps training while F1 ties but the validation loss still falls', () => {
    // a validation set too easy to separate: F1 is 1 from the first epoch on
    const train = blobs(300, 1), val = blobs(20, 2);
    const fit = fitHead(train, val, { head: 'logreg', ...settings, epochs: 30, patience: 2 });
    expect(fit.history[0].validationF1).toBe(1);
    expect(fit.bestEpoch).toBeGreaterThan(1);
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
