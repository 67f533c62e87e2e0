import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, loadModelFromUri } from '../../../stage-images/train/model-dir.js';

const head = { kind: 'mlp' as const, inputDim: 3, hiddenSize: 2 };
const params = { w1: Float32Array.from([1, 2, 3, 4, 5, 6]), b1: Float32Array.from([7, 8]), w2: Float32Array.from([9, 10]), b2: Float32Array.from([11]) };
const encoded = () => encodeModel({
  features: { kind: 'tfidf', vocabulary: { terms: ['a', 'b', 'c'], idf: [1, 1, 1], documents: 3, minDocFreq: 1, maxFeatures: 10 } },
  head, threshold: 0.5, trainedOn: { rows: 3, positives: 1, synthetic: 0 }, bugforgeVersion: 'test',
}, params);

describe('model directory', () => {
  it('round-trips the head weights through config.json + head.bin', () => {
    const { configJson, weights } = encoded();
    expect(weights.length).toBe(11 * 4);
    const model = decodeModel(configJson, weights, 'mem');
    expect(Array.from(model.params.w1)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(model.params.b2)).toEqual([11]);
  });

  it('fails with what is wrong and what to do on a corrupt or truncated model', async () => {
    const { configJson, weights } = encoded();
    expect(() => decodeModel(configJson, weights.subarray(0, 40), 'dir')).toThrow(/head\.bin has 40 bytes but config\.json describes 44.*train it again/);
    expect(() => decodeModel('{"format": ', weights, 'dir')).toThrow(/config\.json is not valid JSON/);
    expect(() => decodeModel('{"format": "other"}', weights, 'dir')).toThrow(/not a bugforge model directory/);
    const dir = await mkdtemp(join(tmpdir(), 'bugforge-model-'));
    await mkdir(join(dir, 'm'));
    await writeFile(join(dir, 'm', 'config.json'), configJson);
    await expect(loadModelFromUri(join(dir, 'm'))).rejects.toThrow(/no head\.bin there/);
    await writeFile(join(dir, 'm', 'head.bin'), weights);
    expect((await loadModelFromUri(join(dir, 'm'))).config.head).toEqual(head);
  });
});
