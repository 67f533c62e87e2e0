// The pool of clean (label 0) real functions to inject bugs into, read from analyze's published
// splits as a stream: one pass counts it, a second keeps only the functions a batch needs.
import type { BugRecord, Lang } from '../../core/records/record.js';

export type RecordSource = () => AsyncIterable<BugRecord>;

const LANGS: readonly Lang[] = ['c', 'python'];

/** Whether a real record can be an origin: clean, a supported language, a non-empty function. */
export const isPoolRecord = (r: BugRecord): boolean =>
  r.label === 0 && LANGS.includes(r.lang) && typeof r.func === 'string' && r.func.trim() !== '' && typeof r.id === 'string';

/** Pool records in stream order, over the sources in order. */
export async function* poolRecords(sources: readonly RecordSource[]): AsyncGenerator<BugRecord> {
  for (const source of sources) {
    for await (const r of source()) if (isPoolRecord(r)) yield r;
  }
}

export async function countPool(sources: readonly RecordSource[]): Promise<number> {
  let n = 0;
  for await (const _ of poolRecords(sources)) n++;
  return n;
}

/** The pool records at the wanted positions (stops reading once all are found). */
export async function pickFromPool(sources: readonly RecordSource[], wanted: ReadonlySet<number>): Promise<Map<number, BugRecord>> {
  const picked = new Map<number, BugRecord>();
  if (wanted.size === 0) return picked;
  let position = 0;
  for await (const r of poolRecords(sources)) {
    if (wanted.has(position)) {
      picked.set(position, r);
      if (picked.size === wanted.size) break;
    }
    position++;
  }
  return picked;
}
