// Seeded randomness for weight init and shuffling (core/random.ts), seeded by training.seed.
export { mulberry32 as seededRandom, shuffleInPlace, type Random } from '../../core/random.js';
