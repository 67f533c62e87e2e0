// train + evaluate end to end with TF-IDF features (the offline quickstart's path).
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJsonLines } from '../../../core/records/jsonl.js';
import { unitDir } from '../../../core/stage/layout.js';
import type { LocalStore } from '../../../core/store/local.js';
import { trainStage } from '../../../stage-images/train/index.js';
import { evaluateStage } from '../../../stage-images/evaluate/index.js';
import { loadModelFromUri } from '../../../stage-images/train/model-dir.js';
import { separableRecords } from './separable.js';
import { publishedMerge, RUN, runStage, specWith, tempStore } from './stage-harness.js';

const splits = {
  train: [...separableRecords(240, 1, 'train', { syntheticEvery: 3 }), { id: 'bad-label', func: 'int f(void) { return 0; }', label: 2, lang: 'c' }, { id: 'no-func', func: '', label: 1, lang: 'c' }],
  validation: separableRecords(60, 2, 'validation'),
  test: separableRecords(120, 3, 'test', { syntheticEvery: 4 }),
};

describe('train + evaluate on TF-IDF features', () => {
  let store: LocalStore;
  const spec = specWith({ features: 'tfidf', head: 'logreg', epochs: 30, learningRate: 0.05, seed: 5 });
  let trainSummary: Record<string, unknown>;
  let evalSummary: Record<string, unknown>;

  beforeAll(async () => {
    store = await tempStore();
    await runStage(publishedMerge(splits), store, spec);
    trainSummary = (await runStage(trainStage, store, spec)).manifest.summary;
    evalSummary = (await runStage(evaluateStage, store, spec)).manifest.summary;
  });

  const file = (stage: 'train' | 'evaluate', path: string) => store.localPath(`${unitDir(RUN, stage)}/${path}`);

  it('publishes the model directory, the real-only model and training.json', async () => {
    const training = JSON.parse(await readFile(file('train', 'training.json'), 'utf8'));
    expect(training.features).toBe('tfidf');
    expect(training.executionProvider).toBe('none (tf-idf)');
    expect(training.detector.validationLossPerEpoch.length).toBe(training.detector.epochsRun);
    expect(training.detector.optimizer).toBe('lbfgs');
    expect(training.detector.l2Search.length).toBeGreaterThan(1);
    expect(training.detector.thresholdFrom).toBe('validation accuracy');
    expect(training.detector.bestEpoch).toBeGreaterThan(0);
    expect(training.detector.rows.synthetic).toBe(80);
    expect(training.realOnly.rows.synthetic).toBe(0);
    expect(training.realOnly.rows.rows).toBe(160);
    const model = await loadModelFromUri(file('train', 'model'));
    expect(model.config.features.kind).toBe('tfidf');
    expect(model.config.head.kind).toBe('logreg');
    expect(model.config.threshold).toBe(training.detector.threshold);
    expect(model.config.fitted).toMatchObject({ optimizer: 'lbfgs', thresholdFrom: 'validation accuracy', standardized: true });
    expect(await readFile(file('train', 'model/model_card.md'), 'utf8')).toMatch(/Decision threshold: [\d.]+ \(validation accuracy\); at it, validation accuracy (1\.000|0\.9)/);
    expect(trainSummary.validationF1).toBeGreaterThan(0.9);
  });

  it('trains the real-only detector on a worker thread when there are two CPUs, into the same bytes as on one', async () => {
    const models = async (workers: string) => {
      const other = await tempStore();
      await runStage(publishedMerge(splits), other, spec);
      await runStage(trainStage, other, spec, { env: { ...process.env, BUGFORGE_WORKERS: workers } });
      const at = (path: string) => readFile(other.localPath(`${unitDir(RUN, 'train')}/${path}`));
      return Promise.all(['model/head.bin', 'model/config.json', 'model-real-only/head.bin', 'model-real-only/config.json', 'model-real-only/model_card.md', 'training.json'].map(at));
    };
    const [one, two] = [await models('1'), await models('2')];
    expect(two.map((b) => b.length)).toEqual(one.map((b) => b.length));
    for (let i = 0; i < one.length; i++) expect(two[i].equals(one[i]), `file ${i}`).toBe(true);
  });

  it('sets malformed rows aside with their reason and counts them', async () => {
    const rows = [];
    for await (const r of readJsonLines<{ reason: string; where: string }>((await import('node:fs')).createReadStream(file('train', 'set_aside.jsonl.gz')))) rows.push(r);
    expect(rows.map((r) => r.reason).sort()).toEqual(['func is not a non-empty string', 'label is not 0 or 1']);
    expect(rows[0].where).toMatch(/final_train row 24[12]/);
  });

  it('learns far above the majority baseline and carries the headline metrics in its summary', async () => {
    expect(evalSummary.f1).toBeGreaterThan(0.9);
    expect(evalSummary.accuracy).toBeGreaterThan(0.9);
    expect(evalSummary.baseline).toBe('tfidf-logreg');
    for (const key of ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'baselineAccuracy', 'baselineF1']) expect(typeof evalSummary[key]).toBe('number');
    expect(evalSummary.report).toBe(file('evaluate', 'report.html'));
    const metrics = JSON.parse(await readFile(file('evaluate', 'metrics.json'), 'utf8'));
    const majority = metrics.models.find((m: { name: string }) => m.name === 'majority');
    expect(majority.overall.f1).toBe(0); // the majority class is clean: it never flags a bug
    expect(evalSummary.f1 as number).toBeGreaterThan(majority.overall.f1 + 0.5);
    const detector = metrics.models.find((m: { role: string }) => m.role === 'detector');
    expect(detector.bySource.synthetic.rows).toBe(30);
    expect(detector.bySource.real.rows).toBe(90);
    expect(metrics.models.map((m: { name: string }) => m.name)).toEqual(['detector', 'detector (real data only)', 'majority', 'tfidf-logreg']);
  });

  it('writes a self-contained report.html with its five plots', async () => {
    const html = await readFile(file('evaluate', 'report.html'), 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(5);
    for (const title of ['Confusion matrix (detector)', 'ROC curve', 'Precision-recall curve', 'Detector vs baselines', 'Training curves']) expect(html).toContain(title);
    // self-contained: no scripts and nothing fetched (URLs may appear as text, e.g. the configuration's hub endpoint)
    expect(html).not.toMatch(/<script|(?:src|href)\s*=\s*["']?(?:https?:)?\/\//);
    expect(await readFile(file('evaluate', 'report.md'), 'utf8')).toContain('What the synthetic data bought');
  });

  it('evaluates a pretrained model directory without a train stage', async () => {
    const pretrained = specWith({ mode: 'pretrained', model: file('train', 'model'), features: 'tfidf' }, { baselines: ['majority'] });
    const summary = (await runStage(evaluateStage, store, pretrained, { force: true })).manifest.summary;
    expect(summary.f1).toBe(evalSummary.f1);
    expect(summary.baseline).toBe('majority');
  });

  it('fails clearly when the pretrained model directory is missing or corrupt', async () => {
    const missing = specWith({ mode: 'pretrained', model: '/nonexistent/model' });
    await expect(runStage(evaluateStage, store, missing, { force: true })).rejects.toThrow(/model \/nonexistent\/model: no config\.json there/);
  });
});
