// Stage 4 `merge`: real data (analyze) + filtered synthetic samples (filter) → final train /
// validation / test splits, as JSONL.gz and CSV, and split_report.json.
// Pass 1 over the real rows collects a seeded hash per group and stratum (split-assign.ts);
// pass 2 assigns each real row and remembers its group's split (a compact hash table);
// pass 3 streams the synthetic samples into their origin's split. No pass holds records.
import type { StageContext, StageDefinition, StageOutcome } from '../../core/stage/definition.js';
import { SPLITS, type BugRecord, type SplitName } from '../../core/records/record.js';
import { NumberTable, hash52, unitHash } from '../../core/collections/number-table.js';
import { StratumQuantiles, assign, type Cuts } from './split-assign.js';
import { SplitWriters } from './split-writers.js';
import { SplitTally } from './report.js';

export const DATASET_FILE = (split: SplitName) => `dataset/${split}.jsonl.gz`;
export const FILTERED = 'synthetic_filtered.jsonl.gz';
export const REPORT = 'split_report.json';
const SPLIT_BY_CODE: SplitName[] = ['train', 'validation', 'test'];

/** The stratum of a real row: its label and source. */
export const stratumOf = (r: BugRecord): string => `${r.label}|${r.source}`;

export const mergeStage: StageDefinition = {
  name: 'merge',
  description: 'Merges real and filtered synthetic data into stratified, seeded train/validation/test splits (JSONL.gz + CSV), synthetic samples in their origin\'s split',
  version: '1',
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
  const realTotal = await recordsIn(ctx, 'analyze', SPLITS.map(DATASET_FILE));

  let cuts: Map<string, Cuts> | undefined;
  if (!split.respectSourceSplits) {
    ctx.progress.phase('stratifying real rows (pass 1 of 3)', realTotal);
    const quantiles = new StratumQuantiles();
    for await (const { record } of realRows()) {
      quantiles.add(stratumOf(record), unitHash(split.seed, record.id));
      ctx.progress.tick();
    }
    cuts = quantiles.cuts(ratios);
  }

  const writers = new SplitWriters(ctx.scratchDir);
  const tally = new SplitTally();
  const groupSplit = new NumberTable(); // real id → index in SPLIT_BY_CODE
  ctx.progress.phase('writing real rows (pass 2 of 3)', realTotal);
  for await (const { record, file } of realRows()) {
    const target = cuts ? assign(unitHash(split.seed, record.id), cuts.get(stratumOf(record))!) : file;
    groupSplit.set(hash52(record.id), SPLIT_BY_CODE.indexOf(target));
    await writers.write({ ...record, split: target });
    tally.written(target, record.source, record.label, record.id);
    ctx.progress.tick();
  }

  if (ctx.spec.generation.enabled) {
    ctx.progress.phase('placing synthetic samples (pass 3 of 3)', await recordsIn(ctx, 'filter', [FILTERED]));
    let row = 0;
    for await (const record of ctx.inputs.records<BugRecord>('filter', FILTERED)) {
      tally.synthetic.read++;
      ctx.progress.tick();
      const code = record.origin_id === undefined ? undefined : groupSplit.get(hash52(record.origin_id));
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
      tally.written(target, record.source, record.label, record.origin_id!);
      tally.synthetic.written++;
      if (++row % 1000 === 0) ctx.signal.throwIfAborted();
    }
    if (tally.synthetic.withoutOrigin > 0) {
      ctx.log.warn({ withoutOrigin: tally.synthetic.withoutOrigin }, `${tally.synthetic.withoutOrigin} synthetic samples name an origin_id that is not in the real data; they were left out (the filter stage normally rejects them as unknown-origin)`);
    }
  }
  await writers.publish(ctx.outputs);

  const report = tally.report({ seed: split.seed, ratios, respectSourceSplits: split.respectSourceSplits, syntheticInEval: split.syntheticInEval }, cuts);
  await ctx.outputs.json(REPORT, report);
  if (report.leakage.groupsCrossingSplits > 0) {
    throw new Error(`${report.leakage.groupsCrossingSplits} groups (a real function and its synthetic variants) were written to more than one split; this is a bug in merge, please report it with split_report.json`);
  }
  const headline = tally.headline();
  ctx.log.info({ rows: report.rows }, headline);
  return {
    headline,
    counts: { ...report.rows, synthetic: report.synthetic.written, syntheticDropped: report.synthetic.droppedFromEval.validation + report.synthetic.droppedFromEval.test },
    summary: { rows: report.rows, syntheticWritten: report.synthetic.written, groupsCrossingSplits: report.leakage.groupsCrossingSplits },
  };
}

async function recordsIn(ctx: StageContext, stage: 'analyze' | 'filter', paths: string[]): Promise<number | undefined> {
  const manifest = await ctx.inputs.manifest(stage);
  let total = 0;
  for (const path of paths) {
    const records = manifest.files.find((f) => f.path === path)?.records;
    if (records === undefined) return undefined;
    total += records;
  }
  return total;
}
