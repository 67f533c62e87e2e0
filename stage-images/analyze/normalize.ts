// From one row of an input file (CodeXGLUE's {idx|id, func, target, project, commit_id} shape,
// from parquet, JSON Lines or CSV) to a BugRecord, or to a reason why the row cannot be used.
// Pure: no IO, so every rule is tested directly.
import type { BugRecord, Lang, SetAside, SplitName } from '../../core/records/record.js';
import { NumberTable } from '../../core/collections/number-table.js';

/** Why a row is set aside (malformed.jsonl.gz); analysis.json counts each. */
export const MALFORMED_REASONS = [
  'unparsable-line', // JSON that does not parse, a CSV line with the wrong number of fields
  'not-an-object', // a JSON value that is not an object (an array, a number, …)
  'missing-func', // no func field (or null)
  'empty-func', // func is only whitespace
  'missing-target', // no target field (or null)
  'bad-target', // target is not 0/1, true/false
  'bad-idx', // idx/id present but not a non-negative integer
  'wrong-type', // func, project, commit_id, lang or bug_type is not a string
  'unsupported-lang', // lang is neither c nor python
  'duplicate-id', // a second row with the same idx in the same split
] as const;
export type MalformedReason = (typeof MALFORMED_REASONS)[number];

export interface RowContext {
  split: SplitName;
  /** file:row, for the set-aside record and error messages */
  where: string;
  /** Id prefix and record source (dataset-name.ts): CodeXGLUE (cxg, codexglue), the demo set (demo, demo), or the data set's own name. */
  idPrefix: string;
  source: string;
  /** The id number to use when the row has no idx/id column (its position in the split). */
  fallbackIdx: number;
}

export type RowResult = { ok: true; record: BugRecord; idx: number } | { ok: false; reason: MalformedReason; setAside: SetAside };

const LANGS: readonly Lang[] = ['c', 'python'];

export const recordId = (prefix: string, split: SplitName, idx: number): string => `${prefix}-${split}-${String(idx).padStart(6, '0')}`;

function parseTarget(value: unknown): 0 | 1 | undefined {
  if (value === true || value === 1 || value === 1n) return 1;
  if (value === false || value === 0 || value === 0n) return 0;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === '1' || v === 'true') return 1;
    if (v === '0' || v === 'false') return 0;
  }
  return undefined;
}

function parseIdx(value: unknown): number | undefined {
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

const optionalString = (value: unknown): string | undefined | null =>
  value === undefined || value === null ? undefined : typeof value === 'string' ? value : null;

/** Maps one raw row; never throws. */
export function normalizeRow(row: unknown, ctx: RowContext): RowResult {
  const reject = (reason: MalformedReason, detail: string): RowResult =>
    ({ ok: false, reason, setAside: { reason, detail, where: ctx.where, record: row } });

  if (typeof row !== 'object' || row === null || Array.isArray(row)) return reject('not-an-object', `expected an object, got ${Array.isArray(row) ? 'an array' : row === null ? 'null' : typeof row}`);
  const r = row as Record<string, unknown>;

  if (r.func === undefined || r.func === null) return reject('missing-func', 'no func field');
  if (typeof r.func !== 'string') return reject('wrong-type', `func must be a string, got ${typeof r.func}`);
  if (r.func.trim() === '') return reject('empty-func', 'func is empty');

  if (r.target === undefined || r.target === null || r.target === '') return reject('missing-target', 'no target field');
  const label = parseTarget(r.target);
  if (label === undefined) return reject('bad-target', `target must be 0/1 or true/false, got ${JSON.stringify(typeof r.target === 'bigint' ? String(r.target) : r.target)}`);

  const rawIdx = r.idx ?? r.id;
  let idx = ctx.fallbackIdx;
  if (rawIdx !== undefined && rawIdx !== null && rawIdx !== '') {
    const parsed = parseIdx(rawIdx);
    if (parsed === undefined) return reject('bad-idx', `idx must be a non-negative integer, got ${JSON.stringify(typeof rawIdx === 'bigint' ? String(rawIdx) : rawIdx)}`);
    idx = parsed;
  }

  const project = optionalString(r.project);
  const commit = optionalString(r.commit_id);
  const lang = optionalString(r.lang);
  // bug_type: a data set that names the bug of its buggy rows (the demo set's injected bugs) keeps it, for evaluate's per-type figures
  const bugType = optionalString(r.bug_type);
  for (const [field, value] of [['project', project], ['commit_id', commit], ['lang', lang], ['bug_type', bugType]] as const) {
    if (value === null) return reject('wrong-type', `${field} must be a string, got ${typeof r[field]}`);
  }
  const langValue = (lang ?? 'c').toLowerCase();
  if (!LANGS.includes(langValue as Lang)) return reject('unsupported-lang', `lang must be one of ${LANGS.join(', ')}, got ${JSON.stringify(lang)}`);

  const record: BugRecord = {
    id: recordId(ctx.idPrefix, ctx.split, idx),
    func: r.func,
    label,
    lang: langValue as Lang,
    source: ctx.source,
    ...(project ? { project } : {}),
    ...(commit ? { commit_id: commit } : {}),
    ...(bugType && label === 1 ? { bug_type: bugType } : {}),
    split: ctx.split,
  };
  return { ok: true, record, idx };
}

/** Normalises the rows of a whole data set: numbers rows without an idx, and sets aside repeated ids. */
export class RowNormalizer {
  /** idx numbers seen per split (a compact table, not a set of id strings) */
  private readonly seenIdx = new Map<SplitName, NumberTable>();
  private readonly rowsInSplit = new Map<SplitName, number>();

  normalize(row: unknown, ctx: Omit<RowContext, 'fallbackIdx'>): RowResult {
    const position = this.rowsInSplit.get(ctx.split) ?? 0;
    this.rowsInSplit.set(ctx.split, position + 1);
    const result = normalizeRow(row, { ...ctx, fallbackIdx: position });
    if (!result.ok) return result;
    const seen = this.seenIdx.get(ctx.split) ?? new NumberTable(1024, 'uint8');
    this.seenIdx.set(ctx.split, seen);
    if (seen.has(result.idx)) {
      return { ok: false, reason: 'duplicate-id', setAside: { reason: 'duplicate-id', detail: `${result.record.id} appeared earlier in ${ctx.split}`, where: ctx.where, record: row } };
    }
    seen.set(result.idx);
    return result;
  }
}
