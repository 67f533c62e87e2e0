import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateStage, FAILURES_FILE } from '../../../stage-images/generate/index.js';
import { executeStage } from '../../../core/stage/runtime.js';
import { unitDir } from '../../../core/stage/layout.js';
import type { BugRecord, SetAside } from '../../../core/records/record.js';
import { startOpenAIServer, type OpenAIServer } from '../../support/openai-server.js';
import { fixtures, publishAnalyze, readRecords, realRecord, silentLog, spanCoversChange, tempRun, type Fixture, type TestRun } from './helpers.js';

let all: Fixture[];
const runs: TestRun[] = [];
let server: OpenAIServer | undefined;
beforeAll(async () => {
  all = await fixtures();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const t of runs.splice(0)) await t.cleanup();
});

/** analyze's outputs: the fixtures (clean) in train, a buggy one in train, one clean in validation. */
function dataset() {
  const train = all.map((f) => realRecord(f));
  return {
    'dataset/train.jsonl.gz': [...train, { ...realRecord(all[0], 'real-buggy'), label: 1 }],
    'dataset/validation.jsonl.gz': [{ ...realRecord(all[1], 'real-validation'), split: 'validation' }],
    'dataset/test.jsonl.gz': [],
  };
}

async function setup(spec: unknown): Promise<TestRun> {
  const t = await tempRun(spec);
  runs.push(t);
  await publishAnalyze(t, dataset());
  return t;
}

const runBatch = (t: TestRun, k: number, env: NodeJS.ProcessEnv = {}, force = false) =>
  executeStage(generateStage, { run: t.run, spec: t.spec, store: t.store, unit: `batch-${String(k).padStart(4, '0')}`, log: silentLog, env, force });

const batchBytes = (t: TestRun, k: number) => readFile(t.store.localPath(`${unitDir(t.run, 'generate', `batch-000${k}`)}/batch-000${k}.jsonl.gz`));

describe('generate stage (mutation)', () => {
  // respectSourceSplits: merge keeps analyze's splits, so from: train means the train file (with a
  // re-split, the pool is the rows merge puts in train: see test/unit/data-stages/origins.test.ts)
  const spec = { generation: { batches: 3, samplesPerBatch: 6, seed: 7 }, split: { respectSourceSplits: true } };

  it('a batch publishes labelled synthetic records from clean train functions, with counts in the manifest', async () => {
    const t = await setup(spec);
    const result = await runBatch(t, 1);
    expect(result.status).toBe('succeeded');
    const records = await readRecords<BugRecord>(t, 'generate', 'batch-0001.jsonl.gz', 'batch-0001');
    const failures = await readRecords<SetAside>(t, 'generate', FAILURES_FILE, 'batch-0001');
    expect(records.length + failures.length).toBe(6);
    expect(records.length).toBeGreaterThanOrEqual(5);
    const origins = new Map(dataset()['dataset/train.jsonl.gz'].map((r) => [r.id, r]));
    for (const r of records) {
      const origin = origins.get(r.origin_id!)!;
      expect(origin, r.origin_id).toBeDefined();
      expect(origin.label).toBe(0);
      expect(r).toMatchObject({ label: 1, source: 'synthetic', lang: origin.lang, project: 'fixture', generator: { provider: 'mutation', seed: 7 } });
      expect(r.id).toMatch(new RegExp(`^syn-${origin.id}-${r.bug_type}-([6-9]|1[01])$`));
      expect(r.func).not.toBe(origin.func);
      expect(spanCoversChange(origin.func, r.func, r.changed_lines!)).toBe(true);
    }
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    const m = result.manifest;
    expect(m.counts).toMatchObject({ requested: 6, produced: records.length, failed: failures.length, pool_size: all.length });
    expect(m.headline).toMatch(/^\d\/6 synthetic samples by mutation/);
    expect(m.files.map((f) => f.path).sort()).toEqual(['batch-0001.jsonl.gz', FAILURES_FILE]);
    expect(JSON.stringify(m.summary).length).toBeLessThan(2048);
  });

  it('same seed → the same bytes; another seed → other samples; finished batches are not redone', async () => {
    const a = await setup(spec);
    const b = await setup(spec);
    const c = await setup({ generation: { ...spec.generation, seed: 8 } });
    await runBatch(a, 0);
    await runBatch(b, 0);
    await runBatch(c, 0);
    expect((await batchBytes(a, 0)).equals(await batchBytes(b, 0))).toBe(true);
    const ids = async (t: TestRun) => (await readRecords<BugRecord>(t, 'generate', 'batch-0000.jsonl.gz', 'batch-0000')).map((r) => `${r.origin_id}/${r.bug_type}/${r.func}`);
    expect(await ids(c)).not.toEqual(await ids(a));
    expect((await runBatch(a, 0)).status).toBe('cached');
  });

  it('batches cut one run-wide sequence: no sample id repeats across batches', async () => {
    const t = await setup(spec);
    const ids: string[] = [];
    for (const k of [0, 1, 2]) {
      await runBatch(t, k);
      ids.push(...(await readRecords<BugRecord>(t, 'generate', `batch-000${k}.jsonl.gz`, `batch-000${k}`)).map((r) => r.id));
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(16);
  });

  it('from: all also takes clean validation functions; bugTypes limits the types', async () => {
    const t = await setup({ generation: { batches: 1, samplesPerBatch: all.length + 1, from: 'all', bugTypes: ['operator-swap'] } });
    await runBatch(t, 0);
    const records = await readRecords<BugRecord>(t, 'generate', 'batch-0000.jsonl.gz', 'batch-0000');
    expect(records.map((r) => r.origin_id)).toContain('real-validation');
    expect(new Set(records.map((r) => r.bug_type))).toEqual(new Set(['operator-swap']));
  });

  it('a stopped batch publishes nothing, and rerunning just that batch works', async () => {
    const t = await setup(spec);
    const controller = new AbortController();
    controller.abort(new Error('SIGTERM'));
    await expect(executeStage(generateStage, { run: t.run, spec: t.spec, store: t.store, unit: 'batch-0000', log: silentLog, signal: controller.signal })).rejects.toThrow('SIGTERM');
    expect(await t.store.exists(`${unitDir(t.run, 'generate', 'batch-0000')}/_manifest.json`)).toBe(false);
    expect((await runBatch(t, 0)).status).toBe('succeeded');
  });

  it('an empty pool fails with a message that says what to do', async () => {
    const t = await tempRun(spec);
    runs.push(t);
    await publishAnalyze(t, { 'dataset/train.jsonl.gz': [{ ...realRecord(all[0]), label: 1 }], 'dataset/validation.jsonl.gz': [], 'dataset/test.jsonl.gz': [] });
    await expect(runBatch(t, 0)).rejects.toThrow(/no clean \(label 0\).*generation.from: all/);
  });
});

describe('generate stage (openai)', () => {
  const API_KEY = 'sk-stage-test-secret-4242';
  const spec = (baseURL: string) => ({ generation: { provider: 'openai', batches: 2, samplesPerBatch: 3, openai: { baseURL, model: 'coder', budget: { maxRequests: 5 } } } });

  it('shares the run budget over the batches, records tokens, caches answers, never stores the key', async () => {
    server = await startOpenAIServer();
    const t = await setup(spec(server.baseURL));
    const b0 = await runBatch(t, 0, { OPENAI_API_KEY: API_KEY });
    const b1 = await runBatch(t, 1, { OPENAI_API_KEY: API_KEY });
    expect(server.count).toBe(5); // 3 + 2: the run's budget of 5, split 3/2
    expect(b0.manifest.counts).toMatchObject({ requested: 3, produced: 3, requests: 3 });
    expect(b1.manifest.counts).toMatchObject({ requested: 3, produced: 2, requests: 2, 'failed_budget-exhausted': 1 });
    expect(b0.manifest.counts.tokens_total).toBeGreaterThan(0);
    expect(b0.manifest.summary).toMatchObject({ provider: 'openai', model: 'coder', tokens: { total: b0.manifest.counts.tokens_total } });
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);

    // a forced rerun of batch 0 is answered from the cache
    const again = await runBatch(t, 0, { OPENAI_API_KEY: API_KEY }, true);
    expect(server.count).toBe(5);
    expect(again.manifest.counts).toMatchObject({ produced: 3, cache_hits: 3, requests: 0 });

    for await (const o of t.store.list('')) {
      const bytes = await readFile(t.store.localPath(o.key));
      const text = o.key.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
      expect(text, o.key).not.toContain(API_KEY);
    }
  });
});
