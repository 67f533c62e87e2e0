// Stage 3 `filter`: keeps the good synthetic samples. Reads the real data set (analyze) once to
// index hashes of its functions, then streams every generation batch through the checks in
// judge.ts. Outputs: synthetic_filtered.jsonl.gz (kept, in batch and row order),
// rejected.jsonl.gz ({reason, detail, where, record} for every rejection), filter_report.json.
import { join } from 'node:path';
import type { StageContext, StageDefinition, StageOutcome } from '../../core/stage/definition.js';
import type { BugRecord } from '../../core/records/record.js';
import { SPLITS } from '../../core/records/record.js';
import { ScratchFileWriter } from '../../core/records/jsonl-file.js';
import { loadCodeParser } from '../../core/code/parse.js';
import { generationUnits } from '../../core/stage/graph.js';
import { SyntheticJudge, type FilterConfig } from './judge.js';
import { NearDuplicateIndex } from './near-duplicates.js';
import { OriginCode } from './origin-code.js';
import { FilterTally } from './report.js';

export const FILTERED = 'synthetic_filtered.jsonl.gz';
export const REJECTED = 'rejected.jsonl.gz';
export const REPORT = 'filter_report.json';
export const BATCH_FILE = (unit: string) => `${unit}.jsonl.gz`;
export const DATASET_FILE = (split: string) => `dataset/${split}.jsonl.gz`;

const configOf = (spec: StageContext['spec']): FilterConfig => {
  const { minLines, minChars, maxTokens, nearDuplicateThreshold, minhashPermutations } = spec.filtering;
  return { minLines, minChars, maxTokens, nearDuplicateThreshold, minhashPermutations };
};

export const filterStage: StageDefinition = {
  name: 'filter',
  description: 'Keeps only good synthetic samples: parses, one function, size and token limits, differs from its origin, no exact or near duplicates',
  version: '1',
  enabled: (spec) => spec.generation.enabled,
  reads: (spec) => [{ stage: 'analyze' }, { stage: 'generate', units: generationUnits(spec) }],
  config: (spec) => configOf(spec),
  run: runFilter,
};

async function runFilter(ctx: StageContext): Promise<StageOutcome> {
  const config = configOf(ctx.spec);
  const parser = await loadCodeParser();
  const nearDuplicatesOn = config.nearDuplicateThreshold < 1;
  const nearDuplicates = nearDuplicatesOn ? new NearDuplicateIndex(config.minhashPermutations, config.nearDuplicateThreshold, join(ctx.scratchDir, 'signatures.bin')) : undefined;
  const originCode = new OriginCode(join(ctx.scratchDir, 'origin-code.bin'));
  const judge = new SyntheticJudge(config, parser, originCode, nearDuplicates);
  const tally = new FilterTally();
  const rejected = new ScratchFileWriter(join(ctx.scratchDir, REJECTED));
  try {
    ctx.progress.phase('indexing real functions', await ctx.inputs.recordCount('analyze', SPLITS.map(DATASET_FILE)));
    for (const split of SPLITS) {
      for await (const record of ctx.inputs.records<BugRecord>('analyze', DATASET_FILE(split))) {
        judge.addReal(record);
        ctx.progress.tick();
      }
      ctx.signal.throwIfAborted();
    }
    ctx.log.info({ real: judge.realCount, indexBytes: judge.indexBytes }, `indexed ${judge.realCount} real functions`);

    const units = generationUnits(ctx.spec);
    const total = (await Promise.all(units.map((unit) => ctx.inputs.recordCount('generate', [BATCH_FILE(unit)], unit)))).reduce<number>((a, b) => a + (b ?? 0), 0);
    ctx.progress.phase('filtering synthetic samples', total || undefined);
    async function* kept(): AsyncGenerator<BugRecord> {
      for (const unit of units) {
        let row = 0;
        for await (const raw of ctx.inputs.records<unknown>('generate', BATCH_FILE(unit), unit)) {
          row++;
          const verdict = judge.judge(raw, `${unit} row ${row}`);
          tally.count(verdict, unit);
          ctx.progress.tick();
          if ('kept' in verdict) yield verdict.kept;
          else await rejected.writeJson(verdict.rejected);
          if (row % 1000 === 0) ctx.signal.throwIfAborted();
        }
      }
    }
    await ctx.outputs.records(FILTERED, kept());
    ctx.log.info({ indexBytes: judge.indexBytes, nearDuplicateIndexed: nearDuplicates?.size }, `indexes hold ${(judge.indexBytes / 2 ** 20).toFixed(1)} MiB of hashes (no code)`);
    await rejected.close();
    await ctx.outputs.stream(REJECTED, rejected.open(), rejected.records);
  } finally {
    nearDuplicates?.close();
    originCode.close();
  }

  const banding = nearDuplicates?.banding;
  const report = tally.report({
    realFunctionsIndexed: judge.realCount,
    nearDuplicates: banding ? { threshold: config.nearDuplicateThreshold, permutations: config.minhashPermutations, ...banding } : { off: 'filtering.nearDuplicateThreshold is 1' },
  });
  await ctx.outputs.json(REPORT, report);
  const headline = tally.headline();
  ctx.log.info({ report: { kept: report.kept, rejected: report.rejectedByReason } }, headline);
  return {
    headline,
    counts: { input: report.input, kept: report.kept, rejected: report.rejected },
    summary: { kept: report.kept, rejected: report.rejected, rejectedByReason: Object.fromEntries(Object.entries(report.rejectedByReason).filter(([, n]) => n > 0)) },
  };
}

