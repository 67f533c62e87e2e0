// The decision threshold, chosen on validation: the cut between two validation scores that gives
// the highest validation accuracy (ties: the one nearest 0.5). With too few validation rows, or one
// class only, the choice would be noise: 0.5 is kept and the model says so.
export interface ThresholdChoice {
  threshold: number;
  from: 'validation accuracy' | 'default (no validation rows)' | 'default (validation too small or one class)';
}

/** Fewer validation rows than this keep the default threshold. */
export const MIN_VALIDATION_ROWS = 20;

export function chooseThreshold(labels: ArrayLike<number>, scores: ArrayLike<number>): ThresholdChoice {
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i];
  if (n < MIN_VALIDATION_ROWS || positives === 0 || positives === n) return { threshold: 0.5, from: 'default (validation too small or one class)' };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // threshold below every score: all predicted buggy, correct = positives
  let correct = positives;
  let best = { correct, threshold: scores[order[0]], distance: Math.abs(scores[order[0]] - 0.5) };
  for (let k = 0; k < n; k++) {
    // moving the cut above order[k]: that row becomes predicted clean
    correct += labels[order[k]] === 1 ? -1 : 1;
    if (k + 1 < n && scores[order[k + 1]] === scores[order[k]]) continue;
    const threshold = k + 1 < n ? (scores[order[k]] + scores[order[k + 1]]) / 2 : scores[order[k]] + 1e-6;
    const distance = Math.abs(threshold - 0.5);
    if (correct > best.correct || (correct === best.correct && distance < best.distance)) best = { correct, threshold, distance };
  }
  return { threshold: best.threshold, from: 'validation accuracy' };
}
