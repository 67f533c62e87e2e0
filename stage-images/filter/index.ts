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
import { mapInOrder } from '../../core/collections/map-in-order.js';
import { usableCpus } from '../../core/stage/cpus.js';
import { SampleFactsPool } from './facts-pool.js';
import { SyntheticJudge, malformation, type FilterConfig } from './judge.js';
import { NearDuplicateIndex } from './near-duplicates.js';
import { OriginCode } from './origin-code.js';
import { FilterTally } from './report.js';

export const FILTERED = 'synthetic_filtered.jsonl.gz';
export const REJECTED = 'rejected.jsonl.gz';
export const REPORT = 'filter_report.json';
export const BATCH_FILE = (unit: string) => `${unit}.jsonl.gz`;
export const DATASET_FILE = (split: string) => `dataset/${split}.jsonl.gz`;
/** Rows (real + synthetic) below which the filter stays on one thread (a worker costs ~0.1 CPU-s to start). */
export const POOL_MIN_ROWS = 10_000;
/** Worker threads at most (each holds ~40 MiB; a Pod with no CPU limit would otherwise take one per node core). */
const POOL_MAX_WORKERS = 8;
/** Rows sent to a worker at once. */
const POOL_BATCH = 256;

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

/** A synthetic row as read, with where it came from. */
interface Sample { raw: unknown; where: string; unit: string }

/**
 * Each item with its facts from the pool, in order, two batches per worker in flight; without a
 * pool, with none (the judge computes them).
 */
async function* withFacts<T, F>(
  source: AsyncIterable<T>,
  pool: SampleFactsPool | undefined,
  fromPool: (pool: SampleFactsPool, batch: T[]) => Promise<F[]>,
): AsyncGenerator<[T, F | undefined]> {
  if (pool) yield* mapInOrder(source, POOL_BATCH, 2 * pool.size, (batch) => fromPool(pool, batch));
  else for await (const item of source) yield [item, undefined];
}

async function runFilter(ctx: StageContext): Promise<StageOutcome> {
  const config = configOf(ctx.spec);
  const parser = await loadCodeParser();
  const nearDuplicatesOn = config.nearDuplicateThreshold < 1;
  const nearDuplicates = nearDuplicatesOn ? new NearDuplicateIndex(config.minhashPermutations, config.nearDuplicateThreshold, join(ctx.scratchDir, 'signatures.bin')) : undefined;
  const originCode = new OriginCode(join(ctx.scratchDir, 'origin-code.bin'));
  const judge = new SyntheticJudge(config, parser, originCode, nearDuplicates);
  const tally = new FilterTally();
  const rejected = new ScratchFileWriter(join(ctx.scratchDir, REJECTED));
  let pool: SampleFactsPool | undefined;
  try {
    const units = generationUnits(ctx.spec);
    const total = (await Promise.all(units.map((unit) => ctx.inputs.recordCount('generate', [BATCH_FILE(unit)], unit)))).reduce<number>((a, b) => a + (b ?? 0), 0);
    const realTotal = await ctx.inputs.recordCount('analyze', SPLITS.map(DATASET_FILE));
    // The parse-heavy facts on worker threads when the stage may use more than one CPU and there are
    // enough rows to repay starting them (each loads tree-sitter); the indexes and checks stay in
    // order here. BUGFORGE_WORKERS, when set, is used whatever the count (tests and benchmarks).
    const cpus = Math.min(usableCpus(), POOL_MAX_WORKERS);
    const wanted = cpus > 1 && ((realTotal ?? 0) + total >= POOL_MIN_ROWS || process.env.BUGFORGE_WORKERS !== undefined);
    pool = wanted ? new SampleFactsPool(cpus, config, nearDuplicatesOn) : undefined;
    if (pool) ctx.log.info({ workers: pool.size }, `computing facts on ${pool.size} worker threads`);

    ctx.progress.phase('indexing real functions', realTotal);
    for (const split of SPLITS) {
      const real = ctx.inputs.records<BugRecord>('analyze', DATASET_FILE(split));
      for await (const [record, facts] of withFacts(real, pool, (p, batch) => p.realFacts(batch))) {
        judge.addReal(record, facts);
        ctx.progress.tick();
      }
      ctx.signal.throwIfAborted();
    }
    ctx.log.info({ real: judge.realCount, indexBytes: judge.indexBytes }, `indexed ${judge.realCount} real functions`);

    ctx.progress.phase('filtering synthetic samples', total || undefined);
    async function* samples(): AsyncGenerator<Sample> {
      for (const unit of units) {
        let row = 0;
        for await (const raw of ctx.inputs.records<unknown>('generate', BATCH_FILE(unit), unit)) yield { raw, where: `${unit} row ${++row}`, unit };
      }
    }
    const sampleFacts = (p: SampleFactsPool, batch: Sample[]) => p.facts(batch.map(({ raw }) => (malformation(raw) ? null : (raw as BugRecord))));
    async function* kept(): AsyncGenerator<BugRecord> {
      let n = 0;
      for await (const [{ raw, where, unit }, facts] of withFacts(samples(), pool, sampleFacts)) {
        const verdict = judge.judge(raw, where, facts ?? undefined);
        tally.count(verdict, unit);
        ctx.progress.tick();
        if ('kept' in verdict) yield verdict.kept;
        else await rejected.writeJson(verdict.rejected);
        if (++n % 1000 === 0) ctx.signal.throwIfAborted();
      }
    }
    await ctx.outputs.records(FILTERED, kept());
    ctx.log.info({ indexBytes: judge.indexBytes, nearDuplicateIndexed: nearDuplicates?.size }, `indexes hold ${(judge.indexBytes / 2 ** 20).toFixed(1)} MiB of hashes (no code)`);
    await rejected.close();
    await ctx.outputs.stream(REJECTED, rejected.open(), rejected.records);
  } finally {
    await pool?.close();
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

