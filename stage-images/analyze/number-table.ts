// A compact hash map from non-negative integer keys (< 2^53) to small flag bytes, for per-row
// bookkeeping over millions of rows (duplicate fingerprints, ids seen). Open addressing with
// linear probing over a Float64Array of keys and a Uint8Array of values: about 18 bytes per
// entry at most half full, against ~80 for a Map<number, number> with 52-bit (boxed) keys.
// Hand-written because no well-kept npm package offers this for doubles and it is ~50 lines.
export class NumberTable {
  private keys: Float64Array; // key + 1; 0 marks an empty slot
  private values: Uint8Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.values = new Uint8Array(capacity);
    this.mask = capacity - 1;
  }

  private slot(key: number): number {
    const low = key >>> 0;
    const high = Math.floor(key / 4294967296) >>> 0;
    let i = (Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0) & this.mask;
    const stored = key + 1;
    while (this.keys[i] !== 0 && this.keys[i] !== stored) i = (i + 1) & this.mask;
    return i;
  }

  /** The flags stored for `key`, or undefined when it has never been set. */
  get(key: number): number | undefined {
    const i = this.slot(key);
    return this.keys[i] === 0 ? undefined : this.values[i];
  }

  has(key: number): boolean {
    return this.keys[this.slot(key)] !== 0;
  }

  /** Sets the flags (0..255) of `key`. */
  set(key: number, value = 1): void {
    if (!Number.isSafeInteger(key) || key < 0) throw new RangeError(`NumberTable keys are integers in 0..2^53-2, got ${key}`);
    let i = this.slot(key);
    if (this.keys[i] === 0) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.grow();
        i = this.slot(key);
      }
      this.keys[i] = key + 1;
      this.size++;
    }
    this.values[i] = value;
  }

  /** Every stored flags value (in no particular order). */
  *flags(): Generator<number> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== 0) yield this.values[i];
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Uint8Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === 0) continue;
      const j = this.slot(keys[i] - 1);
      this.keys[j] = keys[i];
      this.values[j] = values[i];
    }
  }
}
