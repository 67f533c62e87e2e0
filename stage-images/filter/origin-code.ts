// The real functions' code, kept in a scratch file (not memory) so that the filter can look at
// an origin only when a sample needs it: the grammar's verdict on an origin matters only for a
// sample that has syntax issues of its own (then the origin's are tolerated), and those are a
// small share, so the filter parses those few origins instead of every real function.
// Memory: one write block, and per real function its offset and length in a typed-array table.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { NumberTable } from '../../core/collections/number-table.js';
import type { Lang } from '../../core/records/record.js';

const BLOCK_BYTES = 64 * 1024;
const HEAD_BYTES = 5; // u32 code length, u8 language
const LANGS: readonly Lang[] = ['c', 'python'];

export class OriginCode {
  private readonly fd: number;
  /** id key → offset in the file of the entry (its length, language, then the UTF-8 code) */
  private readonly where = new NumberTable();
  private readonly pending = Buffer.alloc(BLOCK_BYTES);
  private pendingBytes = 0;
  private flushedBytes = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w+');
  }

  /** Bytes of memory held (the table; the code is on disk). */
  get bytes(): number {
    return this.where.bytes + this.pending.byteLength;
  }

  add(key: number, code: string, lang: Lang): void {
    const code8 = Buffer.from(code, 'utf8');
    const entry = Buffer.allocUnsafe(HEAD_BYTES + code8.length);
    entry.writeUInt32LE(code8.length, 0);
    entry[4] = LANGS.indexOf(lang);
    code8.copy(entry, HEAD_BYTES);
    if (this.pendingBytes + entry.length > BLOCK_BYTES) this.flush();
    this.where.set(key, this.flushedBytes + this.pendingBytes);
    if (entry.length > BLOCK_BYTES) {
      writeSync(this.fd, entry, 0, entry.length, this.flushedBytes);
      this.flushedBytes += entry.length;
    } else {
      entry.copy(this.pending, this.pendingBytes);
      this.pendingBytes += entry.length;
    }
  }

  /** The code and language stored for a key, or undefined. */
  get(key: number): { code: string; lang: Lang } | undefined {
    const offset = this.where.get(key);
    if (offset === undefined) return undefined;
    if (offset >= this.flushedBytes) {
      const at = offset - this.flushedBytes;
      const end = at + HEAD_BYTES + this.pending.readUInt32LE(at);
      return { code: this.pending.toString('utf8', at + HEAD_BYTES, end), lang: LANGS[this.pending[at + 4]] };
    }
    const head = Buffer.alloc(HEAD_BYTES);
    readSync(this.fd, head, 0, HEAD_BYTES, offset);
    const out = Buffer.alloc(head.readUInt32LE(0));
    readSync(this.fd, out, 0, out.length, offset + HEAD_BYTES);
    return { code: out.toString('utf8'), lang: LANGS[head[4]] };
  }

  close(): void {
    closeSync(this.fd);
  }

  private flush(): void {
    writeSync(this.fd, this.pending, 0, this.pendingBytes, this.flushedBytes);
    this.flushedBytes += this.pendingBytes;
    this.pendingBytes = 0;
  }
}
