// Compact hash tables for the data stages' per-row indexes over millions of rows (record id →
// code hash, split, duplicate fingerprints, ids seen). A Map/Set with string or 52-bit (boxed)
// keys costs ~80–100 bytes per entry; this table keeps keys in a Float64Array and values in a
// Float64Array (numbers) or a Uint8Array (flag bytes): 16 or 9 bytes per slot, at most half
// full. Hand-written because no well-kept npm package offers an open-addressing map over
// doubles, and it is ~80 lines.
import { createHash } from 'node:crypto';

const TWO_POW_48 = 2 ** 48;
/** The largest key a NumberTable holds (keys are stored as key + 1, 0 marks an empty slot). */
export const MAX_NUMBER_TABLE_KEY = 2 ** 53 - 2;

/**
 * A 52-bit hash of a string as a safe integer (never 0, which marks an empty slot): two
 * multiply-xorshift lanes over the UTF-16 code units (cyrb53's scheme), no cryptography — a table
 * key, not a digest. With 2 million keys the chance of any collision is below 0.05%.
 */
export function hash52(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 & 0xfffff) * 2 ** 32 + (h1 >>> 0) || 1;
}

/** A seeded hash of a string mapped to [0, 1) (48 bits of precision; sha1, so splits stay what they were). */
export function unitHash(seed: number | string, text: string): number {
  const digest = createHash('sha1').update(`${seed}\u0000${text}`).digest();
  return digest.readUIntBE(0, 6) / TWO_POW_48;
}

/** What a table's values are: any number (`float64`), or a flag byte 0..255 (`uint8`). */
export type NumberTableValues = 'float64' | 'uint8';

/**
 * Map from integer keys in 0..2^53-2 (row numbers, or hashes from hash52) to numbers.
 * Open addressing with linear probing over a mixed hash (sequential keys spread out too);
 * grows ×2 before it would be more than half full.
 */
export class NumberTable {
  private keys: Float64Array; // key + 1; 0 marks an empty slot
  private vals: Float64Array | Uint8Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024, readonly valueKind: NumberTableValues = 'float64') {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.vals = this.valueArray(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.vals.byteLength;
  }

  /** The value stored for `key`, or undefined when it has never been set. */
  get(key: number): number | undefined {
    const i = this.slot(key);
    return this.keys[i] === 0 ? undefined : this.vals[i];
  }

  has(key: number): boolean {
    return this.keys[this.slot(key)] !== 0;
  }

  /** Sets the value of `key` (default 1: "seen"). */
  set(key: number, value = 1): void {
    if (!Number.isSafeInteger(key) || key < 0 || key > MAX_NUMBER_TABLE_KEY) {
      throw new RangeError(`NumberTable keys are integers in 0..2^53-2 (use hash52 for strings), got ${key}`);
    }
    if (this.valueKind === 'uint8' && !(Number.isInteger(value) && value >= 0 && value <= 255)) {
      throw new RangeError(`this NumberTable holds flag bytes 0..255, got ${value}`);
    }
    let i = this.slot(key);
    if (this.keys[i] === 0) {
      if ((this.count + 1) * 2 > this.keys.length) {
        this.grow();
        i = this.slot(key);
      }
      this.keys[i] = key + 1;
      this.count++;
    }
    this.vals[i] = value;
  }

  /** Sets the value only when the key is absent; returns the value now stored. */
  setIfAbsent(key: number, value: number): number {
    const existing = this.get(key);
    if (existing !== undefined) return existing;
    this.set(key, value);
    return value;
  }

  /** Every stored value (in no particular order). */
  *values(): Generator<number> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== 0) yield this.vals[i];
  }

  private valueArray(capacity: number): Float64Array | Uint8Array {
    return this.valueKind === 'uint8' ? new Uint8Array(capacity) : new Float64Array(capacity);
  }

  private slot(key: number): number {
    const low = key >>> 0;
    const high = Math.floor(key / 4294967296) >>> 0;
    let i = (Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0) & this.mask;
    const stored = key + 1;
    while (this.keys[i] !== 0 && this.keys[i] !== stored) i = (i + 1) & this.mask;
    return i;
  }

  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.vals = this.valueArray(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === 0) continue;
      const j = this.slot(keys[i] - 1);
      this.keys[j] = keys[i];
      this.vals[j] = vals[i];
    }
  }
}
