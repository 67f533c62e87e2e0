// predictions.jsonl.gz lets a reader recompute every figure evaluate reports: train + evaluate run
// through the real stage runtime on SQLite functions and their mutated twins (the parity fixture,
// a copy of the demo set), then every model's accuracy, precision, recall, F1, ROC-AUC, pair-wise
// figures and bootstrap intervals are recomputed from the predictions file alone and compared
// with metrics.json.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJsonLines } from '../../../core/records/jsonl.js';
import type { BugRecord } from '../../../core/records/record.js';
import { unitDir } from '../../../core/stage/layout.js';
import type { LocalStore } from '../../../core/store/local.js';
import { bootstrapSamples, statisticInterval, BOOTSTRAP, STATISTICS } from '../../../stage-images/evaluate/bootstrap.js';
import { evaluateStage } from '../../../stage-images/evaluate/index.js';
import { classificationMetrics } from '../../../stage-images/evaluate/metrics.js';
import { pairMetrics, type Pair } from '../../../stage-images/evaluate/pairs.js';
import type { PredictionRow } from '../../../stage-images/evaluate/test-rows.js';
import { trainStage } from '../../../stage-images/train/index.js';
import { publishedMerge, RUN, runStage, specWith, tempStore } from '../train/stage-harness.js';

type FixtureRow = { idx: number; func: string; target: 0 | 1; commit_id: string; bug_type?: string };
async function fixture(split: 'train' | 'validation' | 'test'): Promise<BugRecord[]> {
  const rows: BugRecord[] = [];
  for await (const r of readJsonLines<FixtureRow>(createReadStream(new URL(`../../fixtures/parity/${split}.jsonl.gz`, import.meta.url)))) {
    rows.push({ id: `fx-${split}-${r.idx}`, func: r.func, label: r.target, lang: 'c', source: 'demo', project: 'sqlite', commit_id: r.commit_id, ...(r.bug_type ? { bug_type: r.bug_type } : {}), split });
  }
  return rows;
}

describe('predictions.jsonl.gz', () => {
  let store: LocalStore;
  let predictions: PredictionRow[];
  let metrics: { headline: Record<string, unknown>; warnings: string[]; models: { name: string; threshold: number; description: string; overall: Record<string, number>; pairs?: Record<string, number>; intervals: Record<string, { low: number; high: number }> }[] };
  const spec = specWith({ features: 'tfidf', head: 'logreg', seed: 3 });

  beforeAll(async () => {
    store = await tempStore();
    const train = await fixture('train');
    // every fifth clean train function also has a synthetic buggy sample (its buggy twin, relabelled), as generate + merge would add
    const synthetic = train.filter((r) => r.label === 1 && Number(r.id.split('-').pop()) % 5 === 1)
      .map((r) => ({ ...r, id: `syn-${r.id}`, source: 'synthetic', origin_id: train.find((c) => c.commit_id === r.commit_id && c.label === 0)!.id, commit_id: undefined }));
    await runStage(publishedMerge({ train: [...train, ...synthetic], validation: await fixture('validation'), test: await fixture('test') }), store, spec);
    await runStage(trainStage, store, spec);
    await runStage(evaluateStage, store, spec);
    const dir = unitDir(RUN, 'evaluate');
    predictions = [];
    for await (const p of readJsonLines<PredictionRow>(createReadStream(store.localPath(`${dir}/predictions.jsonl.gz`)))) predictions.push(p);
    metrics = JSON.parse(await readFile(store.localPath(`${dir}/metrics.json`), 'utf8'));
  }, 300_000);

  it('has every test row once, with its label, source, pair, bug type and every model\'s score and decision', () => {
    expect(predictions).toHaveLength(240);
    expect(new Set(predictions.map((p) => p.id)).size).toBe(240);
    const names = metrics.models.map((m) => m.name);
    expect(names).toEqual(['detector', 'detector (real data only)', 'majority', 'tfidf-logreg']);
    for (const p of predictions) {
      expect(Object.keys(p.scores)).toEqual(names);
      expect(Object.keys(p.decisions)).toEqual(names);
      expect(p.pair).toMatch(/^commit:sqlite-3\.53\.2-/);
      expect(p.bug_type !== null).toBe(p.label === 1);
    }
  });

  it('recomputes every model\'s figures, pair-wise figures and 95% intervals exactly', () => {
    const labels = predictions.map((p) => p.label);
    const byPair = new Map<string, { buggy?: number; clean?: number }>();
    predictions.forEach((p, i) => { if (p.pair) byPair.set(p.pair, { ...byPair.get(p.pair), [p.label ? 'buggy' : 'clean']: i }); });
    const pairs: Pair[] = [...byPair].map(([key, v]) => ({ key, buggy: v.buggy!, clean: v.clean! }));
    expect(pairs).toHaveLength(120);
    const models = metrics.models.map((m) => ({ name: m.name, scores: predictions.map((p) => p.scores[m.name]), decisions: predictions.map((p) => p.decisions[m.name]) }));
    const samples = bootstrapSamples(labels, pairs, models, BOOTSTRAP);
    for (const [k, m] of metrics.models.entries()) {
      const { scores, decisions } = models[k];
      // decisions are the scores at the model's threshold
      expect(decisions).toEqual(scores.map((s) => (s >= m.threshold ? 1 : 0)));
      const c = classificationMetrics(labels, scores, m.threshold);
      for (const key of ['accuracy', 'precision', 'recall', 'f1', 'rocAuc'] as const) expect(c[key], `${m.name} ${key}`).toBeCloseTo(m.overall[key], 12);
      expect(pairMetrics(pairs, scores, decisions)).toEqual(m.pairs);
      for (const s of STATISTICS) expect(statisticInterval(samples, m.name, s), `${m.name} ${s}`).toEqual(m.intervals[s]);
    }
    expect(metrics.headline.accuracy).toBe(Math.round(metrics.models[0].overall.accuracy * 1e4) / 1e4);
    expect(metrics.headline.pairAccuracy).toBe(Math.round(metrics.models[0].pairs!.pairCorrect * 1e4) / 1e4);
  });

  it('on real functions with injected bugs the detector beats the majority class (interval of the difference above 0), with no warning', () => {
    expect(metrics.warnings).toEqual([]);
    const majority = metrics.models.find((m) => m.name === 'majority')!;
    // the majority of the real train rows only: 360 of 720 (a tie, answered clean); the synthetic rows are not counted
    expect(majority.description).toContain('clean (360 of 720, a tie, answered clean; synthetic rows not counted)');
    const detector = metrics.models[0];
    expect(detector.intervals.accuracy.low).toBeGreaterThan(majority.overall.accuracy);
    expect(metrics.models.find((m) => m.name === 'tfidf-logreg')!.description).toMatch(/trained on the 720 real train rows only/);
  });
});
