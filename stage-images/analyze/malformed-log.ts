// malformed.jsonl.gz, written as rows are read (to a local file; published at the end), so the
// set-aside rows never collect in memory.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { SetAside } from '../../core/records/record.js';

export class MalformedLog {
  private readonly gzip = createGzip({ level: 6 });
  private readonly done: Promise<unknown>;
  count = 0;

  constructor(readonly path: string) {
    const file = createWriteStream(path);
    this.gzip.pipe(file);
    this.done = once(file, 'finish');
  }

  async add(row: SetAside): Promise<void> {
    this.count++;
    if (!this.gzip.write(JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)) + '\n')) await once(this.gzip, 'drain');
  }

  /** Finishes the file; returns how many rows it holds. */
  async close(): Promise<number> {
    this.gzip.end();
    await this.done;
    return this.count;
  }
}
