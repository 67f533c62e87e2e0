// Stage 1 `analyze`: loads the data set (Hugging Face hub parquet, the shipped demo set, or a
// local / s3:// file or directory of parquet, JSON Lines or CSV), maps rows to BugRecords, sets
// malformed rows aside with their reason, and computes statistics. Streams: one row at a time.
// Outputs: dataset/{train,validation,test}.jsonl.gz, malformed.jsonl.gz, analysis.json, summary.md.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DatasetSpec } from '../../api/v1alpha1/spec.js';
import { SPLITS, type BugRecord, type SplitName } from '../../core/records/record.js';
import type { StageContext, StageDefinition } from '../../core/stage/definition.js';
import { cacheHubDataset } from './hub.js';
import { RowNormalizer } from './normalize.js';
import { readRows } from './readers.js';
import { MalformedLog } from './malformed-log.js';
import { demoDir, localInputs, s3Inputs, storeInputs, type InputFile } from './sources.js';
import { DatasetStatistics } from './statistics.js';
import { headlineOf, summaryMarkdown } from './summary.js';
import { datasetName } from './dataset-name.js';

/** A digest of the shipped demo files, so that a changed demo set is analysed again. */
function demoDigest(): string {
  const hash = createHash('sha256');
  for (const split of SPLITS) hash.update(readFileSync(join(demoDir(), `${split}.jsonl`)));
  return hash.digest('hex').slice(0, 16);
}

function describeSource(d: DatasetSpec): string {
  switch (d.source) {
    case 'huggingface': return `Hugging Face hub ${d.name}@${d.revision} (${d.hubEndpoint})`;
    case 'demo': return 'the bugforge demo set (SQLite functions with injected bugs; not CodeXGLUE)';
    case 'uri': return `${d.uri} (format ${d.format})`;
  }
}

/** The dataset fields that matter for its source (a demo run has no hub revision). */
function relevantDatasetFields(d: DatasetSpec): Partial<DatasetSpec> {
  const { source, limit } = d;
  switch (source) {
    case 'huggingface': return { source, name: d.name, revision: d.revision, hubEndpoint: d.hubEndpoint, limit };
    case 'uri': return { source, uri: d.uri, format: d.format, limit };
    case 'demo': return { source, limit };
  }
}

async function inputsOf(ctx: StageContext): Promise<InputFile[]> {
  const d = ctx.spec.dataset;
  switch (d.source) {
    case 'demo':
      return localInputs(demoDir(), 'auto');
    case 'uri': {
      if (!d.uri) throw Object.assign(new Error('dataset.uri is required when dataset.source is uri'), { exitCode: 2 });
      const files = d.uri.startsWith('s3://') ? await s3Inputs(d.uri, d.format, ctx.env) : await localInputs(d.uri.replace(/^file:\/\//, ''), d.format);
      if (!files.length) throw Object.assign(new Error(`dataset.uri ${d.uri} holds no parquet, JSON Lines or CSV files (by extension); set dataset.format if the names have none`), { exitCode: 2 });
      return files;
    }
    case 'huggingface': {
      const cached = await cacheHubDataset(ctx.store, {
        endpoint: d.hubEndpoint, name: d.name, revision: d.revision, token: ctx.env.HF_TOKEN || undefined,
        log: ctx.log, progress: ctx.progress, signal: ctx.signal,
      });
      return cached.map((f) => ({
        ...storeInputs(ctx.store, [{ key: f.key, size: f.size ?? 0 }], f.key, 'parquet')[0],
        name: f.path, split: f.split, splitFrom: 'name' as const,
      }));
    }
  }
}

/** Parquet is read by byte ranges: a file that is not on this machine is copied to scratch first. */
async function ensureLocal(ctx: StageContext, file: InputFile, n: number): Promise<InputFile> {
  if (file.localPath || file.format !== 'parquet') return file;
  const localPath = join(ctx.scratchDir, `input-${n}.parquet`);
  ctx.progress.phase(`fetching ${file.name}`);
  await pipeline(await file.open(), createWriteStream(localPath));
  return { ...file, localPath };
}

export const analyzeStage: StageDefinition = {
  name: 'analyze',
  description: 'Load the data set, normalise records, set malformed rows aside, compute statistics.',
  version: '2', // 2: a uri data set is named from the spec or its file, not CodeXGLUE
  reads: () => [],
  config: (spec) => ({ ...spec.dataset, ...(spec.dataset.source === 'demo' ? { demoFiles: demoDigest() } : {}) }),

  async run(ctx) {
    const d = ctx.spec.dataset;
    const inputs = await inputsOf(ctx);
    for (const f of inputs.filter((i) => i.splitFrom === 'default')) {
      ctx.log.warn({ file: f.name }, `${f.name}: the name names no split (train/valid/validation/dev/test); its rows go to train`);
    }
    const stats = new DatasetStatistics();
    const normalizer = new RowNormalizer();
    const malformed = new MalformedLog(join(ctx.scratchDir, 'malformed.jsonl.gz'));
    const { idPrefix, source } = datasetName(d);

    let fileNumber = 0;
    async function* recordsOf(split: SplitName): AsyncGenerator<BugRecord> {
      let kept = 0;
      for (const input of inputs.filter((f) => f.split === split)) {
        if (d.limit && kept >= d.limit) break;
        const file = await ensureLocal(ctx, input, fileNumber++);
        ctx.progress.phase(`${split}: ${file.name}`, d.limit ? d.limit - kept : undefined);
        const onTotal = (rows: number) => ctx.progress.phase(`${split}: ${file.name}`, d.limit ? Math.min(rows, d.limit - kept) : rows);
        for await (const raw of readRows(file, onTotal)) {
          ctx.signal.throwIfAborted();
          ctx.progress.tick();
          if (raw.error !== undefined) {
            stats.addMalformed('unparsable-line');
            await malformed.add({ reason: 'unparsable-line', detail: raw.error, where: raw.where });
            continue;
          }
          const result = normalizer.normalize(raw.row, { split, where: raw.where, idPrefix, source });
          if (!result.ok) {
            stats.addMalformed(result.reason);
            await malformed.add(result.setAside);
            continue;
          }
          stats.add({ ...result.record, split });
          yield result.record;
          kept++;
          if (d.limit && kept >= d.limit) break;
        }
      }
    }

    const written: Record<string, number> = {};
    for (const split of SPLITS) written[split] = await ctx.outputs.records(`dataset/${split}.jsonl.gz`, recordsOf(split));
    const malformedCount = await malformed.close();
    await ctx.outputs.stream('malformed.jsonl.gz', createReadStream(malformed.path), malformedCount);

    const analysis = stats.result();
    const report = {
      source: { ...relevantDatasetFields(d), description: describeSource(d) },
      inputs: inputs.map((f) => ({ name: f.name, split: f.split, splitFrom: f.splitFrom, format: f.format, ...(f.size ? { bytes: f.size } : {}) })),
      ...analysis,
    };
    await ctx.outputs.json('analysis.json', report);
    const markdown = summaryMarkdown(analysis, describeSource(d));
    await ctx.outputs.text('summary.md', markdown);
    ctx.log.info('\n' + markdown);
    if (analysis.total === 0) {
      const reasons = Object.entries(analysis.malformed.byReason).map(([r, n]) => `${r}: ${n}`).join(', ');
      throw new Error(`no usable rows in ${describeSource(d)}${reasons ? ` (malformed — ${reasons})` : ''}; check dataset.source, dataset.uri and dataset.format`);
    }
    return {
      headline: headlineOf(analysis),
      counts: { functions: analysis.total, buggy: analysis.buggy, malformed: analysis.malformed.total, ...written },
      summary: {
        source: d.source,
        functions: analysis.total,
        buggyShare: analysis.buggyShare,
        splits: Object.fromEntries(SPLITS.map((s) => [s, analysis.splits[s].count])),
        malformedByReason: analysis.malformed.byReason,
        duplicates: { withinSplits: SPLITS.reduce((n, s) => n + analysis.duplicates.withinSplit[s], 0), acrossSplits: analysis.duplicates.acrossSplits },
        tokensP50: analysis.overall.tokens.p50,
      },
    };
  },
};
