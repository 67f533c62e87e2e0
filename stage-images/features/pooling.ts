// Pooling an encoder's last hidden state [batch, seq, hidden] into one vector per row.
export type Pooling = 'cls' | 'mean';

/** The pooled vector of row b: the first token ([CLS] / <s>), or the mean over attended tokens. */
export function poolRow(hidden: Float32Array, mask: ArrayLike<number | bigint>, b: number, seq: number, dim: number, pooling: Pooling): Float32Array {
  const out = new Float32Array(dim);
  const rowBase = b * seq * dim;
  if (pooling === 'cls') {
    out.set(hidden.subarray(rowBase, rowBase + dim));
    return out;
  }
  let count = 0;
  for (let t = 0; t < seq; t++) {
    if (Number(mask[b * seq + t]) === 0) continue;
    count++;
    const base = rowBase + t * dim;
    for (let j = 0; j < dim; j++) out[j] += hidden[base + j];
  }
  if (count > 0) for (let j = 0; j < dim; j++) out[j] /= count;
  return out;
}
