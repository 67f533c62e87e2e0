// Seeded, stratified, exact-ratio split assignment without holding records.
//
// Each group (the real rows of one commit, or one real row — see split.groupBy — and the
// synthetic samples made from them) gets u = a seeded hash of its key in [0, 1). Within a stratum
// (label × source of the group's first-seen row) of n groups, the split sizes are fixed by the
// ratios (largest remainder, so they sum to n and are within one group of n·ratio); the groups
// with the smallest u go to train, the next to validation, the rest to test. The first pass keeps
// only u per group (8 bytes) to find the two cut points; the second pass assigns.
import type { SplitName } from './record.js';

export interface SplitRatios { train: number; validation: number; test: number }
export const SPLIT_ORDER: readonly SplitName[] = ['train', 'validation', 'test'];

/** Split sizes for n items: floor of each share, the remainder to the largest fractional parts (ties: train, validation, test). */
export function targetCounts(n: number, ratios: SplitRatios): Record<SplitName, number> {
  const sum = ratios.train + ratios.validation + ratios.test;
  if (!(sum > 0)) throw new Error('split ratios must sum to more than 0 (split.train + split.validation + split.test)');
  const exact = SPLIT_ORDER.map((s) => (n * ratios[s]) / sum);
  const counts = exact.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const byRemainder = [0, 1, 2].sort((a, b) => exact[b] - counts[b] - (exact[a] - counts[a]) || a - b);
  for (const i of byRemainder) {
    if (left === 0) break;
    counts[i]++;
    left--;
  }
  return { train: counts[0], validation: counts[1], test: counts[2] };
}

/** Cut points of one stratum: u < trainBelow → train; u < validationBelow → validation; else test. */
export interface Cuts { trainBelow: number; validationBelow: number; counts: Record<SplitName, number> }

/** Collects u values per stratum (a growable Float64Array each), then turns them into cut points. */
export class StratumQuantiles {
  private readonly values = new Map<string, { data: Float64Array; length: number }>();

  add(stratum: string, u: number): void {
    let entry = this.values.get(stratum);
    if (!entry) this.values.set(stratum, (entry = { data: new Float64Array(1024), length: 0 }));
    if (entry.length === entry.data.length) {
      const bigger = new Float64Array(entry.data.length * 2);
      bigger.set(entry.data);
      entry.data = bigger;
    }
    entry.data[entry.length++] = u;
  }

  get bytes(): number {
    let total = 0;
    for (const { data } of this.values.values()) total += data.byteLength;
    return total;
  }

  /** The cut points of every stratum seen; frees the collected values. */
  cuts(ratios: SplitRatios): Map<string, Cuts> {
    const out = new Map<string, Cuts>();
    for (const [stratum, { data, length }] of [...this.values].sort(([a], [b]) => a.localeCompare(b))) {
      const sorted = data.subarray(0, length).sort();
      const counts = targetCounts(length, ratios);
      const at = (k: number) => (k < length ? sorted[k] : Infinity);
      out.set(stratum, { trainBelow: at(counts.train), validationBelow: at(counts.train + counts.validation), counts });
    }
    this.values.clear();
    return out;
  }
}

export function assign(u: number, cuts: Cuts): SplitName {
  if (u < cuts.trainBelow) return 'train';
  if (u < cuts.validationBelow) return 'validation';
  return 'test';
}
