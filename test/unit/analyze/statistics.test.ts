// Statistics on a fixture whose answers are counted by hand (see the comments).
import { describe, expect, it } from 'vitest';
import { DatasetStatistics, ReservoirDistribution } from '../../../stage-images/analyze/statistics.js';
import { headlineOf, summaryMarkdown } from '../../../stage-images/analyze/summary.js';
import type { BugRecord, SplitName } from '../../../core/records/record.js';

// R1: 37 chars, 4 lines, 13 tokens (int inc ( int x ) { return x + 1 ; })
const INC = 'int inc(int x)\n{\n    return x + 1;\n}\n';
// R2: R1 plus " /* add */" = 47 chars, 4 lines, 13 tokens; the same function once normalised
const INC_COMMENTED = 'int inc(int x)\n{\n    return x + 1; /* add */\n}\n';
// R3: 32 chars, 4 lines, 14 tokens (void f ( char * p ) { * p = 0 ; })
const ZERO = 'void f(char *p)\n{\n    *p = 0;\n}\n';
// R5: 26 chars, 2 lines, 11 tokens (def g ( a ) : return a [ 0 ])
const FIRST = 'def g(a):\n    return a[0]\n';

const rec = (id: string, split: SplitName, label: 0 | 1, project: string, func: string, lang: 'c' | 'python' = 'c'): BugRecord & { split: SplitName } =>
  ({ id, func, label, lang, source: 'codexglue', project, split });

const FIXTURE = [
  rec('r1', 'train', 1, 'FFmpeg', INC),
  rec('r2', 'train', 0, 'FFmpeg', INC_COMMENTED),
  rec('r3', 'validation', 1, 'qemu', ZERO),
  rec('r4', 'test', 0, 'qemu', INC),
  rec('r5', 'test', 1, 'qemu', FIRST, 'python'),
];

describe('DatasetStatistics on a hand-counted fixture', () => {
  const stats = new DatasetStatistics();
  for (const r of FIXTURE) stats.add(r);
  stats.addMalformed('bad-target');
  stats.addMalformed('bad-target');
  stats.addMalformed('missing-func');
  const a = stats.result();

  it('counts splits, labels, languages and projects', () => {
    expect([a.total, a.buggy, a.buggyShare]).toEqual([5, 3, 0.6]);
    expect(a.splits.train).toMatchObject({ count: 2, buggy: 1, clean: 1, buggyShare: 0.5, langs: { c: 2 } });
    expect(a.splits.validation).toMatchObject({ count: 1, buggy: 1, clean: 0, buggyShare: 1 });
    expect(a.splits.test).toMatchObject({ count: 2, buggy: 1, langs: { c: 1, python: 1 } });
    expect(a.projects).toEqual({ qemu: { count: 3, buggy: 2, buggyShare: 0.6667 }, FFmpeg: { count: 2, buggy: 1, buggyShare: 0.5 } });
    expect(Object.keys(a.projects)).toEqual(['qemu', 'FFmpeg']); // largest first
  });

  it('computes length percentiles by nearest rank (chars 26,32,37,37,47; lines 2,4,4,4,4; tokens 11,13,13,13,14)', () => {
    expect(a.overall.chars).toEqual({ count: 5, min: 26, mean: 35.8, p50: 37, p90: 47, p99: 47, max: 47 });
    expect(a.overall.lines).toEqual({ count: 5, min: 2, mean: 3.6, p50: 4, p90: 4, p99: 4, max: 4 });
    expect(a.overall.tokens).toEqual({ count: 5, min: 11, mean: 12.8, p50: 13, p90: 14, p99: 14, max: 14 });
    expect(a.splits.test.chars).toEqual({ count: 2, min: 26, mean: 31.5, p50: 26, p90: 37, p99: 37, max: 37 });
    expect(a.percentiles.exact).toBe(true);
  });

  it('finds exact duplicates (comments and layout ignored) within and across splits, and label conflicts', () => {
    expect(a.duplicates).toMatchObject({
      distinctFunctions: 3,
      withinSplit: { train: 1, validation: 0, test: 0 },
      acrossSplits: { 'train-validation': 0, 'train-test': 1, 'validation-test': 0 },
      conflictingLabels: 1,
    });
  });

  it('counts malformed rows per reason', () => {
    expect(a.malformed).toEqual({ total: 3, byReason: { 'bad-target': 2, 'missing-func': 1 } });
  });

  it('says it in a headline and a readable summary', () => {
    expect(headlineOf(a)).toBe('5 functions (60.0% buggy) · 3 splits · 3 malformed');
    const md = summaryMarkdown(a, 'fixture');
    expect(md).toContain('| train | 2 | 1 | 1 | 50.0% | c 2 |');
    expect(md).toContain('| characters | 37 | 47 | 47 | 47 | 35.8 |');
    expect(md).toContain('| shared by train and test | 1 |');
    expect(md).toContain('| bad-target | 2 |');
  });
});

describe('percentages in the headline and summary', () => {
  it('are rounded once, from the counts (910 of 2,020 is 45.0%, not 45.1% from the stored 0.4505)', () => {
    const stats = new DatasetStatistics();
    for (let i = 0; i < 2020; i++) stats.add(rec(`r${i}`, 'train', i < 910 ? 1 : 0, 'p', `int f${i}(void)\n{\n    return ${i};\n}\n`));
    const a = stats.result();
    expect(a.buggyShare).toBe(0.4505); // analysis.json keeps 4 digits
    expect(headlineOf(a)).toBe('2,020 functions (45.0% buggy) · 1 split · 0 malformed');
    expect(summaryMarkdown(a, 'fixture')).toContain('| train | 2,020 | 910 | 1,110 | 45.0% | c 2,020 |');
  });
});

describe('ReservoirDistribution', () => {
  it('is exact up to its capacity', () => {
    const d = new ReservoirDistribution(100);
    for (let i = 100; i >= 1; i--) d.add(i);
    expect(d.exact).toBe(true);
    expect(d.summary()).toEqual({ count: 100, min: 1, mean: 50.5, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('keeps exact min/max/mean and a fair sample beyond its capacity, with bounded memory', () => {
    const d = new ReservoirDistribution(1000);
    for (let i = 0; i < 100_000; i++) d.add(i % 1000); // uniform 0..999
    const s = d.summary();
    expect(d.exact).toBe(false);
    expect([s.count, s.min, s.max, s.mean]).toEqual([100_000, 0, 999, 499.5]);
    expect(Math.abs(s.p50 - 500)).toBeLessThan(60);
    expect(Math.abs(s.p90 - 900)).toBeLessThan(40);
  });
});
