import { describe, expect, it } from 'vitest';
import { evaluateScores, headlineOf, type EvaluationResults } from '../../../stage-images/evaluate/results.js';
import { reportHtml, reportMarkdown } from '../../../stage-images/evaluate/report.js';

const labels = Uint8Array.from([1, 1, 0, 0, 1, 0]);
const synthetic = Uint8Array.from([0, 1, 0, 1, 0, 0]);
const results: EvaluationResults = {
  test: { rows: 6, positives: 3, synthetic: 2 },
  models: [
    evaluateScores({ name: 'detector', role: 'detector', description: 'mlp' }, labels, synthetic, [0.9, 0.8, 0.2, 0.6, 0.7, 0.1]),
    evaluateScores({ name: 'detector (real data only)', role: 'real-only', description: 'mlp' }, labels, synthetic, [0.9, 0.3, 0.2, 0.6, 0.4, 0.1]),
    evaluateScores({ name: 'majority', role: 'baseline', description: 'clean' }, labels, synthetic, new Float32Array(6)),
    evaluateScores({ name: 'tfidf-logreg', role: 'baseline', description: 'tfidf' }, labels, synthetic, [0.6, 0.4, 0.3, 0.7, 0.2, 0.1]),
  ],
  setAside: 0,
  generatedAt: '2026-01-01T00:00:00.000Z',
};

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

  it('report.html has the four plots as inline SVG with their titles, and no scripts', async () => {
    const html = await reportHtml(results, 'test report');
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(4);
    expect(svgs[0]).toContain('Confusion matrix (detector)');
    expect(svgs[1]).toContain('ROC curve');
    expect(svgs[2]).toContain('Precision-recall curve');
    expect(svgs[3]).toContain('Detector vs baselines');
    // the confusion matrix shows its counts; the bar chart names every model
    expect(svgs[0]).toMatch(/>3</);
    for (const m of ['detector', 'majority', 'tfidf-logreg']) expect(svgs[3]).toContain(m);
    expect(html).not.toContain('<script');
    expect(html).toContain('+0.457 from the synthetic data');
  });

  it('report.md tables the models overall and by source', () => {
    const md = reportMarkdown(results, 'test report');
    expect(md).toContain('| detector | 6 | 0.833 | 0.750 | 1.000 | 0.857 | 1.000 | 3 | 1 | 2 | 0 |');
    expect(md).toContain('| detector · synthetic | 2 |');
    expect(md).toContain('What the synthetic data bought');
  });
});
