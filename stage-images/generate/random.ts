// Seeded randomness for generation: a stream per (seed, batch, …) parts, from core/random.ts.
import { hash32, mulberry32, type Random } from '../../core/random.js';

export { hash32, mulberry32, permutation, shuffled, type Random } from '../../core/random.js';

export const seededRandom = (...parts: (string | number)[]): Random => mulberry32(hash32(...parts));
