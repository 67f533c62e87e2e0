// Fixed-size MinHash signatures (+ the record id) kept in a scratch file instead of memory:
// appended in order, read back by index when an LSH candidate must be verified (rare).
// The page cache makes those reads cheap; memory holds only one unflushed block.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const ID_BYTES = 126; // ids longer than this are cut in the stored copy (they only name the match in a rejection)
const BLOCK_ENTRIES = 1024;

export class SignatureSpill {
  private readonly fd: number;
  private readonly entryBytes: number;
  private readonly pending: Buffer;
  private pendingCount = 0;
  private flushed = 0;

  constructor(readonly path: string, readonly permutations: number) {
    this.fd = openSync(path, 'w+');
    this.entryBytes = permutations * 4 + 2 + ID_BYTES;
    this.pending = Buffer.alloc(this.entryBytes * BLOCK_ENTRIES);
  }

  get count(): number {
    return this.flushed + this.pendingCount;
  }

  /** Appends a signature and its record id; returns its index. */
  append(signature: Uint32Array, id: string): number {
    if (signature.length !== this.permutations) throw new Error(`signature has ${signature.length} values, expected ${this.permutations}`);
    const at = this.pendingCount * this.entryBytes;
    Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).copy(this.pending, at);
    const idBytes = Buffer.from(id, 'utf8').subarray(0, ID_BYTES);
    this.pending.writeUInt16LE(idBytes.length, at + this.permutations * 4);
    idBytes.copy(this.pending, at + this.permutations * 4 + 2);
    const index = this.count;
    if (++this.pendingCount === BLOCK_ENTRIES) this.flush();
    return index;
  }

  read(index: number): { signature: Uint32Array; id: string } {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) throw new Error(`no signature ${index} (have ${this.count})`);
    let entry: Buffer;
    if (index >= this.flushed) {
      const at = (index - this.flushed) * this.entryBytes;
      entry = this.pending.subarray(at, at + this.entryBytes);
    } else {
      entry = Buffer.alloc(this.entryBytes);
      readSync(this.fd, entry, 0, this.entryBytes, index * this.entryBytes);
    }
    const signature = new Uint32Array(this.permutations);
    Buffer.from(signature.buffer).set(entry.subarray(0, this.permutations * 4));
    const idLength = entry.readUInt16LE(this.permutations * 4);
    const id = entry.toString('utf8', this.permutations * 4 + 2, this.permutations * 4 + 2 + idLength);
    return { signature, id };
  }

  close(): void {
    closeSync(this.fd);
  }

  private flush(): void {
    writeSync(this.fd, this.pending, 0, this.pendingCount * this.entryBytes, this.flushed * this.entryBytes);
    this.flushed += this.pendingCount;
    this.pendingCount = 0;
  }
}
