// Seeded randomness shared by every stage, bench and test: the same seed always gives the same
// stream, in every process and on every platform. Hand-written: mulberry32 is six lines and
// Math.random cannot be seeded.
import { createHash } from 'node:crypto';

export type Random = () => number;

/** mulberry32: a small, fast PRNG with good enough statistics for sampling, shuffling and init. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of the parts (sha256, first 4 bytes): stable across processes and platforms. */
export function hash32(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32LE(0);
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<A extends { length: number; [i: number]: unknown }>(array: A, random: Random): A {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = array[i];
    array[i] = array[j];
    array[j] = t;
  }
  return array;
}

/** A shuffled copy. */
export const shuffled = <T>(items: readonly T[], random: Random): T[] => shuffleInPlace([...items], random);

/** A seeded permutation of 0..n-1 as a compact array (4 bytes per entry: fine for millions). */
export function permutation(n: number, random: Random): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffleInPlace(out, random);
}
