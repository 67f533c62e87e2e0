// Stage 4 `merge`: real data (analyze) + filtered synthetic samples (filter) → final train /
// validation / test splits, as JSONL.gz and CSV, and split_report.json.
// Real rows are split by group (split.groupBy): with `commit`, the rows sharing a commit_id (the
// functions of one commit, the clean and buggy versions of one function) form one group, so
// near-twins with opposite labels never straddle the train/test line; a row without a commit_id,
// or every row with `id`, is a group of its own. A synthetic sample follows its origin row.
// Pass 1 over the real rows gives each group a stratum — the label × source of the group's
// first-seen row (rows are read train, validation, test, in file order) — and collects one seeded
// hash per group and stratum (core/records/split-plan.ts, shared with generate), so the split sizes are exact in groups, within
// one group per stratum; pass 2 assigns each real row its group's split and remembers, per row,
// its split and group (compact hash tables of numeric hashes); pass 3 streams the synthetic
// samples into their origin's split. No pass holds records.
import type { StageContext, StageDefinition, StageOutcome } from '../../core/stage/definition.js';
import { SPLITS, type BugRecord, type SplitName } from '../../core/records/record.js';
import { NumberTable, hash52 } from '../../core/collections/number-table.js';
import { SplitPlan } from '../../core/records/split-plan.js';
import { SplitWriters } from './split-writers.js';
import { SplitTally } from './report.js';

export const DATASET_FILE = (split: SplitName) => `dataset/${split}.jsonl.gz`;
export const FILTERED = 'synthetic_filtered.jsonl.gz';
export const REPORT = 'split_report.json';
const SPLIT_BY_CODE: SplitName[] = ['train', 'validation', 'test'];

export { groupKeyOf, stratumOf } from '../../core/records/split-plan.js';

export const mergeStage: StageDefinition = {
  name: 'merge',
  description: 'Merges real and filtered synthetic data into stratified, seeded train/validation/test splits (JSONL.gz + CSV), synthetic samples in their origin\'s split',
  version: '2',
  reads: (spec) => (spec.generation.enabled ? [{ stage: 'analyze' }, { stage: 'filter' }] : [{ stage: 'analyze' }]),
  config: (spec) => ({ split: spec.split, synthetic: spec.generation.enabled }),
  run: runMerge,
};

async function runMerge(ctx: StageContext): Promise<StageOutcome> {
  const { split } = ctx.spec;
  const ratios = { train: split.train, validation: split.validation, test: split.test };
  const realRows = async function* () {
    for (const file of SPLITS) {
      for await (const record of ctx.inputs.records<BugRecord>('analyze', DATASET_FILE(file))) yield { record, file };
      ctx.signal.throwIfAborted();
    }
  };
  const realTotal = await ctx.inputs.recordCount('analyze', SPLITS.map(DATASET_FILE));

  const { groupBy } = split;
  if (!split.respectSourceSplits) ctx.progress.phase('stratifying real groups (pass 1 of 3)', realTotal);
  const plan = await SplitPlan.build(split.respectSourceSplits ? undefined : realRows(), split, () => ctx.progress.tick());
  const cuts = plan.strataCuts;

  const writers = new SplitWriters(ctx.scratchDir);
  const tally = new SplitTally();
  const rowSplit = new NumberTable(); // real id hash → index in SPLIT_BY_CODE
  const rowGroup = new NumberTable(); // real id hash → group hash (for the leakage check of synthetic samples)
  ctx.progress.phase('writing real rows (pass 2 of 3)', realTotal);
  for await (const row of realRows()) {
    const { record } = row;
    const { split: target, group } = plan.place(row);
    const id = hash52(record.id);
    rowSplit.set(id, SPLIT_BY_CODE.indexOf(target));
    rowGroup.set(id, group);
    await writers.write({ ...record, split: target });
    tally.written(target, record.source, record.label, group);
    ctx.progress.tick();
  }

  if (ctx.spec.generation.enabled) {
    ctx.progress.phase('placing synthetic samples (pass 3 of 3)', await ctx.inputs.recordCount('filter', [FILTERED]));
    let row = 0;
    for await (const record of ctx.inputs.records<BugRecord>('filter', FILTERED)) {
      tally.synthetic.read++;
      ctx.progress.tick();
      const origin = record.origin_id === undefined ? undefined : hash52(record.origin_id);
      const code = origin === undefined ? undefined : rowSplit.get(origin);
      if (code === undefined) {
        tally.synthetic.withoutOrigin++;
        continue;
      }
      const target = SPLIT_BY_CODE[code];
      if (target !== 'train' && !split.syntheticInEval) {
        tally.synthetic.droppedFromEval[target]++;
        continue;
      }
      await writers.write({ ...record, split: target });
      tally.written(target, record.source, record.label, rowGroup.get(origin!)!);
      tally.synthetic.written++;
      if (++row % 1000 === 0) ctx.signal.throwIfAborted();
    }
    if (tally.synthetic.withoutOrigin > 0) {
      ctx.log.warn({ withoutOrigin: tally.synthetic.withoutOrigin }, `${tally.synthetic.withoutOrigin} synthetic samples name an origin_id that is not in the real data; they were left out (the filter stage normally rejects them as unknown-origin)`);
    }
  }
  await writers.publish(ctx.outputs);

  const report = tally.report({ seed: split.seed, ratios, respectSourceSplits: split.respectSourceSplits, syntheticInEval: split.syntheticInEval, groupBy }, cuts);
  await ctx.outputs.json(REPORT, report);
  if (report.leakage.groupsCrossingSplits > 0) {
    if (split.respectSourceSplits) {
      // The data set's own split put rows of one group on both sides; respectSourceSplits keeps it as given.
      ctx.log.warn({ groupsCrossingSplits: report.leakage.groupsCrossingSplits, groupBy }, `${report.leakage.groupsCrossingSplits} groups (by ${groupBy}) straddle the data set's own splits, kept as given because of split.respectSourceSplits; leave it off to re-split by group`);
    } else {
      throw new Error(`${report.leakage.groupsCrossingSplits} groups (by ${groupBy}: real rows and the synthetic samples made from them) were written to more than one split; this is a bug in merge, please report it with split_report.json`);
    }
  }
  const headline = tally.headline();
  ctx.log.info({ rows: report.rows }, headline);
  return {
    headline,
    counts: { ...report.rows, synthetic: report.synthetic.written, syntheticDropped: report.synthetic.droppedFromEval.validation + report.synthetic.droppedFromEval.test },
    summary: { rows: report.rows, syntheticWritten: report.synthetic.written, groupsCrossingSplits: report.leakage.groupsCrossingSplits },
  };
}

