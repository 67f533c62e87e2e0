// Reading a split's records for training and evaluation: each row is checked (func a non-empty
// string, label 0 or 1); a bad row is set aside with its reason, once, however often the split
// is streamed (training reads a split more than once instead of holding it in memory).
import type { BugRecord, SetAside } from '../../core/records/record.js';

export type RowProblem = 'func is not a non-empty string' | 'label is not 0 or 1' | 'not a JSON object';

export function rowProblem(row: unknown): RowProblem | undefined {
  if (!row || typeof row !== 'object' || Array.isArray(row)) return 'not a JSON object';
  const r = row as Partial<BugRecord>;
  if (typeof r.func !== 'string' || r.func.trim() === '') return 'func is not a non-empty string';
  if (r.label !== 0 && r.label !== 1) return 'label is not 0 or 1';
  return undefined;
}

/** A re-openable stream of one split's valid records; set-aside rows are collected on the first pass. */
export class SplitRows {
  readonly setAside: SetAside[] = [];
  private opened = 0;
  constructor(readonly name: string, private readonly source: () => AsyncIterable<unknown>) {}

  async *open(): AsyncGenerator<BugRecord> {
    const first = this.opened++ === 0;
    let n = 0;
    for await (const row of this.source()) {
      n++;
      const problem = rowProblem(row);
      if (problem) {
        if (first) this.setAside.push({ reason: problem, where: `${this.name} row ${n}${(row as BugRecord)?.id ? ` (${(row as BugRecord).id})` : ''}`, record: row });
        continue;
      }
      yield row as BugRecord;
    }
  }
}

/** The merge stage's split files (the contract between merge and train / evaluate). */
export const MERGE_SPLIT_FILES = { train: 'final_train.jsonl.gz', validation: 'final_val.jsonl.gz', test: 'final_test.jsonl.gz' } as const;
