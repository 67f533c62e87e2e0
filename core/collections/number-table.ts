// Compact hash tables for the data stages' per-row indexes (record id → code hash, split, …).
// Hand-written because a JS Map/Set with string keys costs ~80–100 bytes per entry; these use
// typed arrays (16 bytes per slot), which keeps an index over a million rows in tens of MB.
import { createHash } from 'node:crypto';

const EMPTY = 0;
const TWO_POW_48 = 2 ** 48;

/**
 * A 52-bit hash of a string as a safe integer (never 0, which marks an empty slot).
 * With 2 million keys the chance of any collision is below 0.05%.
 */
export function hash52(text: string): number {
  const digest = createHash('sha1').update(text).digest();
  const high = digest.readUIntBE(0, 6); // 48 bits
  const low = digest[6] >>> 4; // 4 more bits
  return high * 16 + low || 1;
}

/** A seeded hash of a string mapped to [0, 1) (48 bits of precision). */
export function unitHash(seed: number | string, text: string): number {
  const digest = createHash('sha1').update(`${seed}\u0000${text}`).digest();
  return digest.readUIntBE(0, 6) / TWO_POW_48;
}

/** Map from 52-bit integer keys (see hash52) to numbers; open addressing, linear probing, grows ×2 at 50% load. */
export class NumberTable {
  private keys: Float64Array;
  private values: Float64Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  get(key: number): number | undefined {
    const slot = this.find(key);
    return this.keys[slot] === EMPTY ? undefined : this.values[slot];
  }

  has(key: number): boolean {
    return this.keys[this.find(key)] !== EMPTY;
  }

  set(key: number, value: number): void {
    checkKey(key);
    const slot = this.find(key);
    if (this.keys[slot] === EMPTY) {
      this.keys[slot] = key;
      this.count++;
    }
    this.values[slot] = value;
    if (this.count * 2 > this.keys.length) this.grow();
  }

  /** Sets the value only when the key is absent; returns the value now stored. */
  setIfAbsent(key: number, value: number): number {
    const existing = this.get(key);
    if (existing !== undefined) return existing;
    this.set(key, value);
    return value;
  }

  private find(key: number): number {
    const mask = this.keys.length - 1;
    let slot = key % this.keys.length;
    while (this.keys[slot] !== EMPTY && this.keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Float64Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === EMPTY) continue;
      const slot = this.find(keys[i]);
      this.keys[slot] = keys[i];
      this.values[slot] = values[i];
    }
  }
}

function checkKey(key: number): void {
  if (!Number.isSafeInteger(key) || key <= 0) throw new Error(`NumberTable keys are positive safe integers (use hash52), got ${key}`);
}
