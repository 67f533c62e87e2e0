// Binary classification metrics (positive = buggy, label 1). Pure functions over labels and
// scores; a row is predicted buggy when its score >= threshold. Undefined ratios (no predicted
// positives, no positives) are 0, as scikit-learn's zero_division=0; ROC-AUC of a one-class
// set is null.

export interface Confusion { tp: number; fp: number; tn: number; fn: number }

export interface ClassificationMetrics {
  rows: number;
  positives: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number | null;
  confusion: Confusion;
}

export function confusionAt(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0.5): Confusion {
  if (labels.length !== scores.length) throw new Error(`${labels.length} labels but ${scores.length} scores`);
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (predicted) c.tp++;
      else c.fn++;
    } else if (predicted) c.fp++;
    else c.tn++;
  }
  return c;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function f1Of(c: Confusion): number {
  return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
}

/** ROC-AUC as the Mann–Whitney U statistic: tied scores share their average rank. */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]] === scores[order[start]]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k]] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function classificationMetrics(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0.5): ClassificationMetrics {
  const c = confusionAt(labels, scores, threshold);
  const rows = labels.length;
  return {
    rows,
    positives: c.tp + c.fn,
    accuracy: ratio(c.tp + c.tn, rows),
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f1: f1Of(c),
    rocAuc: rocAuc(labels, scores),
    confusion: c,
  };
}

export interface CurvePoint { x: number; y: number; threshold: number }

/** Operating points at each distinct score, highest first: (tp, fp) counts after including it. */
function sweep(labels: ArrayLike<number>, scores: ArrayLike<number>): { tp: number; fp: number; threshold: number }[] {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const points: { tp: number; fp: number; threshold: number }[] = [];
  let tp = 0, fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (labels[order[k]] === 1) tp++;
    else fp++;
    if (k + 1 === order.length || scores[order[k + 1]] !== scores[order[k]]) points.push({ tp, fp, threshold: scores[order[k]] });
  }
  return points;
}

/** Keeps at most `max` points (evenly spaced, first and last kept) so charts stay small. */
function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, k) => points[Math.round(k * step)]);
}

/** ROC curve: x = false positive rate, y = true positive rate, from (0, 0) to (1, 1). */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>, maxPoints = 200): CurvePoint[] {
  let p = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) p++;
  const n = labels.length - p;
  const points = sweep(labels, scores).map((s) => ({ x: ratio(s.fp, n), y: ratio(s.tp, p), threshold: s.threshold }));
  return thin([{ x: 0, y: 0, threshold: Infinity }, ...points], maxPoints);
}

/** Precision–recall curve: x = recall, y = precision. */
export function prCurve(labels: ArrayLike<number>, scores: ArrayLike<number>, maxPoints = 200): CurvePoint[] {
  let p = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) p++;
  return thin(sweep(labels, scores).map((s) => ({ x: ratio(s.tp, p), y: ratio(s.tp, s.tp + s.fp), threshold: s.threshold })), maxPoints);
}
