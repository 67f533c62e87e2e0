// The analyze stage end to end through the runtime: a directory (local and s3://) holding
// parquet (hub schema), JSON Lines and CSV with malformed rows of every kind; the demo set.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../../../api/v1alpha1/validate.js';
import { readJsonLines } from '../../../core/records/jsonl.js';
import type { BugRecord, SetAside } from '../../../core/records/record.js';
import { unitDir, type RunRef } from '../../../core/stage/layout.js';
import { executeStage } from '../../../core/stage/runtime.js';
import { LocalStore } from '../../../core/store/local.js';
import { S3Store } from '../../../core/store/s3.js';
import { readJson, type ArtifactStore } from '../../../core/store/store.js';
import { analyzeStage } from '../../../stage-images/analyze/index.js';
import type { DatasetAnalysis } from '../../../stage-images/analyze/statistics.js';
import { MIXED_EXPECTED, writeMixedDataset } from '../../fixtures/analyze/dataset.js';
import { startS3, type TestS3 } from '../../support/s3.js';

const log = pino({ level: 'silent' });
let work: string;
let store: LocalStore;
let runs = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bugforge-analyze-'));
  store = new LocalStore(join(work, 'store'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

async function analyze(dataset: Record<string, unknown>, opts: { env?: NodeJS.ProcessEnv; store?: ArtifactStore } = {}) {
  const run: RunRef = { namespace: 'test', name: `analyze-${runs++}`, uid: 'u' };
  const target = opts.store ?? store;
  const result = await executeStage(analyzeStage, { run, spec: validateSpec({ dataset }), store: target, log, env: opts.env });
  const dir = unitDir(run, 'analyze');
  const records = async <T>(path: string) => {
    const out: T[] = [];
    for await (const r of readJsonLines<T>(await target.read(`${dir}/${path}`))) out.push(r);
    return out;
  };
  return { result, dir, records, analysis: () => readJson<DatasetAnalysis & { inputs: { name: string; split: string }[] }>(target, `${dir}/analysis.json`) };
}

describe('analyze: a directory of parquet, JSON Lines and CSV', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = join(work, 'mixed');
    await writeMixedDataset(dataDir);
  });

  it('loads every format into records, splits by file name, and sets each malformed row aside with its reason and place', async () => {
    const { result, records, analysis } = await analyze({ source: 'uri', uri: dataDir });
    const m = result.manifest;
    expect(m.counts).toMatchObject({ ...MIXED_EXPECTED.splits, functions: 9, buggy: MIXED_EXPECTED.buggy, malformed: 10 });
    expect(m.headline).toBe('9 functions (44.4% buggy) · 3 splits · 10 malformed');
    expect(m.files.map((f) => f.path)).toEqual(['dataset/train.jsonl.gz', 'dataset/validation.jsonl.gz', 'dataset/test.jsonl.gz', 'malformed.jsonl.gz', 'analysis.json', 'summary.md']);

    const train = await records<BugRecord>('dataset/train.jsonl.gz');
    expect(train.map((r) => r.id)).toEqual(MIXED_EXPECTED.trainIds);
    expect(train[1]).toMatchObject({ label: 1, lang: 'c', source: 'mixed', project: 'FFmpeg', commit_id: 'c1', split: 'train' });
    const validation = await records<BugRecord>('dataset/validation.jsonl.gz');
    expect(validation.map((r) => [r.id, r.label, r.lang])).toEqual([['mixed-validation-000100', 0, 'c'], ['mixed-validation-000103', 1, 'c'], ['mixed-validation-000104', 0, 'python']]);
    const test = await records<BugRecord>('dataset/test.jsonl.gz');
    expect(test.map((r) => [r.id, r.label])).toEqual([['mixed-test-000200', 0], ['mixed-test-000201', 1]]);
    expect(test[0].func).toContain('\n    memcpy(dst, src, n);\n'); // multi-line quoted CSV field intact

    const malformed = await records<SetAside>('malformed.jsonl.gz');
    expect(malformed.map((x) => x.where).sort()).toEqual([...MIXED_EXPECTED.malformedWhere].sort());
    expect(malformed.every((x) => x.reason && x.detail)).toBe(true);
    const a = await analysis();
    expect(a.malformed.byReason).toEqual(MIXED_EXPECTED.malformed);
    expect(a.inputs.map((i) => [i.name, i.split])).toEqual([['test.csv', 'test'], ['train.parquet', 'train'], ['valid.jsonl', 'validation']]);
    expect(a.duplicates.acrossSplits['train-validation']).toBe(1); // readTagUnchecked is in both
  });

  it('names a uri data set from its file, or from dataset.name — not CodeXGLUE', async () => {
    const dir = join(work, 'named');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'sqlite-functions.jsonl'), '{"func": "int one(void)\\n{\\n    return 1;\\n}\\n", "target": 0}\n');
    const byFile = await analyze({ source: 'uri', uri: join(dir, 'sqlite-functions.jsonl') });
    expect((await byFile.records<BugRecord>('dataset/train.jsonl.gz')).map((r) => [r.id, r.source])).toEqual([['sqlite-functions-train-000000', 'sqlite-functions']]);
    const byName = await analyze({ source: 'uri', uri: join(dir, 'sqlite-functions.jsonl'), name: 'SQLite 3.46' });
    expect((await byName.records<BugRecord>('dataset/train.jsonl.gz')).map((r) => [r.id, r.source])).toEqual([['sqlite-3-46-train-000000', 'sqlite-3-46']]);
  });

  it('keeps at most `limit` records per split', async () => {
    const { result } = await analyze({ source: 'uri', uri: dataDir, limit: 1 });
    expect(result.manifest.counts).toMatchObject({ train: 1, validation: 1, test: 1, functions: 3 });
  });

  it('reads a single gzip\'d CSV file given by path', async () => {
    const gzDir = join(work, 'gz');
    await writeMixedDataset(gzDir, { gzipCsv: true });
    const { result } = await analyze({ source: 'uri', uri: join(gzDir, 'test.csv.gz') });
    expect(result.manifest.counts).toMatchObject({ test: 2, train: 0, validation: 0, malformed: 3 });
  });

  it('reads files with other extensions when dataset.format names the format, skipping documentation', async () => {
    const dir = join(work, 'explicit');
    await import('node:fs/promises').then(async (fs) => {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(join(dir, 'train.txt'), '{"idx": 1, "func": "int one(void) { return 1; }", "target": 0}\n');
      await fs.writeFile(join(dir, 'README.md'), '# about this data\n');
    });
    const { result, analysis } = await analyze({ source: 'uri', uri: dir, format: 'jsonl' });
    expect(result.manifest.counts).toMatchObject({ train: 1, malformed: 0 });
    expect((await analysis()).inputs.map((i) => i.name)).toEqual(['train.txt']);
    await expect(analyze({ source: 'uri', uri: dir })).rejects.toThrow(/holds no parquet, JSON Lines or CSV files/); // auto: .txt is not a data extension
  });

  it('fails with advice when the path holds no data files, or does not exist', async () => {
    const empty = join(work, 'empty');
    await import('node:fs/promises').then((fs) => fs.mkdir(empty, { recursive: true }));
    await expect(analyze({ source: 'uri', uri: empty })).rejects.toThrow(/holds no parquet, JSON Lines or CSV files .*dataset\.format/);
    await expect(analyze({ source: 'uri', uri: join(work, 'nope') })).rejects.toThrow(/no such file or directory/);
  });

  it('fails, saying why, when no row is usable', async () => {
    const bad = join(work, 'bad');
    await import('node:fs/promises').then(async (fs) => {
      await fs.mkdir(bad, { recursive: true });
      await fs.writeFile(join(bad, 'train.jsonl'), '{"func": "", "target": 1}\nnot json\n');
    });
    await expect(analyze({ source: 'uri', uri: bad })).rejects.toThrow(/no usable rows .*empty-func: 1, unparsable-line: 1/);
  });
});

describe('analyze: an s3:// directory (s3rver)', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startS3({ buckets: ['datasets'] });
  });
  afterAll(async () => s3.stop());

  it('lists and reads the objects under the prefix, parquet included', async () => {
    const dataDir = join(work, 'for-s3');
    await writeMixedDataset(dataDir);
    const bucket = new S3Store({ bucket: 'datasets', endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey });
    for (const name of await readdir(dataDir)) await bucket.write(`devign/v1/${name}`, await readFile(join(dataDir, name)));
    await bucket.write('devign/v1-other/train.jsonl', '{"func": "int x;", "target": 0}\n'); // a sibling prefix: not read
    const { result } = await analyze({ source: 'uri', uri: 's3://datasets/devign/v1' }, { env: s3.env });
    expect(result.manifest.counts).toMatchObject({ ...MIXED_EXPECTED.splits, malformed: 10 });
  });
});

describe('analyze: the demo set', () => {
  it('loads the shipped demo set with demo ids and source, and skips a rerun', async () => {
    const run: RunRef = { namespace: 'test', name: 'demo', uid: 'u' };
    const spec = validateSpec({ dataset: { source: 'demo' } });
    const first = await executeStage(analyzeStage, { run, spec, store, log });
    expect(first.manifest.counts).toMatchObject({ functions: 1200, train: 720, validation: 240, test: 240, malformed: 0 });
    expect(first.manifest.headline).toBe('1,200 functions (50.0% buggy) · 3 splits · 0 malformed');
    const rows: BugRecord[] = [];
    for await (const r of readJsonLines<BugRecord>(await store.read(`${unitDir(run, 'analyze')}/dataset/test.jsonl.gz`))) rows.push(r);
    expect(rows.every((r) => r.id.startsWith('demo-test-') && r.source === 'demo' && r.project === 'sqlite' && r.commit_id?.startsWith('sqlite-3.53.2-'))).toBe(true);
    // the injected bug's type is kept on each buggy twin
    expect(rows.filter((r) => r.label === 1).every((r) => r.bug_type)).toBe(true);
    expect(rows.filter((r) => r.label === 0).some((r) => r.bug_type)).toBe(false);
    expect((await executeStage(analyzeStage, { run, spec, store, log })).status).toBe('cached');
  });
});
