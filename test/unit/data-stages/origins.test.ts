// generate picks origins the later stages can use: within the filter's token budget, and — with
// generation.from: train — among the rows merge puts in train (so no mutant is dropped from
// validation/test), also for a data set that comes as a single file (everything "train").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeStage } from '../../../core/stage/runtime.js';
import type { BugRecord } from '../../../core/records/record.js';
import { countCodeTokens } from '../../../core/records/code-tokens.js';
import { readJson } from '../../../core/store/store.js';
import { unitDir } from '../../../core/stage/layout.js';
import { generateStage } from '../../../stage-images/generate/index.js';
import { filterStage, FILTERED } from '../../../stage-images/filter/index.js';
import { mergeStage, REPORT } from '../../../stage-images/merge/index.js';
import type { SplitReport } from '../../../stage-images/merge/report.js';
import { range, realRecord } from '../../support/data-stage-records.js';
import { publishUpstream, readOutput, runStage, silentLog, tempRun, type TestRun } from '../filter/helpers.js';

const MAX_TOKENS = 130;

describe('generate: origins the filter and merge can use', () => {
  let t: TestRun;
  let real: BugRecord[];
  let mutants: BugRecord[];
  let report: SplitReport;

  beforeAll(async () => {
    // one file: every row is "train" until merge re-splits 80/10/10
    t = await tempRun({ generation: { batches: 1, samplesPerBatch: 200, seed: 3, from: 'train' }, filtering: { maxTokens: MAX_TOKENS }, split: { seed: 42 } });
    real = [...range(0, 400, (i) => ({ ...realRecord(i), split: 'train' as const }))];
    await publishUpstream(t, 'analyze', { 'dataset/train.jsonl.gz': real, 'dataset/validation.jsonl.gz': [], 'dataset/test.jsonl.gz': [] });
    await executeStage(generateStage, { run: t.run, spec: t.spec, store: t.store, unit: 'batch-0000', log: silentLog });
    mutants = await readOutput<BugRecord>(t, 'generate', 'batch-0000.jsonl.gz', 'batch-0000');
    await runStage(t, filterStage);
    await runStage(t, mergeStage);
    report = await readJson<SplitReport>(t.store, `${unitDir(t.run, 'merge')}/${REPORT}`);
  }, 120_000);
  afterAll(() => t?.cleanup());

  it('the fixture has origins over the token budget to avoid', () => {
    const clean = real.filter((r) => r.label === 0);
    expect(clean.filter((r) => countCodeTokens(r.func, r.lang) > MAX_TOKENS).length).toBeGreaterThan(clean.length / 4);
  });

  it('picks no origin longer than filtering.maxTokens', () => {
    const byId = new Map(real.map((r) => [r.id, r]));
    expect(mutants.length).toBeGreaterThan(150);
    const over = mutants.filter((m) => { const o = byId.get(m.origin_id!)!; return countCodeTokens(o.func, o.lang) > MAX_TOKENS; });
    expect(over.map((m) => m.origin_id)).toEqual([]);
  });

  it('with from: train, every kept mutant lands in train: none dropped from validation or test', async () => {
    const kept = await readOutput<BugRecord>(t, 'filter', FILTERED);
    expect(kept.length).toBeGreaterThan(100);
    expect(report.synthetic.droppedFromEval).toEqual({ validation: 0, test: 0 });
    expect(report.synthetic.written).toBe(kept.length);
    expect(report.rows.validation + report.rows.test).toBeGreaterThan(60); // merge did re-split the single file
  });
});
