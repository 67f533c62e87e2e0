// The merge stage's six outputs (JSONL.gz and CSV per split), written side by side to scratch
// files as records stream through, then handed to the store. Rows are gathered per split and
// handed to the files in blocks of ~64 KiB (one zlib call and one CSV call per block, not per
// row); CSV through csv-stringify.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { StageOutputs } from '../../core/stage/definition.js';
import type { BugRecord, SplitName } from '../../core/records/record.js';
import { ScratchFileWriter } from '../../core/records/jsonl-file.js';
import { SPLIT_ORDER } from '../../core/records/split-assign.js';

/** Output base names: the contract with train and evaluate. */
export const FINAL_NAME: Record<SplitName, string> = { train: 'final_train', validation: 'final_val', test: 'final_test' };
export const CSV_COLUMNS = ['id', 'label', 'lang', 'source', 'project', 'commit_id', 'origin_id', 'bug_type', 'split', 'func'] as const;

const BLOCK_CHARS = 64 * 1024;

/** One split's two files and the rows gathered for the next block. */
class SplitFiles {
  readonly jsonl: ScratchFileWriter;
  readonly csv: ScratchFileWriter;
  private json = '';
  private csvRows: unknown[][] = [];
  private csvChars = 0;
  private header = true;
  records = 0;

  constructor(scratchDir: string, split: SplitName) {
    this.jsonl = new ScratchFileWriter(join(scratchDir, `${FINAL_NAME[split]}.jsonl.gz`));
    this.csv = new ScratchFileWriter(join(scratchDir, `${FINAL_NAME[split]}.csv`), { gzip: false });
  }

  async add(record: BugRecord): Promise<void> {
    this.records++;
    this.json += JSON.stringify(record) + '\n';
    this.csvRows.push(CSV_COLUMNS.map((column) => record[column] ?? ''));
    this.csvChars += record.func.length + 100;
    if (this.json.length >= BLOCK_CHARS || this.csvChars >= BLOCK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.json !== '') await this.jsonl.writeBlock(this.json, this.csvRows.length);
    if (this.csvRows.length > 0 || this.header) {
      await this.csv.writeBlock(stringify(this.csvRows, { header: this.header, columns: [...CSV_COLUMNS] }), this.csvRows.length);
      this.header = false;
    }
    this.json = '';
    this.csvRows = [];
    this.csvChars = 0;
  }
}

export class SplitWriters {
  private readonly files: Record<SplitName, SplitFiles>;

  constructor(scratchDir: string) {
    this.files = Object.fromEntries(SPLIT_ORDER.map((s) => [s, new SplitFiles(scratchDir, s)])) as Record<SplitName, SplitFiles>;
  }

  write(record: BugRecord & { split: SplitName }): Promise<void> {
    return this.files[record.split].add(record);
  }

  /** Closes the scratch files and publishes them as stage outputs. */
  async publish(outputs: StageOutputs): Promise<void> {
    for (const split of SPLIT_ORDER) {
      const files = this.files[split];
      await files.flush();
      await files.jsonl.close();
      await files.csv.close();
      await outputs.stream(`${FINAL_NAME[split]}.jsonl.gz`, files.jsonl.open(), files.records);
      await outputs.stream(`${FINAL_NAME[split]}.csv`, createReadStream(files.csv.path), files.records);
    }
  }
}
