import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { mergeStage, REPORT } from '../../../stage-images/merge/index.js';
import { CSV_COLUMNS, FINAL_NAME } from '../../../stage-images/merge/split-writers.js';
import { targetCounts } from '../../../core/records/split-assign.js';
import type { SplitReport } from '../../../stage-images/merge/report.js';
import type { BugRecord, SplitName } from '../../../core/records/record.js';
import { readJson } from '../../../core/store/store.js';
import { unitDir } from '../../../core/stage/layout.js';
import { publishUpstream, readOutput, readOutputText, runStage, tempRun, type TestRun } from '../filter/helpers.js';
import { mulberry32 as random } from '../../../core/random.js';

const SPLITS: SplitName[] = ['train', 'validation', 'test'];


interface Data { real: Record<SplitName, BugRecord[]>; synthetic: BugRecord[] }

/** Random real rows (labels and sources mixed, spread over the source splits) and synthetic rows with random origins. */
function makeData(rand: () => number, nReal: number, nSynthetic: number): Data {
  const real: Data['real'] = { train: [], validation: [], test: [] };
  const all: BugRecord[] = [];
  for (let i = 0; i < nReal; i++) {
    const file = SPLITS[rand() < 0.7 ? 0 : rand() < 0.5 ? 1 : 2];
    const r: BugRecord = {
      id: `real-${i}`, func: `int f${i}(int a)\n{\n    return a + ${i};\n}\n`, label: rand() < 0.45 ? 1 : 0, lang: 'c',
      source: rand() < 0.8 ? 'codexglue' : 'demo', project: rand() < 0.5 ? 'FFmpeg' : 'qemu', commit_id: `c${i}`, split: file,
    };
    real[file].push(r);
    all.push(r);
  }
  const synthetic = Array.from({ length: nSynthetic }, (_, k) => {
    const origin = all[Math.floor(rand() * all.length)];
    return { id: `syn-${k}`, func: origin.func.replace('+', '-'), label: 1, lang: 'c', source: 'synthetic', project: origin.project, origin_id: origin.id, bug_type: 'operator-swap' } satisfies BugRecord;
  });
  return { real, synthetic };
}

/**
 * Real rows in commits of 1–4 rows with mixed labels (one source per commit), a few rows with no or
 * an empty commit_id, spread over the source splits at random (so commits straddle them), and
 * synthetic rows with random origins.
 */
function makeCommitData(rand: () => number, nCommits: number, nSynthetic: number): Data {
  const real: Data['real'] = { train: [], validation: [], test: [] };
  const all: BugRecord[] = [];
  let i = 0;
  const add = (commit: string | undefined, source: string) => {
    const file = SPLITS[rand() < 0.7 ? 0 : rand() < 0.5 ? 1 : 2];
    const r: BugRecord = {
      id: `real-${i}`, func: `int f${i}(int a)\n{\n    return a + ${i};\n}\n`, label: rand() < 0.45 ? 1 : 0, lang: 'c',
      source, project: 'FFmpeg', ...(commit === undefined ? {} : { commit_id: commit }), split: file,
    };
    i++;
    real[file].push(r);
    all.push(r);
  };
  for (let c = 0; c < nCommits; c++) {
    const source = rand() < 0.8 ? 'codexglue' : 'demo';
    const size = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < size; k++) add(`commit-${c}`, source);
    if (rand() < 0.1) add(rand() < 0.5 ? undefined : '', source);
  }
  const synthetic = Array.from({ length: nSynthetic }, (_, k) => {
    const origin = all[Math.floor(rand() * all.length)];
    return { id: `syn-${k}`, func: origin.func.replace('+', '-'), label: 1, lang: 'c', source: 'synthetic', project: origin.project, origin_id: origin.id, bug_type: 'operator-swap' } satisfies BugRecord;
  });
  return { real, synthetic };
}

const groupOf = (r: BugRecord) => (r.commit_id ? `commit:${r.commit_id}` : r.id);

async function publish(t: TestRun, data: Data): Promise<void> {
  await publishUpstream(t, 'analyze', Object.fromEntries(SPLITS.map((s) => [`dataset/${s}.jsonl.gz`, data.real[s]])));
  if (t.spec.generation.enabled) await publishUpstream(t, 'filter', { 'synthetic_filtered.jsonl.gz': data.synthetic });
}

async function outputs(t: TestRun): Promise<Record<SplitName, BugRecord[]>> {
  const out = {} as Record<SplitName, BugRecord[]>;
  for (const s of SPLITS) out[s] = await readOutput<BugRecord>(t, 'merge', `${FINAL_NAME[s]}.jsonl.gz`);
  return out;
}

const report = (t: TestRun) => readJson<SplitReport>(t.store, `${unitDir(t.run, 'merge')}/${REPORT}`);

describe('targetCounts', () => {
  it('sums to n and stays within one row of each share', () => {
    for (const n of [0, 1, 2, 3, 7, 10, 99, 1001]) {
      for (const ratios of [{ train: 0.8, validation: 0.1, test: 0.1 }, { train: 0.6, validation: 0.2, test: 0.2 }, { train: 1, validation: 0, test: 0 }, { train: 0.34, validation: 0.33, test: 0.33 }]) {
        const counts = targetCounts(n, ratios);
        expect(counts.train + counts.validation + counts.test).toBe(n);
        for (const s of SPLITS) expect(Math.abs(counts[s] - n * ratios[s])).toBeLessThan(1);
      }
    }
    expect(targetCounts(10, { train: 0.8, validation: 0.1, test: 0.1 })).toEqual({ train: 8, validation: 1, test: 1 });
  });
});

describe('merge stage', () => {
  let t: TestRun;
  afterEach(() => t?.cleanup());

  it('splits every label × source stratum by the ratios, within one row', async () => {
    t = await tempRun({ split: { train: 0.7, validation: 0.15, test: 0.15, seed: 3 } });
    const data = makeData(random(1), 1200, 0);
    await publish(t, data);
    await runStage(t, mergeStage);
    const out = await outputs(t);
    const strata = new Map<string, Record<SplitName, number>>();
    for (const s of SPLITS) {
      for (const r of out[s]) {
        expect(r.split).toBe(s);
        const key = `${r.label}|${r.source}`;
        const c = strata.get(key) ?? { train: 0, validation: 0, test: 0 };
        c[s]++;
        strata.set(key, c);
      }
    }
    expect(strata.size).toBe(4);
    for (const [key, c] of strata) {
      const n = c.train + c.validation + c.test;
      expect(Math.abs(c.train - 0.7 * n), key).toBeLessThanOrEqual(1);
      expect(Math.abs(c.validation - 0.15 * n), key).toBeLessThanOrEqual(1);
      expect(Math.abs(c.test - 0.15 * n), key).toBeLessThanOrEqual(1);
    }
    // label balance is the same in every split (stratification), not left to chance
    const positives = (rows: BugRecord[]) => rows.filter((r) => r.label === 1).length / rows.length;
    const overall = positives(SPLITS.flatMap((s) => out[s]));
    for (const s of SPLITS) expect(Math.abs(positives(out[s]) - overall), s).toBeLessThan(0.01);
    const r = await report(t);
    expect(r.strata).toEqual(Object.fromEntries([...strata].sort(([a], [b]) => a.localeCompare(b))));
    expect(r.rows.train + r.rows.validation + r.rows.test).toBe(1200);
  });

  it('is reproducible: the same seed gives identical files, another seed another split', async () => {
    t = await tempRun({ split: { seed: 42 } });
    const data = makeData(random(2), 400, 300);
    await publish(t, data);
    const first = await runStage(t, mergeStage);
    const again = await runStage(t, mergeStage, true);
    expect(again.status).toBe('succeeded');
    expect(again.manifest.files).toEqual(first.manifest.files); // sizes and sha256 of every output

    const other = await tempRun({ split: { seed: 43 } });
    try {
      await publish(other, data);
      const different = await runStage(other, mergeStage);
      const sha = (m: typeof first.manifest, path: string) => m.files.find((f) => f.path === path)!.sha256;
      expect(sha(different.manifest, 'final_test.jsonl.gz')).not.toBe(sha(first.manifest, 'final_test.jsonl.gz'));
    } finally {
      await other.cleanup();
    }
  });

  it('never puts a synthetic sample in another split than its origin (random data, many seeds)', async () => {
    for (let trial = 0; trial < 6; trial++) {
      const rand = random(100 + trial);
      const train = 0.4 + rand() * 0.5;
      const validation = (1 - train) * rand();
      t = await tempRun({ split: { train, validation, test: 1 - train - validation, seed: trial, syntheticInEval: true } });
      const data = makeData(rand, 50 + Math.floor(rand() * 300), Math.floor(rand() * 400));
      await publish(t, data);
      await runStage(t, mergeStage);
      const out = await outputs(t);
      const splitOf = new Map<string, SplitName>();
      for (const s of SPLITS) for (const r of out[s]) if (r.source !== 'synthetic') splitOf.set(r.id, s);
      let synthetic = 0;
      for (const s of SPLITS) {
        for (const r of out[s]) {
          if (r.source !== 'synthetic') continue;
          synthetic++;
          expect(splitOf.get(r.origin_id!), `trial ${trial}: ${r.id} from ${r.origin_id}`).toBe(s);
        }
      }
      expect(synthetic).toBe(data.synthetic.length);
      expect((await report(t)).leakage.groupsCrossingSplits).toBe(0);
      await t.cleanup();
    }
  });

  it('keeps validation and test real-only by default, counting the synthetic samples it drops', async () => {
    t = await tempRun({ split: { seed: 5 } });
    const data = makeData(random(3), 300, 500);
    await publish(t, data);
    const result = await runStage(t, mergeStage);
    const out = await outputs(t);
    expect(out.validation.concat(out.test).filter((r) => r.source === 'synthetic')).toEqual([]);
    const realSplit = new Map(SPLITS.flatMap((s) => out[s].map((r) => [r.id, s] as const)));
    const expectedDropped = { validation: 0, test: 0 };
    for (const r of data.synthetic) {
      const s = realSplit.get(r.origin_id!)!;
      if (s !== 'train') expectedDropped[s]++;
    }
    const r = await report(t);
    expect(r.synthetic.droppedFromEval).toEqual(expectedDropped);
    expect(expectedDropped.validation + expectedDropped.test).toBeGreaterThan(0);
    expect(r.synthetic.written).toBe(500 - expectedDropped.validation - expectedDropped.test);
    expect(out.train.filter((x) => x.source === 'synthetic')).toHaveLength(r.synthetic.written);
    expect(r.counts.train.synthetic['1']).toBe(r.synthetic.written);
    expect(result.manifest.headline).toMatch(/dropped from validation\/test; 0 groups cross splits$/);
  });

  it('puts the rows sharing a commit_id in one split, and their synthetic samples with them (groupBy commit, the default)', async () => {
    for (let trial = 0; trial < 4; trial++) {
      const rand = random(200 + trial);
      t = await tempRun({ split: { seed: trial, syntheticInEval: true } });
      const data = makeCommitData(rand, 100 + Math.floor(rand() * 300), 300);
      await publish(t, data);
      const result = await runStage(t, mergeStage);
      const out = await outputs(t);
      const groupSplit = new Map<string, SplitName>();
      const rowSplit = new Map<string, SplitName>();
      for (const s of SPLITS) {
        for (const r of out[s]) {
          if (r.source === 'synthetic') continue;
          const g = groupOf(r);
          expect(groupSplit.get(g) ?? s, `trial ${trial}: ${r.id} of ${g}`).toBe(s);
          groupSplit.set(g, s);
          rowSplit.set(r.id, s);
        }
      }
      const realRows = SPLITS.reduce((a, s) => a + data.real[s].length, 0);
      expect(rowSplit.size).toBe(realRows);
      expect(groupSplit.size).toBeLessThan(realRows);
      for (const s of SPLITS) for (const r of out[s]) if (r.source === 'synthetic') expect(rowSplit.get(r.origin_id!)).toBe(s);
      const r = await report(t);
      expect(r.groupBy).toBe('commit');
      expect(r.leakage).toEqual({ groupBy: 'commit', groups: groupSplit.size, groupsCrossingSplits: 0 });
      expect(result.manifest.headline).toMatch(/; 0 groups cross splits$/);
      await t.cleanup();
    }
  });

  it('splits the groups of every stratum (label × source of a group\'s first-seen row) by the ratios, within one group', async () => {
    t = await tempRun({ split: { train: 0.7, validation: 0.15, test: 0.15, seed: 9 }, generation: { enabled: false } });
    const data = makeCommitData(random(7), 1500, 0);
    await publish(t, data);
    await runStage(t, mergeStage);
    const out = await outputs(t);
    const splitOf = new Map(SPLITS.flatMap((s) => out[s].map((r) => [groupOf(r), s] as const)));
    const stratumOf = new Map<string, string>();
    for (const s of SPLITS) for (const r of data.real[s]) if (!stratumOf.has(groupOf(r))) stratumOf.set(groupOf(r), `${r.label}|${r.source}`);
    const strata = new Map<string, Record<SplitName, number>>();
    for (const [group, stratum] of stratumOf) {
      const c = strata.get(stratum) ?? { train: 0, validation: 0, test: 0 };
      c[splitOf.get(group)!]++;
      strata.set(stratum, c);
    }
    expect(strata.size).toBe(4);
    for (const [key, c] of strata) {
      const n = c.train + c.validation + c.test;
      expect(Math.abs(c.train - 0.7 * n), key).toBeLessThanOrEqual(1);
      expect(Math.abs(c.validation - 0.15 * n), key).toBeLessThanOrEqual(1);
      expect(Math.abs(c.test - 0.15 * n), key).toBeLessThanOrEqual(1);
    }
    const r = await report(t);
    expect(r.strata).toEqual(Object.fromEntries([...strata].sort(([a], [b]) => a.localeCompare(b))));
    // in rows the ratios hold only roughly (groups are 1–4 rows), and so does the label balance
    const total = SPLITS.reduce((a, s) => a + out[s].length, 0);
    expect(Math.abs(out.train.length / total - 0.7)).toBeLessThan(0.03);
    const positives = (rows: BugRecord[]) => rows.filter((x) => x.label === 1).length / rows.length;
    for (const s of SPLITS) expect(Math.abs(positives(out[s]) - positives(SPLITS.flatMap((x) => out[x]))), s).toBeLessThan(0.05);
  });

  it('splits row by row with groupBy id, as before: commits straddle splits, every stratum exact within one row', async () => {
    t = await tempRun({ split: { train: 0.6, validation: 0.2, test: 0.2, seed: 4, groupBy: 'id' }, generation: { enabled: false } });
    const data = makeCommitData(random(8), 500, 0);
    await publish(t, data);
    await runStage(t, mergeStage);
    const out = await outputs(t);
    const commitSplits = new Map<string, Set<SplitName>>();
    const strata = new Map<string, Record<SplitName, number>>();
    for (const s of SPLITS) {
      for (const r of out[s]) {
        if (r.commit_id) commitSplits.set(r.commit_id, (commitSplits.get(r.commit_id) ?? new Set()).add(s));
        const c = strata.get(`${r.label}|${r.source}`) ?? { train: 0, validation: 0, test: 0 };
        c[s]++;
        strata.set(`${r.label}|${r.source}`, c);
      }
    }
    expect([...commitSplits.values()].filter((set) => set.size > 1).length).toBeGreaterThan(10);
    for (const [key, c] of strata) {
      const n = c.train + c.validation + c.test;
      expect(c, key).toEqual(targetCounts(n, { train: 0.6, validation: 0.2, test: 0.2 }));
    }
    const r = await report(t);
    const rows = SPLITS.reduce((a, s) => a + out[s].length, 0);
    expect(r.leakage).toEqual({ groupBy: 'id', groups: rows, groupsCrossingSplits: 0 });
  });

  it('keeps the data set\'s own splits with respectSourceSplits, reporting the commits they put on both sides', async () => {
    t = await tempRun({ split: { respectSourceSplits: true }, generation: { enabled: false } });
    const data = makeCommitData(random(9), 200, 0);
    await publish(t, data);
    const result = await runStage(t, mergeStage);
    expect(result.status).toBe('succeeded');
    const out = await outputs(t);
    for (const s of SPLITS) expect(out[s].map((r) => r.id)).toEqual(data.real[s].map((r) => r.id));
    const commitSplits = new Map<string, Set<SplitName>>();
    for (const s of SPLITS) for (const r of data.real[s]) if (r.commit_id) commitSplits.set(r.commit_id, (commitSplits.get(r.commit_id) ?? new Set()).add(s));
    const straddling = [...commitSplits.values()].filter((set) => set.size > 1).length;
    expect(straddling).toBeGreaterThan(0);
    expect((await report(t)).leakage.groupsCrossingSplits).toBe(straddling);
  });

  it('keeps the data set\'s own splits with respectSourceSplits', async () => {
    t = await tempRun({ split: { respectSourceSplits: true }, generation: { enabled: false } });
    const data = makeData(random(4), 200, 0);
    await publish(t, data);
    await runStage(t, mergeStage);
    const out = await outputs(t);
    for (const s of SPLITS) expect(out[s].map((r) => r.id)).toEqual(data.real[s].map((r) => r.id));
    expect((await report(t)).strata).toBeUndefined();
  });

  it('writes CSVs with a header and the same rows as the JSONL, awkward code included', async () => {
    t = await tempRun({ split: { respectSourceSplits: true }, generation: { enabled: false } });
    const awkward: BugRecord = { id: 'real-awkward', func: 'void f(void)\n{\n    printf("a, \\"b\\"\\n");\n}\n', label: 1, lang: 'c', source: 'codexglue', project: 'FFmpeg', split: 'train' };
    const data = makeData(random(5), 20, 0);
    data.real.train.push(awkward, ...data.real.validation, ...data.real.test); // all in train, kept there
    data.real.validation = [];
    data.real.test = [];
    await publish(t, data);
    await runStage(t, mergeStage);
    const rows = parse(await readOutputText(t, 'merge', 'final_train.csv'), { columns: true }) as Record<string, string>[];
    const jsonl = await readOutput<BugRecord>(t, 'merge', 'final_train.jsonl.gz');
    expect(Object.keys(rows[0])).toEqual([...CSV_COLUMNS]);
    expect(rows.map((r) => r.id)).toEqual(jsonl.map((r) => r.id));
    const row = rows.find((r) => r.id === 'real-awkward')!;
    expect(row.func).toBe(awkward.func);
    expect(row).toMatchObject({ label: '1', lang: 'c', source: 'codexglue', project: 'FFmpeg', split: 'train', origin_id: '' });
    expect(parse(await readOutputText(t, 'merge', 'final_test.csv'), { columns: true })).toEqual([]);
    expect(await readOutputText(t, 'merge', 'final_test.csv')).toBe(`${CSV_COLUMNS.join(',')}\n`);
  });
});
