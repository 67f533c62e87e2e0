// Which samples a batch makes: a pure, seeded assignment of (origin function, bug type) pairs.
// Sample i (0-based over the whole run) takes the pool function at position perm[i mod N] of a
// seeded permutation of the pool, so batch k = samples k*S … (k+1)*S-1 cycles through the pool
// when it is smaller than batches × samplesPerBatch. Its assigned bug type rotates per origin and
// per cycle (the same origin gets a different type on each pass); the fallbacks, tried when the
// assigned type does not apply, follow in a seeded shuffle so no one type soaks them all up.
import type { BugType } from '../../api/v1alpha1/names.js';
import { hash32, permutation, seededRandom, shuffled } from './random.js';

export interface PlanInput {
  poolSize: number;
  batches: number;
  samplesPerBatch: number;
  seed: number;
  bugTypes: readonly BugType[];
}

export interface PlannedSample {
  /** Global sample number (0-based over the run); part of the sample's id. */
  index: number;
  /** Position of the origin function in the pool (stream order of the clean functions). */
  poolIndex: number;
  /** How many times the pool had been used up before this sample (0 on the first pass). */
  cycle: number;
  /** Bug types to try in order: the assigned one first, then the others (when an operator does not apply). */
  bugTypes: BugType[];
}

export function planBatch(input: PlanInput, batch: number): PlannedSample[] {
  const { poolSize, batches, samplesPerBatch: S, seed, bugTypes } = input;
  if (poolSize <= 0) throw new Error('the pool of clean functions is empty: nothing to generate from');
  if (!Number.isInteger(batch) || batch < 0 || batch >= batches) throw new Error(`batch ${batch} is outside 0..${batches - 1}`);
  if (bugTypes.length === 0) throw new Error('no bug types to inject');
  const perm = permutation(poolSize, seededRandom('generate-pool', seed));
  const samples: PlannedSample[] = [];
  for (let index = batch * S; index < (batch + 1) * S; index++) {
    const poolIndex = perm[index % poolSize];
    const cycle = Math.floor(index / poolSize);
    const start = (hash32('generate-type', seed, poolIndex) + cycle) % bugTypes.length;
    const fallbacks = shuffled([...bugTypes.slice(start + 1), ...bugTypes.slice(0, start)], seededRandom('generate-fallback', seed, index));
    samples.push({ index, poolIndex, cycle, bugTypes: [bugTypes[start], ...fallbacks] });
  }
  return samples;
}

/** The part of a per-run budget (0: unlimited → undefined) that batch k may spend; batches run as separate processes. */
export function budgetShare(total: number, batches: number, batch: number): number | undefined {
  if (total <= 0) return undefined;
  return Math.floor(total / batches) + (batch < total % batches ? 1 : 0);
}
