// An encoder and a pretrained model directory read from s3:// prefixes (s3rver, a real
// S3-compatible server), the way a cluster run points training.encoder / training.model at MinIO.
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../../core/store/s3.js';
import { Encoder } from '../../../stage-images/features/encoder.js';
import { resolveEncoder } from '../../../stage-images/features/encoder-source.js';
import { encodeModel, loadModelFromUri } from '../../../stage-images/train/model-dir.js';
import { startS3, type TestS3 } from '../../support/s3.js';
import { writeEncoderDir } from '../../support/tiny-encoder.js';

async function upload(store: S3Store, dir: string, prefix: string) {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    await store.write(`${prefix}/${relative(dir, path)}`, await readFile(path));
  }
}

describe('s3:// sources', () => {
  let s3: TestS3;
  let root: string;
  let bucket: S3Store;
  beforeAll(async () => {
    s3 = await startS3({ buckets: ['models'] });
    root = await mkdtemp(join(tmpdir(), 'bugforge-s3src-'));
    bucket = new S3Store({ bucket: 'models', endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey });
  });
  afterAll(async () => {
    await s3.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('copies an encoder prefix into the local cache and runs it; a sibling prefix is not mixed in', async () => {
    await upload(bucket, (await writeEncoderDir(join(root, 'enc'))).dir, 'encoders/tiny');
    await bucket.write('encoders/tiny-v2/stray.txt', 'not part of encoders/tiny');
    const env = { ...s3.env, BUGFORGE_CACHE_DIR: join(root, 'cache') };
    const loc = await resolveEncoder('s3://models/encoders/tiny', { revision: 'main', hubEndpoint: 'http://unused.invalid', env });
    expect(loc).toMatchObject({ kind: 's3', onnxFile: 'onnx/model.onnx', dir: join(root, 'cache', 'models', 's3', 'models', 'encoders', 'tiny') });
    expect((await readdir(loc.dir)).sort()).toEqual(['config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    const encoder = await Encoder.load(loc, { pooling: 'mean', maxLength: 16, batchSize: 2, gpus: 0 });
    expect((await encoder.embed(['int a;', 'free(ptr);']))[1]).toHaveLength(32);
    await encoder.close();
    await expect(resolveEncoder('s3://models/encoders/none', { revision: 'main', hubEndpoint: 'x', env })).rejects.toThrow(/nothing under that prefix/);
  });

  it('loads a pretrained model directory from s3://', async () => {
    const { configJson, weights } = encodeModel({
      features: { kind: 'tfidf', vocabulary: { terms: ['a'], idf: [1], documents: 1, minDocFreq: 1, maxFeatures: 1 } },
      head: { kind: 'logreg', inputDim: 1, hiddenSize: 0 }, threshold: 0.5, trainedOn: { rows: 1, positives: 1, synthetic: 0 }, bugforgeVersion: 'test',
    }, { w: Float32Array.from([2]), b: Float32Array.from([-1]) });
    await bucket.write('detectors/m1/config.json', configJson);
    await bucket.write('detectors/m1/head.bin', weights);
    const model = await loadModelFromUri('s3://models/detectors/m1', s3.env);
    expect(Array.from(model.params.w)).toEqual([2]);
    await expect(loadModelFromUri('s3://models/detectors/missing', s3.env)).rejects.toThrow(/no config\.json there/);
  });
});
