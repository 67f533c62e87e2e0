// A gzip'd JSON Lines (or any text) file written one record at a time with backpressure: for a
// stage that fans one input stream out to several outputs, it writes them to ctx.scratchDir and
// hands each finished file to ctx.outputs.stream. Memory: one gzip window and one write buffer.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { INTERMEDIATE_GZIP_LEVEL } from './jsonl.js';

export class ScratchFileWriter {
  private readonly file: WriteStream;
  private readonly sink: Gzip | WriteStream;
  private failure: Error | undefined;
  private finished: Promise<void>;
  records = 0;

  constructor(readonly path: string, { gzip = true } = {}) {
    this.file = createWriteStream(path);
    this.sink = gzip ? createGzip({ level: INTERMEDIATE_GZIP_LEVEL }) : this.file;
    if (gzip) this.sink.pipe(this.file);
    const fail = (error: Error) => { this.failure ??= error; };
    this.sink.on('error', fail);
    this.file.on('error', fail);
    this.finished = new Promise((resolve, reject) => {
      this.file.once('close', () => (this.failure ? reject(this.failure) : resolve()));
      this.file.once('error', reject);
    });
    this.finished.catch(() => undefined);
  }

  /** Writes one line (the caller adds no newline); waits when the buffer is full. */
  async writeLine(line: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.records++;
    if (!this.sink.write(line + '\n')) await once(this.sink, 'drain');
  }

  /** Writes a block of whole lines (each ending in a newline) holding `records` records. */
  async writeBlock(text: string, records: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.records += records;
    if (!this.sink.write(text)) await once(this.sink, 'drain');
  }

  writeJson(value: unknown): Promise<void> {
    return this.writeLine(JSON.stringify(value));
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    this.sink.end();
    await this.finished;
  }

  /** The finished file as a stream (after close). */
  open(): Readable {
    return createReadStream(this.path);
  }
}
