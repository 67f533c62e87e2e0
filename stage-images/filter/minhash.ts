// MinHash over code-token shingles, and the LSH banding parameters for a Jaccard threshold.
// Pure functions over numbers. Hand-written because the few npm MinHash packages are unmaintained
// and hash strings per permutation; this hashes each shingle once and permutes 32-bit integers.
//
// A function's shingles are its runs of `shingleSize` consecutive code tokens; the Jaccard
// similarity of two functions is |A ∩ B| / |A ∪ B| over their shingle sets, and the share of
// permutations on which two signatures agree estimates it (standard error √(J(1−J)/k)).

/** murmur3's 32-bit finaliser: a fast, well-mixing bijection on 32-bit integers. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over a string's UTF-16 code units, finalised. */
export function hashToken(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** The hashes of a token list's shingles (runs of `size` tokens); one shingle when there are fewer tokens. */
export function shingleHashes(tokens: readonly string[], size = 3): Uint32Array {
  const tokenHashes = tokens.map(hashToken);
  const count = Math.max(1, tokenHashes.length - size + 1);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    let h = 0x9747b28c;
    for (let j = i; j < Math.min(i + size, tokenHashes.length); j++) h = fmix32(Math.imul(h ^ tokenHashes[j], 0x5bd1e995) + j - i);
    out[i] = h;
  }
  return out;
}

export class MinHasher {
  readonly permutations: number;
  private readonly multipliers: Uint32Array;
  private readonly offsets: Uint32Array;

  /** `permutations` hash functions h_i(x) = fmix32(a_i·x + b_i), a_i odd, drawn from `seed`. */
  constructor(permutations: number, seed = 1) {
    if (!Number.isInteger(permutations) || permutations < 1) throw new Error(`MinHash needs a positive number of permutations, got ${permutations}`);
    this.permutations = permutations;
    this.multipliers = new Uint32Array(permutations);
    this.offsets = new Uint32Array(permutations);
    let state = fmix32(seed >>> 0 || 0x12345678);
    const next = () => (state = fmix32(state + 0x9e3779b9));
    for (let i = 0; i < permutations; i++) {
      this.multipliers[i] = next() | 1;
      this.offsets[i] = next();
    }
  }

  /**
   * The signature of a shingle-hash set: per permutation, the minimum permuted value. Repeated
   * shingles can't change a minimum, so each distinct one is permuted once (a function repeats
   * ~30% of its shingles); one permutation at a time over all shingles keeps its constants and the
   * running minimum in registers (fmix32 inlined). Same values as permuting shingle by shingle.
   */
  signature(shingles: Uint32Array): Uint32Array {
    const k = this.permutations;
    const sig = new Uint32Array(k);
    const distinct = Uint32Array.from(new Set(shingles));
    const n = distinct.length;
    for (let i = 0; i < k; i++) {
      const a = this.multipliers[i];
      const b = this.offsets[i];
      let min = 0xffffffff;
      for (let s = 0; s < n; s++) {
        let h = (Math.imul(distinct[s], a) + b) | 0;
        h ^= h >>> 16;
        h = Math.imul(h, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        const v = h >>> 0;
        if (v < min) min = v;
      }
      sig[i] = min;
    }
    return sig;
  }
}

/** The share of positions where two signatures agree: the MinHash estimate of Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new Error(`signatures of different lengths (${a.length}, ${b.length})`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

export interface Banding { bands: number; rows: number }

/** Probability that LSH with this banding makes a pair of Jaccard similarity `j` a candidate. */
export const candidateProbability = (j: number, { bands, rows }: Banding): number => 1 - (1 - j ** rows) ** bands;

/**
 * The fewest bands (so the least memory and the fewest false candidates) whose banding still
 * makes a pair at the threshold a candidate with probability ≥ `recall`; every candidate is then
 * verified against the full signatures, so false candidates cost time, not correctness.
 */
export function bandingFor(permutations: number, threshold: number, recall = 0.99): Banding {
  for (let bands = 1; bands <= permutations; bands++) {
    const rows = Math.floor(permutations / bands);
    if (candidateProbability(threshold, { bands, rows }) >= recall) return { bands, rows };
  }
  return { bands: permutations, rows: 1 };
}
