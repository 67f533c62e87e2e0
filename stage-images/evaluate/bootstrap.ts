// Uncertainty by the bootstrap: the test split is resampled with replacement, by cluster — a pair
// of twins moves as one, since its two rows are not independent draws — and every figure is
// recomputed on each resample with the same draws for every model, so differences between models
// are paired. 95% intervals are the 2.5th and 97.5th percentiles. A resample is a weight per row
// (how often its cluster was drawn), so nothing is copied and ROC-AUC reuses one sort per model.
import { mulberry32 } from '../../core/random.js';
import { pairMetrics, type Pair } from './pairs.js';

export interface Interval { low: number; high: number }

export const STATISTICS = ['accuracy', 'f1', 'rocAuc', 'pairAccuracy'] as const;
export type Statistic = (typeof STATISTICS)[number];

export interface ScoredModel { name: string; scores: ArrayLike<number>; decisions: ArrayLike<number> }

export interface BootstrapSettings { resamples: number; seed: number }
export const BOOTSTRAP: BootstrapSettings = { resamples: 1000, seed: 20261202 };

/** Accuracy, F1 and ROC-AUC (Mann–Whitney, ties half) with a weight per row; `order` sorts rows by score. */
export function weightedFigures(labels: ArrayLike<number>, scores: ArrayLike<number>, decisions: ArrayLike<number>, weights: ArrayLike<number>, order: Uint32Array): { accuracy: number; f1: number; rocAuc: number | null } {
  let total = 0, right = 0, tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const w = weights[i];
    if (w === 0) continue;
    total += w;
    const y = labels[i], d = decisions[i];
    if (y === d) right += w;
    if (d && y) tp += w;
    else if (d) fp += w;
    else if (y) fn += w;
  }
  let positives = 0, negatives = 0, below = 0, numerator = 0;
  for (let k = 0; k < order.length;) {
    let p = 0, n = 0;
    const s = scores[order[k]];
    for (; k < order.length && scores[order[k]] === s; k++) {
      const i = order[k];
      if (labels[i]) p += weights[i];
      else n += weights[i];
    }
    numerator += p * (below + n / 2);
    below += n;
    positives += p;
    negatives += n;
  }
  return {
    accuracy: total ? right / total : 0,
    f1: 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0,
    rocAuc: positives && negatives ? numerator / (positives * negatives) : null,
  };
}

export const scoreOrder = (scores: ArrayLike<number>): Uint32Array => Uint32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);

/** Linear-interpolated percentile (numpy's default) of the finite values. */
export function percentile(values: number[], q: number): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const at = (v.length - 1) * q, lo = Math.floor(at), hi = Math.ceil(at);
  return v[lo] + (v[hi] - v[lo]) * (at - lo);
}

export const intervalOf = (values: number[]): Interval => ({ low: percentile(values, 0.025), high: percentile(values, 0.975) });

/** samples[model][statistic][resample] (NaN where a resample leaves a figure undefined). */
export type Samples = Record<string, Record<Statistic, number[]>>;

export function bootstrapSamples(labels: ArrayLike<number>, pairs: readonly Pair[], models: readonly ScoredModel[], settings: BootstrapSettings = BOOTSTRAP): Samples {
  const n = labels.length;
  // clusters: each pair, then each row outside a pair
  const clusterOf = new Int32Array(n).fill(-1);
  pairs.forEach((p, k) => { clusterOf[p.buggy] = k; clusterOf[p.clean] = k; });
  let clusters = pairs.length;
  for (let i = 0; i < n; i++) if (clusterOf[i] < 0) clusterOf[i] = clusters++;
  const random = mulberry32(settings.seed);
  const orders = models.map((m) => scoreOrder(m.scores));
  const samples: Samples = Object.fromEntries(models.map((m) => [m.name, { accuracy: [], f1: [], rocAuc: [], pairAccuracy: [] }]));
  const draws = new Float64Array(clusters), rowWeights = new Float64Array(n);
  for (let b = 0; b < settings.resamples; b++) {
    draws.fill(0);
    for (let k = 0; k < clusters; k++) draws[Math.floor(random() * clusters)]++;
    for (let i = 0; i < n; i++) rowWeights[i] = draws[clusterOf[i]];
    const pairWeights = draws.subarray(0, pairs.length);
    models.forEach((m, j) => {
      const f = weightedFigures(labels, m.scores, m.decisions, rowWeights, orders[j]);
      const s = samples[m.name];
      s.accuracy.push(f.accuracy);
      s.f1.push(f.f1);
      s.rocAuc.push(f.rocAuc ?? NaN);
      s.pairAccuracy.push(pairMetrics(pairs, m.scores, m.decisions, pairWeights)?.pairCorrect ?? NaN);
    });
  }
  return samples;
}

/** The interval of a model's statistic; undefined when no resample defined it. */
export function statisticInterval(samples: Samples, model: string, statistic: Statistic): Interval | undefined {
  const i = intervalOf(samples[model][statistic]);
  return Number.isFinite(i.low) ? i : undefined;
}

/** The paired interval of a − b for a statistic. */
export function differenceInterval(samples: Samples, a: string, b: string, statistic: Statistic): Interval | undefined {
  const x = samples[a][statistic], y = samples[b][statistic];
  const i = intervalOf(x.map((v, k) => v - y[k]));
  return Number.isFinite(i.low) ? i : undefined;
}
