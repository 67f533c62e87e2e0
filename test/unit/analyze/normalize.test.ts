import { describe, expect, it } from 'vitest';
import { normalizeRow, RowNormalizer, type RowContext } from '../../../stage-images/analyze/normalize.js';
import { C_FUNCTIONS } from '../../fixtures/analyze/functions.js';

const ctx: RowContext = { split: 'train', where: 'train.jsonl:7', idPrefix: 'cxg', source: 'codexglue', fallbackIdx: 99 };
const good = { idx: 12, func: C_FUNCTIONS.readTag, target: 1, project: 'FFmpeg', commit_id: 'a1b2c3' };

describe('normalizeRow', () => {
  it('maps a CodeXGLUE row to a record', () => {
    expect(normalizeRow(good, ctx)).toEqual({
      ok: true,
      record: { id: 'cxg-train-000012', func: good.func, label: 1, lang: 'c', source: 'codexglue', project: 'FFmpeg', commit_id: 'a1b2c3', split: 'train' },
      idx: 12,
    });
  });

  it('takes target as bool, 0/1, "0"/"1", "true"/"false", and id (hub parquet) as well as idx', () => {
    const label = (target: unknown) => {
      const r = normalizeRow({ ...good, target }, ctx);
      return r.ok ? r.record.label : r.reason;
    };
    expect([true, false, 1, 0, '1', '0', 'true', 'FALSE', 1n].map(label)).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1]);
    const { idx: _, ...noIdx } = good;
    const byId = normalizeRow({ ...noIdx, id: 7 }, ctx);
    expect(byId.ok && byId.record.id).toBe('cxg-train-000007');
    const byCsvIdx = normalizeRow({ ...good, idx: '31' }, ctx);
    expect(byCsvIdx.ok && byCsvIdx.record.id).toBe('cxg-train-000031');
    const fallback = normalizeRow(noIdx, ctx);
    expect(fallback.ok && fallback.record.id).toBe('cxg-train-000099');
  });

  it('reads lang (python) and uses the demo prefix and source', () => {
    const r = normalizeRow({ ...good, lang: 'python', func: 'def f():\n    return 1\n' }, { ...ctx, idPrefix: 'demo', source: 'demo', split: 'test' });
    expect(r.ok && [r.record.id, r.record.lang, r.record.source, r.record.split]).toEqual(['demo-test-000012', 'python', 'demo', 'test']);
  });

  it('keeps a buggy row\'s bug_type (the demo set names its injected bugs), not a clean row\'s, and refuses a non-string one', () => {
    const buggy = normalizeRow({ ...good, bug_type: 'off-by-one' }, ctx);
    expect(buggy.ok && buggy.record.bug_type).toBe('off-by-one');
    const clean = normalizeRow({ ...good, target: 0, bug_type: 'off-by-one' }, ctx);
    expect(clean.ok && 'bug_type' in clean.record).toBe(false);
    const bad = normalizeRow({ ...good, bug_type: 3 }, ctx);
    expect(bad.ok ? 'kept' : bad.reason).toBe('wrong-type');
  });

  it.each([
    ['not-an-object', [1, 2]],
    ['not-an-object', 'just a string'],
    ['not-an-object', null],
    ['missing-func', { ...good, func: undefined }],
    ['missing-func', { ...good, func: null }],
    ['wrong-type', { ...good, func: 42 }],
    ['empty-func', { ...good, func: '  \n\t' }],
    ['missing-target', { ...good, target: undefined }],
    ['missing-target', { ...good, target: '' }],
    ['bad-target', { ...good, target: 2 }],
    ['bad-target', { ...good, target: 'yes' }],
    ['bad-idx', { ...good, idx: -1 }],
    ['bad-idx', { ...good, idx: 'abc' }],
    ['bad-idx', { ...good, idx: 1.5 }],
    ['wrong-type', { ...good, project: 7 }],
    ['wrong-type', { ...good, commit_id: ['x'] }],
    ['unsupported-lang', { ...good, lang: 'java' }],
  ] as const)('sets aside %s: %j', (reason, row) => {
    const r = normalizeRow(row, ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(reason);
    expect(r.setAside).toMatchObject({ reason, where: 'train.jsonl:7', record: row });
    expect(r.setAside.detail).toBeTruthy();
  });
});

describe('RowNormalizer', () => {
  it('numbers rows without idx by their place in the split and sets aside a repeated id', () => {
    const n = new RowNormalizer();
    const { idx: _, ...noIdx } = good;
    const at = (split: 'train' | 'test', where: string) => ({ split, where, idPrefix: 'cxg' as const, source: 'codexglue' as const });
    const a = n.normalize(noIdx, at('train', 'f:1'));
    const b = n.normalize(noIdx, at('train', 'f:2'));
    const c = n.normalize(noIdx, at('test', 'g:1'));
    expect([a, b, c].map((r) => r.ok && r.record.id)).toEqual(['cxg-train-000000', 'cxg-train-000001', 'cxg-test-000000']);
    expect(n.normalize({ ...good, idx: 5 }, at('train', 'f:3')).ok).toBe(true);
    const again = n.normalize({ ...good, idx: 5 }, at('train', 'f:4'));
    expect(again.ok ? 'kept' : [again.reason, again.setAside.where]).toEqual(['duplicate-id', 'f:4']);
    expect(n.normalize({ ...good, idx: 5 }, at('test', 'g:2')).ok).toBe(true); // ids are per split
  });
});
