// Parity with scikit-learn: bugforge's logreg head (standardised TF-IDF, L-BFGS, L2 chosen on
// validation) against LogisticRegression on the same matrices, whose figures were computed once by
// test/fixtures/parity/sklearn_logreg.py and committed as expected.json (this test needs no Python).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Featurized } from '../../../stage-images/features/featurize.js';
import { classificationMetrics } from '../../../stage-images/evaluate/metrics.js';
import { fitHead, L2_GRID, type FitOptions } from '../../../stage-images/train/fit.js';
import { predict } from '../../../stage-images/train/head.js';
import { parityFeatures, type ParitySplit } from '../../fixtures/parity/features.js';

interface Figures { accuracy: number; rocAuc: number }
const expected = JSON.parse(readFileSync(new URL('../../fixtures/parity/expected.json', import.meta.url), 'utf8')) as {
  features: { dim: number; rows: Record<ParitySplit, number> };
  fixedL2: Figures & { l2: number };
  chosen: Figures & { l2: number };
  search: { l2: number }[];
};

const settings: Omit<FitOptions, 'head'> = { hiddenSize: 0, optimizer: 'lbfgs', maxIterations: 1000, epochs: 1, patience: 100, learningRate: 0.01, batchSize: 32, seed: 1 };

describe('logreg parity with scikit-learn (test/fixtures/parity)', () => {
  let f: Record<ParitySplit, Featurized>;
  beforeAll(async () => {
    f = await parityFeatures();
  });
  const testFigures = (fit: ReturnType<typeof fitHead>): Figures => {
    const m = classificationMetrics(f.test.labels, predict(fit.shape, fit.params, f.test.x), 0.5);
    return { accuracy: m.accuracy, rocAuc: m.rocAuc! };
  };

  it('fits the same matrices scikit-learn was given', () => {
    expect(f.train.x.dim).toBe(expected.features.dim);
    expect({ train: f.train.labels.length, validation: f.validation.labels.length, test: f.test.labels.length }).toEqual(expected.features.rows);
    expect(expected.search.map((c) => c.l2)).toEqual(L2_GRID);
  });

  it(`at a fixed L2, test accuracy and ROC-AUC are within 1 point of scikit-learn's`, () => {
    const fit = fitHead(f.train, f.validation, { head: 'logreg', ...settings, l2: expected.fixedL2.l2 });
    const ours = testFigures(fit);
    expect(Math.abs(ours.accuracy - expected.fixedL2.accuracy)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(ours.rocAuc - expected.fixedL2.rocAuc)).toBeLessThanOrEqual(0.01);
  });

  it(`with L2 chosen on validation (the stage's recipe), within 1 point of scikit-learn's`, () => {
    // the stage's defaults: at most 300 iterations, early stopping after 30 without a better validation loss
    const fit = fitHead(f.train, f.validation, { head: 'logreg', ...settings, maxIterations: 300, patience: 3 });
    expect(fit.l2).toBe(expected.chosen.l2);
    const ours = testFigures(fit);
    expect(Math.abs(ours.accuracy - expected.chosen.accuracy)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(ours.rocAuc - expected.chosen.rocAuc)).toBeLessThanOrEqual(0.01);
  });
});
