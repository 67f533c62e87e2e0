import { describe, expect, it } from 'vitest';
import { BUG_TYPES } from '../../../api/v1alpha1/names.js';
import { budgetShare, planBatch, type PlanInput } from '../../../stage-images/generate/plan.js';
import { countPool, pickFromPool } from '../../../stage-images/generate/pool.js';
import type { BugRecord } from '../../../core/records/record.js';

const input = (over: Partial<PlanInput> = {}): PlanInput => ({ poolSize: 10, batches: 4, samplesPerBatch: 5, seed: 42, bugTypes: [...BUG_TYPES], ...over });

describe('batch plan', () => {
  it('batches are consecutive slices of one run-wide numbering', () => {
    const all = [0, 1, 2, 3].flatMap((k) => planBatch(input(), k));
    expect(all.map((s) => s.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
  it('the first pass over the pool uses every function once; the next pass cycles through it again', () => {
    const all = [0, 1, 2, 3].flatMap((k) => planBatch(input(), k));
    expect(new Set(all.slice(0, 10).map((s) => s.poolIndex)).size).toBe(10);
    expect(all.slice(10).map((s) => s.poolIndex)).toEqual(all.slice(0, 10).map((s) => s.poolIndex));
    expect(all.slice(10).every((s) => s.cycle === 1)).toBe(true);
  });
  it('the same origin gets a different bug type on its next pass; every type list holds each requested type once', () => {
    const all = [0, 1, 2, 3].flatMap((k) => planBatch(input(), k));
    for (let i = 0; i < 10; i++) expect(all[i + 10].bugTypes[0]).not.toBe(all[i].bugTypes[0]);
    for (const s of all) expect([...s.bugTypes].sort()).toEqual([...BUG_TYPES].sort());
  });
  it('is deterministic for a seed and changes with it', () => {
    expect(planBatch(input(), 2)).toEqual(planBatch(input(), 2));
    expect(planBatch(input({ seed: 7 }), 2).map((s) => s.poolIndex)).not.toEqual(planBatch(input(), 2).map((s) => s.poolIndex));
  });
  it('only the requested bug types are used', () => {
    const plan = planBatch(input({ bugTypes: ['double-free', 'missing-break'] }), 0);
    for (const s of plan) expect([...s.bugTypes].sort()).toEqual(['double-free', 'missing-break']);
  });
  it('refuses an empty pool and a batch out of range with a clear message', () => {
    expect(() => planBatch(input({ poolSize: 0 }), 0)).toThrow(/pool of clean functions is empty/);
    expect(() => planBatch(input(), 4)).toThrow(/outside 0..3/);
  });
  it('a run budget is shared out over the batches exactly', () => {
    expect(budgetShare(0, 4, 1)).toBeUndefined();
    const shares = [0, 1, 2, 3].map((k) => budgetShare(10, 4, k)!);
    expect(shares).toEqual([3, 3, 2, 2]);
    expect([0, 1, 2].map((k) => budgetShare(2, 3, k))).toEqual([1, 1, 0]);
  });
});

describe('pool', () => {
  const rec = (id: string, over: Partial<BugRecord> = {}): BugRecord => ({ id, func: `int ${id}(void) { return 0; }`, label: 0, lang: 'c', source: 'demo', ...over });
  const rows = [rec('a'), rec('b', { label: 1 }), rec('c', { lang: 'java' as never }), rec('d', { func: '  ' }), rec('e')];
  const source = { file: 'train' as const, records: () => (async function* () { yield* rows; })() };

  it('keeps clean C/Python functions only, in stream order, over several sources', async () => {
    expect(await countPool([source, source])).toEqual({ size: 4, tooLong: 0, notAdmitted: 0 });
    const picked = await pickFromPool([source, source], new Set([1, 2]));
    expect([...picked.entries()].map(([k, r]) => [k, r.id])).toEqual([[1, 'e'], [2, 'a']]);
  });

  it('leaves out functions longer than the filter keeps, and what the rules do not admit', async () => {
    const long = rec('long', { func: `int long(void)\n{\n${'    x++;\n'.repeat(40)}    return 0;\n}\n` }); // 3·40 + 11 tokens
    const withLong = { file: 'train' as const, records: () => (async function* () { yield* [...rows, long]; })() };
    expect(await countPool([withLong], { maxTokens: 100 })).toEqual({ size: 2, tooLong: 1, notAdmitted: 0 });
    expect(await countPool([withLong], { maxTokens: 1000, admits: (r) => r.id !== 'a' })).toEqual({ size: 2, tooLong: 0, notAdmitted: 1 });
  });
});
