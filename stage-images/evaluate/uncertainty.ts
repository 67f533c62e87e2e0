// Bootstrap intervals on every model's figures, paired differences for the comparisons a reader
// asks about (does the detector beat always answering the majority class? what did synthetic
// training data buy?), and the warnings the report and the CLI put first when the figures cannot
// carry a claim.
import { bootstrapSamples, differenceInterval, statisticInterval, STATISTICS, type BootstrapSettings, BOOTSTRAP, type ScoredModel, type Statistic } from './bootstrap.js';
import type { Pair } from './pairs.js';
import type { Comparison, EvaluationResults, ModelEvaluation } from './results.js';

/** Below these the test split is too small for any figure to say much. */
export const MIN_TEST_ROWS = 100;
export const MIN_TEST_PER_CLASS = 20;

const pointOf = (m: ModelEvaluation, s: Statistic): number | undefined =>
  s === 'accuracy' ? m.overall.accuracy : s === 'f1' ? m.overall.f1 : s === 'rocAuc' ? (m.overall.rocAuc ?? undefined) : m.pairs?.pairCorrect;

export function addUncertainty(results: EvaluationResults, labels: Uint8Array, pairs: readonly Pair[], scored: readonly ScoredModel[], settings: BootstrapSettings = BOOTSTRAP): void {
  const samples = bootstrapSamples(labels, pairs, scored, settings);
  for (const m of results.models) {
    for (const s of STATISTICS) {
      if (pointOf(m, s) === undefined) continue;
      const i = statisticInterval(samples, m.name, s);
      if (i) m.intervals[s] = i;
    }
  }
  const comparisons: Comparison[] = [];
  const compare = (purpose: Comparison['purpose'], model: ModelEvaluation, against: ModelEvaluation, statistic: Statistic) => {
    const a = pointOf(model, statistic), b = pointOf(against, statistic);
    if (a === undefined || b === undefined) return;
    const interval = differenceInterval(samples, model.name, against.name, statistic);
    const verdict = !interval || (interval.low <= 0 && interval.high >= 0) ? 'no measurable difference' : interval.low > 0 ? 'higher' : 'lower';
    comparisons.push({ purpose, model: model.name, against: against.name, statistic, difference: a - b, ...(interval ? { interval } : {}), verdict });
  };
  const detector = results.models.find((m) => m.role === 'detector');
  const majority = results.models.find((m) => m.name === 'majority');
  const tfidf = results.models.find((m) => m.name === 'tfidf-logreg');
  const realOnly = results.models.find((m) => m.role === 'real-only');
  if (detector && majority) for (const s of ['accuracy', 'f1'] as const) compare('vs-majority', detector, majority, s);
  if (detector && tfidf) for (const s of ['accuracy', 'rocAuc'] as const) compare('vs-tfidf', detector, tfidf, s);
  if (detector && realOnly) for (const s of ['rocAuc', 'f1', 'accuracy', 'pairAccuracy'] as const) compare('synthetic', detector, realOnly, s);
  results.comparisons = comparisons;
  results.bootstrap = { resamples: settings.resamples, seed: settings.seed, clusters: pairs.length ? `${pairs.length} twin pairs resampled as units, other rows one by one` : 'rows' };
  results.warnings = warningsFor(results);
}

const f3 = (x: number) => x.toFixed(3);
const signed = (x: number) => (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(3);

export function warningsFor(results: EvaluationResults): string[] {
  const warnings: string[] = [];
  const { rows, positives } = results.test;
  if (rows < MIN_TEST_ROWS || positives < MIN_TEST_PER_CLASS || rows - positives < MIN_TEST_PER_CLASS) {
    warnings.push(`The test split is too small to say anything: ${rows} rows (${positives} buggy, ${rows - positives} clean); at least ${MIN_TEST_ROWS} rows and ${MIN_TEST_PER_CLASS} of each class are needed for these figures to mean much. Read the intervals, not the point figures.`);
  }
  const detector = results.models.find((m) => m.role === 'detector');
  const vsMajority = results.comparisons?.find((c) => c.purpose === 'vs-majority' && c.statistic === 'accuracy');
  if (detector && vsMajority && vsMajority.verdict !== 'higher') {
    const i = vsMajority.interval;
    warnings.push(`The detector is indistinguishable from the majority baseline (always answering one class): accuracy ${f3(detector.overall.accuracy)} against ${f3(detector.overall.accuracy - vsMajority.difference)}, difference ${signed(vsMajority.difference)}${i ? `, 95% interval [${signed(i.low)}, ${signed(i.high)}]` : ''}. It has not shown that it learned anything.`);
  } else if (detector && !vsMajority && detector.intervals.rocAuc && detector.intervals.rocAuc.low <= 0.5) {
    warnings.push(`The detector's ROC-AUC is indistinguishable from chance: ${f3(detector.overall.rocAuc ?? 0.5)}, 95% interval [${f3(detector.intervals.rocAuc.low)}, ${f3(detector.intervals.rocAuc.high)}].`);
  }
  return warnings;
}
