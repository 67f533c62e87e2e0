// The evaluation's results as data: each model's metrics on the test split, overall and per
// source (real / synthetic), its curves, and the headline the PipelineRun status carries.
import { classificationMetrics, prCurve, rocCurve, type ClassificationMetrics, type CurvePoint } from './metrics.js';

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
}

export interface EvaluationResults {
  test: { rows: number; positives: number; synthetic: number };
  models: ModelEvaluation[];
  executionProvider?: string;
  featureCache?: { hits: number; misses: number; hitRate: number };
  setAside: number;
  generatedAt: string;
}

function pick(values: ArrayLike<number>, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (keep(i)) out.push(values[i]);
  return out;
}

export function evaluateScores(
  model: { name: string; role: ModelRole; description: string; threshold?: number },
  labels: Uint8Array, synthetic: Uint8Array, scores: ArrayLike<number>,
): ModelEvaluation {
  const threshold = model.threshold ?? 0.5;
  const bySource: ModelEvaluation['bySource'] = {};
  for (const [source, flag] of [['real', 0], ['synthetic', 1]] as const) {
    const keep = (i: number) => synthetic[i] === flag;
    const l = pick(labels, keep);
    if (l.length > 0) bySource[source] = classificationMetrics(l, pick(scores, keep), threshold);
  }
  return {
    ...model, threshold,
    overall: classificationMetrics(labels, scores, threshold),
    bySource,
    roc: rocCurve(labels, scores),
    pr: prCurve(labels, scores),
  };
}

export interface Headline {
  accuracy: number; precision: number; recall: number; f1: number; rocAuc: number | null;
  baseline: string | null; baselineAccuracy: number | null; baselineF1: number | null;
  majorityAccuracy?: number; realOnlyF1?: number;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

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
  };
}
