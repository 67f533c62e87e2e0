// The pool of clean (label 0) real functions to inject bugs into, read from analyze's published
// splits as a stream: one pass counts it, a second keeps only the functions a batch needs.
// A function is in the pool when it is clean C or Python, no longer than the filter will keep
// (filtering.maxTokens: a longer origin gives a sample the filter rejects as too long — with an
// LLM, paid tokens thrown away), and, with generation.from: train, one that merge will put in
// train (core/records/split-plan.ts), or its samples are dropped from validation and test.
import type { BugRecord, Lang, SplitName } from '../../core/records/record.js';
import { hasMoreTokensThan } from '../../core/records/code-tokens.js';

/** One of analyze's files: which split it is, and its records. */
export interface RecordSource { file: SplitName; records: () => AsyncIterable<BugRecord> }

export interface PoolRules {
  /** Origins with more code tokens are left out (filtering.maxTokens). */
  maxTokens?: number;
  /** Further rule, e.g. "merge puts it in train". */
  admits?: (record: BugRecord, file: SplitName) => boolean;
  /**
   * Decided beforehand, by each row's position over all the sources' rows (0-based): replaces every
   * other rule (no tokenizing, no hashing in the pass).
   */
  atRow?: (row: number) => boolean;
}

const LANGS: readonly Lang[] = ['c', 'python'];

/** Whether a real record can be an origin at all: clean, a supported language, a non-empty function. */
export const isPoolRecord = (r: BugRecord): boolean =>
  r.label === 0 && LANGS.includes(r.lang) && typeof r.func === 'string' && r.func.trim() !== '' && typeof r.id === 'string';

/** What one pass over the sources found. */
export interface PoolCount { size: number; tooLong: number; notAdmitted: number }

async function* scan(sources: readonly RecordSource[], rules: PoolRules, count?: PoolCount): AsyncGenerator<BugRecord> {
  let row = -1;
  for (const { file, records } of sources) {
    for await (const r of records()) {
      row++;
      if (rules.atRow) {
        if (!rules.atRow(row)) continue;
        if (count) count.size++;
        yield r;
        continue;
      }
      if (!isPoolRecord(r)) continue;
      if (rules.maxTokens !== undefined && hasMoreTokensThan(r.func, r.lang, rules.maxTokens)) {
        if (count) count.tooLong++;
        continue;
      }
      if (rules.admits && !rules.admits(r, file)) {
        if (count) count.notAdmitted++;
        continue;
      }
      if (count) count.size++;
      yield r;
    }
  }
}

/** Pool records in stream order, over the sources in order. */
export const poolRecords = (sources: readonly RecordSource[], rules: PoolRules = {}): AsyncGenerator<BugRecord> => scan(sources, rules);

export async function countPool(sources: readonly RecordSource[], rules: PoolRules = {}): Promise<PoolCount> {
  const count: PoolCount = { size: 0, tooLong: 0, notAdmitted: 0 };
  for await (const _ of scan(sources, rules, count)) { /* counted */ }
  return count;
}

/** The pool records at the wanted positions (stops reading once all are found). */
export async function pickFromPool(sources: readonly RecordSource[], wanted: ReadonlySet<number>, rules: PoolRules = {}): Promise<Map<number, BugRecord>> {
  const picked = new Map<number, BugRecord>();
  if (wanted.size === 0) return picked;
  let position = 0;
  for await (const r of poolRecords(sources, rules)) {
    if (wanted.has(position)) {
      picked.set(position, r);
      if (picked.size === wanted.size) break;
    }
    position++;
  }
  return picked;
}
