import { describe, expect, it } from 'vitest';
import { evaluateScores, headlineOf, type EvaluationResults } from '../../../stage-images/evaluate/results.js';
import { reportHtml, reportMarkdown } from '../../../stage-images/evaluate/report.js';
import { decide } from '../../../stage-images/evaluate/results.js';
import { addUncertainty } from '../../../stage-images/evaluate/uncertainty.js';

const labels = Uint8Array.from([1, 1, 0, 0, 1, 0]);
const synthetic = Uint8Array.from([0, 1, 0, 1, 0, 0]);
const scores: Record<string, number[]> = {
  detector: [0.9, 0.8, 0.2, 0.6, 0.7, 0.1],
  'detector (real data only)': [0.9, 0.3, 0.2, 0.6, 0.4, 0.1],
  majority: [0, 0, 0, 0, 0, 0],
  'tfidf-logreg': [0.6, 0.4, 0.3, 0.7, 0.2, 0.1],
};
// rows 0 and 2 are twins (buggy, clean), as are 4 and 5; row 1 is a synthetic off-by-one
const pairs = [{ key: 'commit:a', buggy: 0, clean: 2 }, { key: 'commit:b', buggy: 4, clean: 5 }];
const context = { pairs, bugTypes: [undefined, 'off-by-one', undefined, undefined, 'double-free', undefined] };
const results: EvaluationResults = {
  test: { rows: 6, positives: 3, synthetic: 2, pairs: 2 },
  models: [
    evaluateScores({ name: 'detector', role: 'detector', description: 'mlp' }, labels, synthetic, scores.detector, context),
    evaluateScores({ name: 'detector (real data only)', role: 'real-only', description: 'mlp' }, labels, synthetic, scores['detector (real data only)'], context),
    evaluateScores({ name: 'majority', role: 'baseline', description: 'clean' }, labels, synthetic, new Float32Array(6), context),
    evaluateScores({ name: 'tfidf-logreg', role: 'baseline', description: 'tfidf' }, labels, synthetic, scores['tfidf-logreg'], context),
  ],
  setAside: 0,
  generatedAt: '2026-01-01T00:00:00.000Z',
  data: { train: { rows: 40, positives: 22, synthetic: 4 }, validation: { rows: 8, positives: 4, synthetic: 0 }, test: { rows: 6, positives: 3, synthetic: 2 } },
  training: { detector: { optimizer: 'lbfgs', l2: 0.1, threshold: 0.5, thresholdFrom: 'validation accuracy', epochsRun: 3, trainLossPerEpoch: [0.69, 0.5, 0.4], validationLossPerEpoch: [0.69, 0.6, 0.55], validationAucPerEpoch: [0.5, 0.7, 0.8], l2Search: [{ l2: 1, validationLoss: 0.6, validationAuc: 0.7 }, { l2: 0.1, validationLoss: 0.55, validationAuc: 0.8 }] } },
  configuration: { training: { head: 'mlp' } },
  confidentlyWrong: [{ id: 'r3', label: 0, score: 0.6, source: 'synthetic', func: 'int f(void) {\n  return 0;\n}\n' }],
};
addUncertainty(results, labels, pairs, Object.entries(scores).map(([name, s]) => ({ name, scores: s, decisions: decide(s, 0.5) })), { resamples: 200, seed: 1 });

describe('evaluation results and report', () => {
  it('splits metrics by source', () => {
    const d = results.models[0];
    expect(d.bySource.real?.rows).toBe(4);
    expect(d.bySource.synthetic?.rows).toBe(2);
    // synthetic rows: label 1 score .8 (TP), label 0 score .6 (FP)
    expect(d.bySource.synthetic?.confusion).toEqual({ tp: 1, fp: 1, tn: 0, fn: 0 });
  });

  it('headline: the detector against the tfidf-logreg baseline, plus majority accuracy and the real-only F1', () => {
    const h = headlineOf(results);
    expect(h).toMatchObject({ accuracy: 0.8333, precision: 0.75, recall: 1, f1: 0.8571, rocAuc: 1, baseline: 'tfidf-logreg', baselineAccuracy: 0.5, baselineF1: 0.4, majorityAccuracy: 0.5, realOnlyF1: 0.4 });
  });

  it('pair-wise and per-bug-type figures come with the scores', () => {
    const d = results.models[0];
    // pair a: buggy .9 flagged, clean .2 not → correct; pair b: buggy .7 flagged, clean .1 not → correct
    expect(d.pairs).toMatchObject({ pairs: 2, pairCorrect: 1, bothBuggy: 0, bothClean: 0, reversed: 0, buggyScoresHigher: 1 });
    expect(d.byBugType).toEqual([{ bugType: 'double-free', rows: 1, recall: 1, pairs: 1, pairCorrect: 1 }, { bugType: 'off-by-one', rows: 1, recall: 1, pairs: 0, pairCorrect: null }]);
    expect(results.models[2].pairs).toMatchObject({ bothClean: 1, buggyScoresHigher: 0.5 });
  });

  it('warns first, in both formats, when the test split is too small', async () => {
    const md = reportMarkdown(results, 'test report');
    expect(md.split('\n')[2]).toMatch(/^> \*\*⚠ Warning:\*\* The test split is too small to say anything: 6 rows/);
    expect(await reportHtml(results, 'test report')).toMatch(/<h1>test report<\/h1>\n\n<p class="warning"><b>⚠ Warning:<\/b> The test split is too small/);
  });

  it('report.html has its five plots as inline SVG with their titles, the chance line labelled, and no scripts', async () => {
    const html = await reportHtml(results, 'test report');
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(5);
    const [metrics, confusion, roc, pr] = svgs;
    expect(metrics).toContain('Detector vs baselines');
    expect(confusion).toContain('Confusion matrix (detector)');
    expect(roc).toContain('ROC curve');
    expect(roc).toMatch(/stroke-dasharray="4,4"/);
    expect(roc).toContain('>chance<');
    expect(pr).toContain('Precision-recall curve');
    expect(svgs[4]).toContain('Training curves');
    expect(confusion).toMatch(/>3</);
    for (const m of ['detector', 'majority', 'tfidf-logreg']) expect(metrics).toContain(m);
    expect(html).not.toContain('<script');
    expect(html).toContain('What the synthetic data bought');
  });

  it('report.md: figures with intervals, comparisons worded by their intervals, pairs, bug types, training, wrong functions, data, configuration', () => {
    const md = reportMarkdown(results, 'test report');
    const d = results.models[0];
    const ci = (x: number, i: { low: number; high: number }) => `${x.toFixed(3)} [${i.low.toFixed(3)}, ${i.high.toFixed(3)}]`;
    expect(md).toContain(`| detector | ${ci(d.overall.accuracy, d.intervals.accuracy!)} | 0.750 | 1.000 | ${ci(d.overall.f1, d.intervals.f1!)} | ${ci(1, d.intervals.rocAuc!)} | 0.500 | 3 | 1 | 2 | 0 |`);
    expect(md).toContain('| detector · synthetic | 2 |');
    expect(md).toMatch(/\| detector − majority \| accuracy \| \+0\.333 \| \[[−+]\d\.\d{3}, \+\d\.\d{3}\] \| (higher|no measurable difference) \|/);
    // six rows cannot show what synthetic data bought: the interval contains 0
    expect(md).toMatch(/- ROC-AUC: 1\.000 with synthetic data, 0\.778 without — \+0\.222, 95% interval \[[^\]]+\]: no measurable difference\./);
    expect(md).toContain('| detector | 2 | 1.000 [1.000, 1.000] | 0.000 | 0.000 | 0.000 | 1.000 |');
    expect(md).toContain('| double-free | 1 | 1.000 | 1 | 1.000 |');
    expect(md).toContain('L2 0.1 chosen on validation log-loss');
    expect(md).toContain('| 0.1 (chosen) | 0.550 | 0.800 |');
    expect(md).toContain('r3 — actually clean, synthetic; score 0.600 against threshold 0.500');
    expect(md).toContain('```c\nint f(void) {\n  return 0;\n}\n```');
    expect(md).toContain('| train | 40 | 22 | 18 | 4 |');
    expect(md).toContain('"head": "mlp"');
  });
});
