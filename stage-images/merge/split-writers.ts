// The merge stage's six outputs (JSONL.gz and CSV per split), written side by side to scratch
// files as records stream through, then handed to the store. CSV through csv-stringify's stream.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';
import type { StageOutputs } from '../../core/stage/definition.js';
import type { BugRecord, SplitName } from '../../core/records/record.js';
import { ScratchFileWriter } from '../../core/records/jsonl-file.js';
import { SPLIT_ORDER } from './split-assign.js';

/** Output base names: the contract with train and evaluate. */
export const FINAL_NAME: Record<SplitName, string> = { train: 'final_train', validation: 'final_val', test: 'final_test' };
export const CSV_COLUMNS = ['id', 'label', 'lang', 'source', 'project', 'commit_id', 'origin_id', 'bug_type', 'split', 'func'] as const;

class CsvScratchWriter {
  private readonly csv: Stringifier;
  private readonly done: Promise<void>;
  records = 0;

  constructor(readonly path: string) {
    this.csv = stringify({ header: true, columns: [...CSV_COLUMNS] });
    const file = createWriteStream(path);
    this.csv.pipe(file);
    this.done = finished(file);
    this.done.catch(() => undefined);
  }

  async write(record: BugRecord): Promise<void> {
    this.records++;
    const row = CSV_COLUMNS.map((column) => record[column] ?? '');
    if (!this.csv.write(row)) await Promise.race([once(this.csv, 'drain'), this.done]);
  }

  async close(): Promise<void> {
    this.csv.end();
    await this.done;
  }
}

export class SplitWriters {
  private readonly jsonl: Record<SplitName, ScratchFileWriter>;
  private readonly csv: Record<SplitName, CsvScratchWriter>;

  constructor(scratchDir: string) {
    this.jsonl = Object.fromEntries(SPLIT_ORDER.map((s) => [s, new ScratchFileWriter(join(scratchDir, `${FINAL_NAME[s]}.jsonl.gz`))])) as Record<SplitName, ScratchFileWriter>;
    this.csv = Object.fromEntries(SPLIT_ORDER.map((s) => [s, new CsvScratchWriter(join(scratchDir, `${FINAL_NAME[s]}.csv`))])) as Record<SplitName, CsvScratchWriter>;
  }

  async write(record: BugRecord & { split: SplitName }): Promise<void> {
    await this.jsonl[record.split].writeJson(record);
    await this.csv[record.split].write(record);
  }

  /** Closes the scratch files and publishes them as stage outputs. */
  async publish(outputs: StageOutputs): Promise<void> {
    for (const split of SPLIT_ORDER) {
      const jsonl = this.jsonl[split];
      const csv = this.csv[split];
      await jsonl.close();
      await csv.close();
      await outputs.stream(`${FINAL_NAME[split]}.jsonl.gz`, jsonl.open(), jsonl.records);
      await outputs.stream(`${FINAL_NAME[split]}.csv`, createReadStream(csv.path), csv.records);
    }
  }
}
