// One batch: tasks through the provider (in order, `provider.concurrency` at a time); synthetic
// records stream out, failures go to the sink, everything is tallied.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { BugRecord, SetAside } from '../../core/records/record.js';
import { mapOrdered } from './ordered.js';
import { failureRow, type Provider, type SampleTask } from './sample.js';
import type { Tally } from './tally.js';

export async function* generateBatch(
  tasks: Iterable<SampleTask> | AsyncIterable<SampleTask>,
  provider: Provider,
  tally: Tally,
  onFailure: (row: SetAside) => Promise<void> | void,
  onSample: () => void = () => undefined,
  signal?: AbortSignal,
): AsyncGenerator<BugRecord> {
  for await (const result of mapOrdered(tasks, provider.concurrency, (task) => provider.generate(task))) {
    signal?.throwIfAborted(); // SIGTERM: stop; the runtime publishes nothing of this attempt
    tally.add(result);
    onSample();
    if (result.ok) yield result.record;
    else await onFailure(failureRow(result.task, result.failure));
  }
}

/** Gzip'd JSON Lines written to a local file as they come (with backpressure). */
export class JsonLinesFile {
  private readonly gzip = createGzip({ level: 6 });
  private readonly file;
  count = 0;

  constructor(readonly path: string) {
    this.file = this.gzip.pipe(createWriteStream(path));
  }

  async write(row: unknown): Promise<void> {
    this.count++;
    if (!this.gzip.write(JSON.stringify(row) + '\n')) await once(this.gzip, 'drain');
  }

  async close(): Promise<void> {
    this.gzip.end();
    await finished(this.file);
  }
}
