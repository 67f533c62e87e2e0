// Length bucketing: batches of similar length waste little on padding. Sort indices by length
// (stable), cut into batches; callers put results back by index, so order is restored.
export function lengthBuckets(lengths: readonly number[], batchSize: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

/** Padded positions a batching spends: sum over batches of (size × longest). */
export function paddedCost(lengths: readonly number[], batches: readonly number[][]): number {
  return batches.reduce((n, b) => n + b.length * Math.max(...b.map((i) => lengths[i])), 0);
}
