// The evaluation's results as data: each model's metrics on the test split, overall, per source
// (real / synthetic), per bug type and on twin pairs, with bootstrap intervals; comparisons between
// models as paired differences; warnings when the figures cannot carry a claim; the headline the
// PipelineRun status carries.
import type { Interval, Statistic } from './bootstrap.js';
import { classificationMetrics, prCurve, rocCurve, type ClassificationMetrics, type CurvePoint } from './metrics.js';
import { pairMetrics, type Pair, type PairMetrics } from './pairs.js';

export type ModelRole = 'detector' | 'real-only' | 'baseline';

export interface ModelEvaluation {
  name: string;
  role: ModelRole;
  description: string;
  threshold: number;
  overall: ClassificationMetrics;
  bySource: { real?: ClassificationMetrics; synthetic?: ClassificationMetrics };
  roc: CurvePoint[];
  pr: CurvePoint[];
  /** Twin pairs in the test split (absent when there are none). */
  pairs?: PairMetrics;
  /** Bootstrap 95% intervals (filled in by uncertainty.ts). */
  intervals: Partial<Record<Statistic, Interval>>;
  byBugType: BugTypeFigures[];
}

/** How a model does on the buggy rows of one injected bug type. */
export interface BugTypeFigures { bugType: string; rows: number; recall: number; pairs: number; pairCorrect: number | null }

/** A paired-bootstrap difference model − against on one statistic. */
export interface Comparison {
  purpose: 'vs-majority' | 'synthetic' | 'vs-tfidf';
  model: string;
  against: string;
  statistic: Statistic;
  difference: number;
  interval?: Interval;
  verdict: 'higher' | 'lower' | 'no measurable difference';
}

export interface EvaluationResults {
  test: { rows: number; positives: number; synthetic: number; pairs?: number };
  models: ModelEvaluation[];
  comparisons?: Comparison[];
  /** Plain statements for the top of the report and the CLI summary. */
  warnings?: string[];
  bootstrap?: { resamples: number; seed: number; clusters: string };
  executionProvider?: string;
  featureCache?: { hits: number; misses: number; hitRate: number };
  setAside: number;
  generatedAt: string;
  /** Rows per split (what the models were trained and judged on). */
  data?: Record<'train' | 'validation' | 'test', SplitCounts>;
  /** The train stage's curves and choices (training.json), absent in pretrained mode. */
  training?: Record<string, TrainingCurves | undefined>;
  /** The run's settings that shaped these figures. */
  configuration?: Record<string, unknown>;
  /** The detector's most confidently wrong test functions. */
  confidentlyWrong?: WrongRow[];
}

export interface SplitCounts { rows: number; positives: number; synthetic: number }

export interface TrainingCurves {
  optimizer?: string; l2?: number; threshold?: number; thresholdFrom?: string; epochsRun?: number; bestEpoch?: number;
  trainLossPerEpoch?: number[]; validationLossPerEpoch?: number[]; validationAucPerEpoch?: (number | null)[];
  l2Search?: { l2: number; validationLoss: number; validationAuc: number | null }[];
}

export interface WrongRow { id: string; label: 0 | 1; score: number; source: string; bugType?: string; func: string }

function pick(values: ArrayLike<number>, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (keep(i)) out.push(values[i]);
  return out;
}

/** What per-row context a model's figures need beyond labels and scores. */
export interface RowContext { pairs?: readonly Pair[]; bugTypes?: readonly (string | undefined)[] }

export function evaluateScores(
  model: { name: string; role: ModelRole; description: string; threshold?: number },
  labels: Uint8Array, synthetic: Uint8Array, scores: ArrayLike<number>, context: RowContext = {},
): ModelEvaluation {
  const threshold = model.threshold ?? 0.5;
  const bySource: ModelEvaluation['bySource'] = {};
  for (const [source, flag] of [['real', 0], ['synthetic', 1]] as const) {
    const keep = (i: number) => synthetic[i] === flag;
    const l = pick(labels, keep);
    if (l.length > 0) bySource[source] = classificationMetrics(l, pick(scores, keep), threshold);
  }
  const decisions = decide(scores, threshold);
  const pairs = context.pairs?.length ? pairMetrics(context.pairs, scores, decisions) : undefined;
  return {
    ...model, threshold,
    overall: classificationMetrics(labels, scores, threshold),
    bySource,
    roc: rocCurve(labels, scores),
    pr: prCurve(labels, scores),
    ...(pairs ? { pairs } : {}),
    intervals: {},
    byBugType: bugTypeFigures(labels, decisions, context),
  };
}

/** 1 where score ≥ threshold. */
export const decide = (scores: ArrayLike<number>, threshold: number): Uint8Array => Uint8Array.from({ length: scores.length }, (_, i) => (scores[i] >= threshold ? 1 : 0));

function bugTypeFigures(labels: Uint8Array, decisions: Uint8Array, context: RowContext): BugTypeFigures[] {
  const types = context.bugTypes;
  if (!types) return [];
  const by = new Map<string, { rows: number; flagged: number; pairs: number; correct: number }>();
  const entry = (t: string) => by.get(t) ?? by.set(t, { rows: 0, flagged: 0, pairs: 0, correct: 0 }).get(t)!;
  for (let i = 0; i < labels.length; i++) {
    const t = types[i];
    if (!t || labels[i] !== 1) continue;
    const e = entry(t);
    e.rows++;
    e.flagged += decisions[i];
  }
  for (const p of context.pairs ?? []) {
    const t = types[p.buggy];
    if (!t) continue;
    const e = entry(t);
    e.pairs++;
    e.correct += decisions[p.buggy] === 1 && decisions[p.clean] === 0 ? 1 : 0;
  }
  return [...by].sort((a, b) => b[1].rows - a[1].rows || (a[0] < b[0] ? -1 : 1))
    .map(([bugType, e]) => ({ bugType, rows: e.rows, recall: e.rows ? e.flagged / e.rows : 0, pairs: e.pairs, pairCorrect: e.pairs ? e.correct / e.pairs : null }));
}

export interface Headline {
  accuracy: number; precision: number; recall: number; f1: number; rocAuc: number | null;
  baseline: string | null; baselineAccuracy: number | null; baselineF1: number | null;
  majorityAccuracy?: number; realOnlyF1?: number;
  /** 95% bootstrap intervals and pair-wise accuracy (stage summary only; the status keeps the point figures). */
  accuracyInterval?: [number, number]; rocAucInterval?: [number, number];
  pairs?: number; pairAccuracy?: number; pairAccuracyInterval?: [number, number];
  warnings?: string[];
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const pair4 = (i: Interval): [number, number] => [r4(i.low), r4(i.high)];

/** The status headline: the detector's metrics against the strongest baseline (tfidf-logreg when run, else majority). */
export function headlineOf(results: EvaluationResults): Headline {
  const detector = results.models.find((m) => m.role === 'detector');
  if (!detector) throw new Error('no detector was evaluated');
  const baselines = results.models.filter((m) => m.role === 'baseline');
  const baseline = baselines.find((m) => m.name === 'tfidf-logreg') ?? baselines.find((m) => m.name === 'majority');
  const majority = baselines.find((m) => m.name === 'majority');
  const realOnly = results.models.find((m) => m.role === 'real-only');
  const o = detector.overall;
  return {
    accuracy: r4(o.accuracy), precision: r4(o.precision), recall: r4(o.recall), f1: r4(o.f1), rocAuc: o.rocAuc === null ? null : r4(o.rocAuc),
    baseline: baseline?.name ?? null,
    baselineAccuracy: baseline ? r4(baseline.overall.accuracy) : null,
    baselineF1: baseline ? r4(baseline.overall.f1) : null,
    ...(majority ? { majorityAccuracy: r4(majority.overall.accuracy) } : {}),
    ...(realOnly ? { realOnlyF1: r4(realOnly.overall.f1) } : {}),
    ...(detector.intervals.accuracy ? { accuracyInterval: pair4(detector.intervals.accuracy) } : {}),
    ...(detector.intervals.rocAuc ? { rocAucInterval: pair4(detector.intervals.rocAuc) } : {}),
    ...(detector.pairs ? { pairs: detector.pairs.pairs, pairAccuracy: r4(detector.pairs.pairCorrect) } : {}),
    ...(detector.intervals.pairAccuracy ? { pairAccuracyInterval: pair4(detector.intervals.pairAccuracy) } : {}),
    ...(results.warnings?.length ? { warnings: results.warnings } : {}),
  };
}
