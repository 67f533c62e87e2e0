// The test split's rows as evaluate needs them beside the features: who each row is (id, source,
// bug type, code), how rows pair up as twins, and the per-row predictions file built from them.
import type { BugRecord } from '../../core/records/record.js';
import type { RecordSource } from '../features/featurize.js';
import { assignPairs, type Pair } from './pairs.js';

export interface TestRow { id: string; label: 0 | 1; source: string; bugType?: string; originId?: string; func: string }

export interface TestRows { rows: TestRow[]; pairs: Pair[]; pairOf: (string | undefined)[] }

export async function readTestRows(test: RecordSource): Promise<TestRows> {
  const rows: TestRow[] = [];
  const pairing = [];
  for await (const r of test()) {
    rows.push({ id: r.id, label: r.label, source: r.source, ...(r.bug_type ? { bugType: r.bug_type } : {}), ...(r.origin_id ? { originId: r.origin_id } : {}), func: r.func });
    const pair = (r as BugRecord & { pair?: unknown }).pair;
    pairing.push({ id: r.id, label: r.label, synthetic: r.source === 'synthetic', ...(pair !== undefined && pair !== null ? { pair: String(pair) } : {}), ...(r.commit_id ? { commitId: r.commit_id } : {}), ...(r.origin_id ? { originId: r.origin_id } : {}) });
  }
  return { rows, ...assignPairs(pairing) };
}

/** One line of predictions.jsonl.gz. */
export interface PredictionRow {
  id: string; label: 0 | 1; source: string; pair: string | null; bug_type: string | null;
  scores: Record<string, number>; decisions: Record<string, 0 | 1>;
}

export function* predictionRows(t: TestRows, models: readonly { name: string; scores: ArrayLike<number>; decisions: ArrayLike<number> }[]): Generator<PredictionRow> {
  for (let i = 0; i < t.rows.length; i++) {
    const r = t.rows[i];
    yield {
      id: r.id, label: r.label, source: r.source, pair: t.pairOf[i] ?? null, bug_type: r.bugType ?? null,
      scores: Object.fromEntries(models.map((m) => [m.name, m.scores[i]])),
      decisions: Object.fromEntries(models.map((m) => [m.name, m.decisions[i] ? 1 : 0])) as Record<string, 0 | 1>,
    };
  }
}
