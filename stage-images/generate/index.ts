// Stage 2 `generate`: synthetic buggy functions from clean real ones, one batch per process
// (`bugforge stage generate --batch K`). Wires the spec, the pool, the provider and the outputs;
// the work is in plan.ts, pool.ts, mutation/ and openai/.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { PipelineRunSpec } from '../../api/v1alpha1/spec.js';
import { BUG_TYPES } from '../../api/v1alpha1/names.js';
import { SPLITS, type BugRecord, type SplitName } from '../../core/records/record.js';
import type { StageContext, StageDefinition } from '../../core/stage/definition.js';
import { generationUnits } from '../../core/stage/graph.js';
import { runPrefix } from '../../core/stage/layout.js';
import { generateBatch, JsonLinesFile } from './batch.js';
import { createMutationProvider } from './mutation/provider.js';
import { storeLedger } from './openai/budget.js';
import { createOpenAIProvider } from './openai/provider.js';
import { budgetShare, planBatch } from './plan.js';
import { countPool, isPoolRecord, pickFromPool, type PoolCount, type PoolRules, type RecordSource } from './pool.js';
import { hasMoreTokensThan } from '../../core/records/code-tokens.js';
import { SplitPlan } from '../../core/records/split-plan.js';
import type { Provider, SampleTask } from './sample.js';
import { batchOutcome, Tally } from './tally.js';

export const datasetFile = (split: SplitName): string => `dataset/${split}.jsonl.gz`;

/**
 * analyze's splits that can give origins: all of them with generation.from: all, or with from:
 * train when merge re-splits (then the split plan picks merge's train rows); just the train file
 * when merge keeps the files' splits (split.respectSourceSplits).
 */
export const poolFiles = (spec: PipelineRunSpec): SplitName[] =>
  spec.generation.from === 'all' || !spec.split.respectSourceSplits ? [...SPLITS] : ['train'];
const followsMergeSplit = (spec: PipelineRunSpec): boolean => spec.generation.from === 'train' && !spec.split.respectSourceSplits;

export const batchFile = (unit: string): string => `${unit}.jsonl.gz`;
export const FAILURES_FILE = 'failures.jsonl.gz';

const bugTypesOf = (spec: PipelineRunSpec) => (spec.generation.bugTypes.length > 0 ? spec.generation.bugTypes : [...BUG_TYPES]);

function batchIndex(unit: string | undefined, spec: PipelineRunSpec): number {
  const k = unit ? generationUnits(spec).indexOf(unit) : -1;
  if (k < 0) throw new Error(`generate runs one batch per process, got unit '${unit ?? ''}': pass --batch <0..${spec.generation.batches - 1}>`);
  return k;
}

async function providerFor(ctx: StageContext, k: number): Promise<Provider> {
  const g = ctx.spec.generation;
  if (g.provider === 'mutation') return createMutationProvider(g.seed);
  if (!g.openai) throw Object.assign(new Error('generation.openai (baseURL, model) is required when generation.provider is openai'), { exitCode: 2 });
  return createOpenAIProvider({
    config: g.openai,
    apiKey: ctx.env.OPENAI_API_KEY,
    store: ctx.store,
    log: ctx.log,
    signal: ctx.signal,
    maxRequests: budgetShare(g.openai.budget.maxRequests, g.batches, k),
    maxTokens: budgetShare(g.openai.budget.maxTokens, g.batches, k),
    // Outlives the Pod: a retried batch goes on from what its earlier attempts spent.
    ledger: storeLedger(ctx.store, `${runPrefix(ctx.run)}/_ledger/openai-budget/${ctx.unit}.json`),
  });
}

/** A growable list of numbers in a Float64Array (8 bytes each, no per-entry object). */
class GrowableNumbers {
  private data = new Float64Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export const generateStage: StageDefinition = {
  name: 'generate',
  description: 'synthetic buggy functions from clean real ones (mutation engine or an OpenAI-compatible LLM), one batch per process',
  version: '2', // 2: origins within filtering.maxTokens, and with from: train among the rows merge puts in train
  enabled: (spec) => spec.generation.enabled,
  units: generationUnits,
  reads: () => [{ stage: 'analyze' }],
  config(spec, unit) {
    // Parallelism and concurrency change how fast, not what: they stay out of the input digest.
    const { parallelism: _p, openai, ...generation } = spec.generation;
    const llm = openai ? (({ maxConcurrency: _c, apiKeySecret: _s, timeoutSeconds: _t, ...rest }) => rest)(openai) : undefined;
    // The pool depends on the filter's token limit and, with from: train, on how merge splits.
    const pool = { maxTokens: spec.filtering.maxTokens, ...(followsMergeSplit(spec) ? { split: spec.split } : { respectSourceSplits: spec.split.respectSourceSplits }) };
    return { unit, generation: { ...generation, ...(llm ? { openai: llm } : {}) }, pool };
  },
  async run(ctx) {
    const g = ctx.spec.generation;
    const unit = ctx.unit!;
    const k = batchIndex(ctx.unit, ctx.spec);
    const sources: RecordSource[] = poolFiles(ctx.spec).map((file) => ({ file, records: () => ctx.inputs.records<BugRecord>('analyze', datasetFile(file)) }));
    const rules: PoolRules = { maxTokens: ctx.spec.filtering.maxTokens };
    let pool: PoolCount | undefined;
    if (followsMergeSplit(ctx.spec)) {
      // One pass places every real row as merge will and finds the pool on the way (16 bytes per
      // candidate origin, then one byte per row), so the pool is read twice in all, and the second
      // pass neither tokenizes nor hashes.
      ctx.progress.phase(`${unit}: placing the real rows as merge will (generation.from: train)`);
      const realRows = async function* () {
        for (const { file, records } of sources) for await (const record of records()) yield { record, file };
      };
      // rows that can be origins (clean, within the token budget): their position and group
      const candidateRows = new GrowableNumbers();
      const candidateGroups = new GrowableNumbers();
      let tooLong = 0;
      let row = -1;
      const splitPlan = await SplitPlan.build(realRows(), ctx.spec.split, ({ record }, group) => {
        row++;
        if (!isPoolRecord(record)) return;
        if (hasMoreTokensThan(record.func, record.lang, rules.maxTokens!)) tooLong++;
        else {
          candidateRows.push(row);
          candidateGroups.push(group);
        }
      });
      const inPool = new Uint8Array(row + 1); // 1: an origin (merge puts it in train)
      let size = 0;
      let unknown = false;
      const rows = candidateRows.values();
      const groups = candidateGroups.values();
      for (let i = 0; i < rows.length; i++) {
        const split = splitPlan.splitOfGroup(groups[i]);
        if (split === undefined) unknown = true;
        else if (split === 'train') {
          inPool[rows[i]] = 1;
          size++;
        }
      }
      if (unknown) {
        rules.admits = (record, file) => splitPlan.place({ record, file }).split === 'train';
      } else {
        rules.atRow = (r) => inPool[r] === 1;
        pool = { size, tooLong, notAdmitted: rows.length - size };
      }
    }

    if (!pool) {
      ctx.progress.phase(`${unit}: reading the pool of clean functions`);
      pool = await countPool(sources, rules);
    }
    const poolSize = pool.size;
    ctx.log.info({ pool }, `pool: ${pool.size} clean functions (${pool.tooLong} over filtering.maxTokens ${rules.maxTokens} left out${rules.admits || rules.atRow ? `, ${pool.notAdmitted} that merge puts in validation or test` : ''})`);
    if (poolSize === 0) {
      const leftOut = [`${pool.tooLong} longer than filtering.maxTokens (${rules.maxTokens})`, ...(rules.admits || rules.atRow ? [`${pool.notAdmitted} that merge puts in validation or test`] : [])].join(', ');
      const hint = g.from === 'train' ? '; generation.from: all also uses validation and test' : '';
      throw Object.assign(new Error(`analyze published no clean (label 0) C or Python functions usable as origins in ${poolFiles(ctx.spec).map(datasetFile).join(', ')} (left out: ${leftOut}): nothing to inject bugs into${hint}`), { exitCode: 2 });
    }
    const plan = planBatch({ poolSize, batches: g.batches, samplesPerBatch: g.samplesPerBatch, seed: g.seed, bugTypes: bugTypesOf(ctx.spec) }, k);
    const origins = await pickFromPool(sources, new Set(plan.map((p) => p.poolIndex)), rules);
    const tasks: SampleTask[] = plan.map((p) => {
      const origin = origins.get(p.poolIndex);
      if (!origin) throw new Error(`analyze's dataset changed while ${unit} read it (pool position ${p.poolIndex} of ${poolSize} is gone): rerun the batch`);
      return { index: p.index, cycle: p.cycle, bugTypes: p.bugTypes, origin };
    });

    const provider = await providerFor(ctx, k);
    const tally = new Tally();
    const failures = new JsonLinesFile(join(ctx.scratchDir, FAILURES_FILE));
    ctx.progress.phase(`${unit}: generating (${provider.name})`, tasks.length);
    try {
      await ctx.outputs.records(batchFile(unit), generateBatch(tasks, provider, tally, (row) => failures.write(row), () => ctx.progress.tick(), ctx.signal));
    } finally {
      await failures.close();
      await provider.close?.();
    }
    // A dead endpoint must not "succeed" with no samples: the batch fails (and publishes nothing).
    const tooMany = tally.failureRateProblem(unit, g.maxFailureRate);
    if (tooMany) throw new Error(tooMany);
    await ctx.outputs.stream(FAILURES_FILE, createReadStream(failures.path), failures.count);
    return batchOutcome({ unit, provider: provider.name, model: g.provider === 'openai' ? g.openai?.model : undefined, poolSize, tally, providerCounters: provider.counters() });
  },
};
