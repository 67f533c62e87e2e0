// Twin pairing, pair-wise figures, the weighted figures the bootstrap recomputes, its intervals and
// paired differences, and the warnings that go at the top of the report.
import { describe, expect, it } from 'vitest';
import { bootstrapSamples, differenceInterval, percentile, scoreOrder, statisticInterval, weightedFigures } from '../../../stage-images/evaluate/bootstrap.js';
import { classificationMetrics } from '../../../stage-images/evaluate/metrics.js';
import { assignPairs, pairMetrics, type PairingRow } from '../../../stage-images/evaluate/pairs.js';
import { decide, evaluateScores, type EvaluationResults } from '../../../stage-images/evaluate/results.js';
import { addUncertainty } from '../../../stage-images/evaluate/uncertainty.js';
import { seededRandom } from '../../../stage-images/train/random.js';

const row = (id: string, label: 0 | 1, extra: Partial<PairingRow> = {}): PairingRow => ({ id, label, synthetic: false, ...extra });

describe('assignPairs', () => {
  it('pairs one buggy and one clean row by the data set\'s pair column or commit, then synthetic samples with their origin', () => {
    const rows = [
      row('a0', 0, { commitId: 'c1' }), row('a1', 1, { commitId: 'c1' }), // a commit pair
      row('b0', 0, { commitId: 'c2' }), row('b1', 1, { commitId: 'c2' }), row('b2', 1, { commitId: 'c2' }), // two buggy: not a pair
      row('p0', 0, { pair: 'x', commitId: 'c9' }), row('p1', 1, { pair: 'x', commitId: 'c8' }), // the pair column wins over commit
      row('o0', 0), row('s1', 1, { synthetic: true, originId: 'o0' }), row('s2', 1, { synthetic: true, originId: 'o0' }), // origin pair; the second mutant stays single
      row('s3', 1, { synthetic: true, originId: 'a0' }), // origin already paired by commit
      row('s4', 1, { synthetic: true, originId: 'missing' }),
    ];
    const { pairs, pairOf } = assignPairs(rows);
    expect(pairs.map((p) => [p.key, rows[p.buggy].id, rows[p.clean].id])).toEqual([
      ['commit:c1', 'a1', 'a0'], ['pair:x', 'p1', 'p0'], ['origin:o0', 's1', 'o0'],
    ]);
    expect(pairOf).toEqual(['commit:c1', 'commit:c1', undefined, undefined, undefined, 'pair:x', 'pair:x', 'origin:o0', 'origin:o0', undefined, undefined, undefined]);
  });

  it('counts pair-correct, both buggy, both clean, reversed and buggy-scores-higher (ties half)', () => {
    const pairs = [0, 1, 2, 3].map((k) => ({ key: `p${k}`, buggy: 2 * k, clean: 2 * k + 1 }));
    const scores = [0.9, 0.1, 0.8, 0.7, 0.2, 0.3, 0.4, 0.4];
    const m = pairMetrics(pairs, scores, decide(scores, 0.5))!;
    expect(m).toEqual({ pairs: 4, pairCorrect: 0.25, bothBuggy: 0.25, bothClean: 0.5, reversed: 0, buggyScoresHigher: (1 + 1 + 0 + 0.5) / 4 });
    expect(pairMetrics([], scores, decide(scores, 0.5))).toBeUndefined();
  });
});

describe('bootstrap', () => {
  const random = seededRandom(7);
  const n = 300;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
  // scores with ties (rounded) that separate the classes a little
  const scores = Float32Array.from(labels, (y) => Math.round((random() * 0.8 + y * 0.25) * 20) / 20);
  const decisions = decide(scores, 0.5);

  it('with every weight 1, the weighted figures are the plain ones (ties included)', () => {
    const f = weightedFigures(labels, scores, decisions, new Float64Array(n).fill(1), scoreOrder(scores));
    const m = classificationMetrics(labels, scores, 0.5);
    expect(f.accuracy).toBeCloseTo(m.accuracy, 12);
    expect(f.f1).toBeCloseTo(m.f1, 12);
    expect(f.rocAuc!).toBeCloseTo(m.rocAuc!, 12);
    // weight 2 on a row counts it twice
    const w = new Float64Array(n).fill(1);
    w[0] = 2;
    const doubled = [0, ...Array.from({ length: n }, (_, i) => i)];
    const m2 = classificationMetrics(doubled.map((i) => labels[i]), doubled.map((i) => scores[i]), 0.5);
    const f2 = weightedFigures(labels, scores, decisions, w, scoreOrder(scores));
    expect(f2.rocAuc!).toBeCloseTo(m2.rocAuc!, 12);
    expect(f2.accuracy).toBeCloseTo(m2.accuracy, 12);
  });

  it('gives intervals around the point figure that shrink with more rows; a model against itself differs by exactly 0', () => {
    const models = [{ name: 'a', scores, decisions }, { name: 'b', scores, decisions }];
    const samples = bootstrapSamples(labels, [], models, { resamples: 400, seed: 1 });
    const acc = classificationMetrics(labels, scores, 0.5).accuracy;
    const i = statisticInterval(samples, 'a', 'accuracy')!;
    expect(i.low).toBeLessThan(acc);
    expect(i.high).toBeGreaterThan(acc);
    expect(i.high - i.low).toBeGreaterThan(0.05); // about 4 standard errors of a proportion near 0.6 at n = 300
    expect(i.high - i.low).toBeLessThan(0.15);
    expect(differenceInterval(samples, 'a', 'b', 'rocAuc')).toEqual({ low: 0, high: 0 });
    const small = bootstrapSamples(labels.subarray(0, 60), [], [{ name: 'a', scores: scores.subarray(0, 60), decisions: decisions.subarray(0, 60) }], { resamples: 400, seed: 1 });
    const j = statisticInterval(small, 'a', 'accuracy')!;
    expect(j.high - j.low).toBeGreaterThan(i.high - i.low);
    expect(percentile([3, 1, 2, NaN, 4], 0.5)).toBe(2.5);
  });

  it('resamples twins as one: a model right on exactly one twin of every pair has pair accuracy 0 on every resample', () => {
    const pairs = Array.from({ length: 50 }, (_, k) => ({ key: `p${k}`, buggy: 2 * k + 1, clean: 2 * k }));
    const lab = Uint8Array.from({ length: 100 }, (_, i) => i % 2);
    const all = new Float32Array(100).fill(0.9); // flags everything: both-buggy on every pair
    const samples = bootstrapSamples(lab, pairs, [{ name: 'm', scores: all, decisions: decide(all, 0.5) }], { resamples: 200, seed: 3 });
    expect(new Set(samples.m.pairAccuracy)).toEqual(new Set([0]));
    // accuracy stays exactly 0.5 on every resample, because a pair's two rows are always drawn together
    expect(new Set(samples.m.accuracy)).toEqual(new Set([0.5]));
  });
});

describe('warnings and comparisons', () => {
  const results = (labels: Uint8Array, detectorScores: Float32Array): EvaluationResults => {
    const synthetic = new Uint8Array(labels.length);
    const majority = new Float32Array(labels.length);
    const r: EvaluationResults = {
      test: { rows: labels.length, positives: labels.reduce((a, b) => a + b, 0), synthetic: 0 },
      models: [
        evaluateScores({ name: 'detector', role: 'detector', description: 'd', threshold: 0.5 }, labels, synthetic, detectorScores),
        evaluateScores({ name: 'majority', role: 'baseline', description: 'm' }, labels, synthetic, majority),
      ],
      setAside: 0, generatedAt: 'now',
    };
    addUncertainty(r, labels, [], [{ name: 'detector', scores: detectorScores, decisions: decide(detectorScores, 0.5) }, { name: 'majority', scores: majority, decisions: decide(majority, 0.5) }], { resamples: 300, seed: 2 });
    return r;
  };

  it('says nothing when the detector clearly beats the majority class on a big enough test split', () => {
    const labels = Uint8Array.from({ length: 400 }, (_, i) => i % 2);
    const good = Float32Array.from(labels, (y, i) => (i % 10 === 0 ? 1 - y : y) * 0.8 + 0.1); // 90% right
    const r = results(labels, good);
    expect(r.warnings).toEqual([]);
    const c = r.comparisons!.find((x) => x.purpose === 'vs-majority' && x.statistic === 'accuracy')!;
    expect(c.difference).toBeCloseTo(0.4, 10);
    expect(c.verdict).toBe('higher');
    expect(c.interval!.low).toBeGreaterThan(0.3);
    expect(r.models[0].intervals.accuracy!.low).toBeGreaterThan(0.85);
  });

  it('warns when the detector is indistinguishable from the majority class, and when the test split is too small', () => {
    const labels = Uint8Array.from({ length: 400 }, (_, i) => i % 2);
    const random = seededRandom(5);
    const noise = Float32Array.from(labels, () => random());
    const r = results(labels, noise);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings![0]).toMatch(/^The detector is indistinguishable from the majority baseline .*95% interval \[−0\.\d+, \+0\.\d+\]/);
    const small = results(Uint8Array.from([0, 1, 0, 1, 0, 1, 1, 0, 1, 0]), Float32Array.from([0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.6, 0.4, 0.9, 0.1]));
    expect(small.warnings![0]).toMatch(/^The test split is too small to say anything: 10 rows \(5 buggy, 5 clean\)/);
  });
});
