// train + evaluate end to end with encoder features from a tiny ONNX encoder: learning, the
// store feature cache (hit on a rerun, chunked files), and the execution provider reported.
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { unitDir } from '../../../core/stage/layout.js';
import type { LocalStore } from '../../../core/store/local.js';
import { trainStage } from '../../../stage-images/train/index.js';
import { evaluateStage } from '../../../stage-images/evaluate/index.js';
import { writeEncoderDir } from '../../support/tiny-encoder.js';
import { separableRecords } from './separable.js';
import { publishedMerge, RUN, runStage, specWith, tempStore } from './stage-harness.js';

describe('train + evaluate on encoder features', () => {
  let store: LocalStore;
  let spec: ReturnType<typeof specWith>;
  beforeAll(async () => {
    const encoder = (await writeEncoderDir(join(await mkdtemp(join(tmpdir(), 'bugforge-enc-')), 'tiny'), { hidden: 24 })).dir;
    spec = specWith({ features: 'encoder', encoder, pooling: 'mean', head: 'mlp', hiddenSize: 16, epochs: 40, patience: 6, learningRate: 0.01, batchSize: 16, maxLength: 64, exportOnnx: true }, { withoutSynthetic: false });
    store = await tempStore();
    await runStage(publishedMerge({ train: separableRecords(200, 11, 'train'), validation: separableRecords(50, 12, 'validation'), test: separableRecords(100, 13, 'test') }), store, spec);
  });

  const file = (stage: 'train' | 'evaluate', path: string) => store.localPath(`${unitDir(RUN, stage)}/${path}`);

  it('trains an MLP on pooled encoder outputs far above the majority baseline', async () => {
    const train = (await runStage(trainStage, store, spec)).manifest;
    expect(train.summary.executionProvider).toBe('cpu');
    expect(train.summary.featureCacheHitRate).toBe(0);
    const training = JSON.parse(await readFile(file('train', 'training.json'), 'utf8'));
    expect(training.featureCache.misses).toBeGreaterThan(0);
    expect(training.realOnly).toBeUndefined();
    const config = JSON.parse(await readFile(file('train', 'model/config.json'), 'utf8'));
    expect(config.features).toMatchObject({ kind: 'encoder', pooling: 'mean', maxLength: 64, dim: 24 });
    expect(config.features.encoder.digest).toMatch(/^[0-9a-f]{64}$/);
    // training.exportOnnx: one graph (encoder + head) plus the tokenizer files, next to the head weights
    expect(training.onnx).toBe('model/model.onnx');
    expect(train.files.map((f) => f.path)).toEqual(expect.arrayContaining(['model/model.onnx', 'model/tokenizer.json', 'model/tokenizer_config.json', 'model/head.bin']));

    const evaluation = (await runStage(evaluateStage, store, spec)).manifest.summary;
    const metrics = JSON.parse(await readFile(file('evaluate', 'metrics.json'), 'utf8'));
    const majority = metrics.models.find((m: { name: string }) => m.name === 'majority');
    expect(evaluation.f1).toBeGreaterThan(0.85);
    expect(evaluation.f1 as number).toBeGreaterThan(majority.overall.f1 + 0.5);
    expect(metrics.executionProvider).toBe('cpu');
  });

  it('reads encoder features from the store cache on a rerun, kept in chunk files', async () => {
    const rerun = await runStage(evaluateStage, store, spec, { force: true });
    const metrics = JSON.parse(await readFile(file('evaluate', 'metrics.json'), 'utf8'));
    expect(metrics.featureCache).toEqual({ hits: 100, misses: 0, hitRate: 1 });
    expect(rerun.manifest.summary.f1).toBeGreaterThan(0.85);
    const chunks: string[] = [];
    for await (const o of store.list('cache/features/')) chunks.push(o.key);
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.length).toBeLessThan(10); // 350 texts in a few chunks, not one object per text
    expect(chunks.every((k) => /^cache\/features\/[0-9a-f]{64}\/mean-64\/[0-9a-f]{32}\.bin$/.test(k))).toBe(true);
    const retrain = (await runStage(trainStage, store, spec, { force: true })).manifest;
    expect(retrain.summary.featureCacheHitRate).toBe(1);
  });
});
