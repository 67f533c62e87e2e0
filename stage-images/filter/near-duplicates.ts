// Near-duplicate detection: MinHash signatures + LSH banding, candidates verified on the full
// signature. Memory per indexed sample: its band keys in a typed-array table (~10–20 bytes per
// band); the signatures themselves live in a scratch file (signature-spill.ts), never the code.
import { SignatureSpill } from './signature-spill.js';
import { bandingFor, estimateJaccard, fmix32, type Banding } from './minhash.js';

export interface NearDuplicateMatch { index: number; id: string; similarity: number }

/**
 * Band key → sample index, open addressing with linear probing; a key may be stored many
 * times (one per sample in that bucket), and a lookup walks the probe run collecting them.
 */
class BandTable {
  private keys = new Uint32Array(1 << 12);
  private values = new Int32Array(1 << 12); // sample index + 1; 0 = empty
  private used = 0;

  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  add(key: number, index: number): void {
    if ((this.used + 1) * 4 > this.keys.length * 3) this.grow();
    this.place(key, index + 1);
    this.used++;
  }

  /** Calls `visit` with each sample index stored under `key`; stops when it returns true. */
  forEach(key: number, visit: (index: number) => boolean): void {
    const mask = this.keys.length - 1;
    for (let slot = key & mask; this.values[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.keys[slot] === key && visit(this.values[slot] - 1)) return;
    }
  }

  private place(key: number, value: number): void {
    const mask = this.keys.length - 1;
    let slot = key & mask;
    while (this.values[slot] !== 0) slot = (slot + 1) & mask;
    this.keys[slot] = key;
    this.values[slot] = value;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.values = new Int32Array(values.length * 2);
    for (let i = 0; i < keys.length; i++) if (values[i] !== 0) this.place(keys[i], values[i]);
  }
}

export class NearDuplicateIndex {
  readonly banding: Banding;
  private readonly table = new BandTable();
  private readonly spill: SignatureSpill;

  /**
   * @param threshold Jaccard similarity at or above which two samples are near duplicates.
   * @param spillPath a scratch file for the signatures.
   */
  constructor(readonly permutations: number, readonly threshold: number, spillPath: string) {
    this.banding = bandingFor(permutations, threshold);
    this.spill = new SignatureSpill(spillPath, permutations);
  }

  get size(): number {
    return this.spill.count;
  }

  /** Bytes of memory held by the band table (signatures are on disk). */
  get bytes(): number {
    return this.table.bytes;
  }

  /** The first indexed sample (in indexing order) at or above the threshold, if any. */
  findMatch(signature: Uint32Array): NearDuplicateMatch | undefined {
    const seen = new Set<number>();
    let best: NearDuplicateMatch | undefined;
    const keys = this.bandKeys(signature);
    for (const key of keys) {
      this.table.forEach(key, (index) => {
        if (seen.has(index) || (best && index > best.index)) return false;
        seen.add(index);
        const stored = this.spill.read(index);
        const similarity = estimateJaccard(signature, stored.signature);
        if (similarity >= this.threshold) best = { index, id: stored.id, similarity };
        return false;
      });
    }
    return best;
  }

  add(signature: Uint32Array, id: string): number {
    const index = this.spill.append(signature, id);
    for (const key of this.bandKeys(signature)) this.table.add(key, index);
    return index;
  }

  close(): void {
    this.spill.close();
  }

  private bandKeys(signature: Uint32Array): Uint32Array {
    const { bands, rows } = this.banding;
    const keys = new Uint32Array(bands);
    for (let b = 0; b < bands; b++) {
      let h = fmix32(b + 0x51ed27);
      for (let r = b * rows; r < (b + 1) * rows; r++) h = fmix32(Math.imul(h, 0x01000193) ^ signature[r]);
      keys[b] = h;
    }
    return keys;
  }
}
