import { describe, expect, it } from 'vitest';
import { classificationMetrics, confusionAt, prCurve, rocAuc, rocCurve } from '../../../stage-images/evaluate/metrics.js';

describe('classification metrics (hand-computed)', () => {
  // labels   1    1    1    0    0    0    0    1
  // scores  .9   .8   .3   .7   .2   .1   .4   .6   → at 0.5: TP 3 (.9 .8 .6), FN 1 (.3), FP 1 (.7), TN 3
  const labels = [1, 1, 1, 0, 0, 0, 0, 1];
  const scores = [0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.4, 0.6];

  it('confusion, accuracy, precision, recall, F1', () => {
    const m = classificationMetrics(labels, scores);
    expect(m.confusion).toEqual({ tp: 3, fp: 1, tn: 3, fn: 1 });
    expect(m.accuracy).toBe(6 / 8);
    expect(m.precision).toBe(3 / 4);
    expect(m.recall).toBe(3 / 4);
    expect(m.f1).toBe(0.75);
    expect(m.positives).toBe(4);
  });

  it('ROC-AUC = fraction of (positive, negative) pairs ranked right', () => {
    // positives .9 .8 .3 .6 vs negatives .7 .2 .1 .4: .9 beats 4, .8 beats 4, .6 beats 3, .3 beats 2 → 13/16
    expect(rocAuc(labels, scores)).toBe(13 / 16);
  });

  it('ROC-AUC counts ties as half', () => {
    // pairs: (p .5, n .5) tie = 0.5, (p .5, n .2) = 1, (p .9, n .5) = 1, (p .9, n .2) = 1 → 3.5 / 4
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.2])).toBe(3.5 / 4);
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 1], [0.2, 0.9])).toBeNull();
  });

  it('zero-division cases are 0, and the threshold is inclusive', () => {
    const m = classificationMetrics([1, 0], [0, 0]);
    expect([m.precision, m.recall, m.f1, m.accuracy]).toEqual([0, 0, 0, 0.5]);
    expect(confusionAt([1], [0.5], 0.5).tp).toBe(1);
    expect(() => confusionAt([1, 0], [0.5])).toThrow(/2 labels but 1 scores/);
  });

  it('ROC and PR curves run from the strictest threshold to the loosest', () => {
    const roc = rocCurve([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]);
    expect(roc.map((p) => [p.x, p.y])).toEqual([[0, 0], [0, 0.5], [0.5, 0.5], [0.5, 1], [1, 1]]);
    const pr = prCurve([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]);
    expect(pr.map((p) => [p.x, p.y])).toEqual([[0.5, 1], [0.5, 0.5], [1, 2 / 3], [1, 0.5]]);
    // tied scores make one point
    expect(rocCurve([1, 0], [0.5, 0.5]).map((p) => [p.x, p.y])).toEqual([[0, 0], [1, 1]]);
  });

  it('thins long curves to the point budget, keeping both ends', () => {
    const n = 1000;
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const scores = Array.from({ length: n }, (_, i) => i / n);
    const roc = rocCurve(labels, scores, 50);
    expect(roc).toHaveLength(50);
    expect([roc[0].x, roc[0].y]).toEqual([0, 0]);
    expect([roc[49].x, roc[49].y]).toEqual([1, 1]);
  });
});
