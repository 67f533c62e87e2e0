// The exported graph (encoder + pooling + head) gives what the pipeline's own path gives:
// Encoder.embed then the head's predict, for both poolings and both heads.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Encoder } from '../../../stage-images/features/encoder.js';
import { resolveEncoder } from '../../../stage-images/features/encoder-source.js';
import { denseFromRows } from '../../../stage-images/features/matrix.js';
import { initParams, predict, type HeadShape } from '../../../stage-images/train/head.js';
import type { DetectorModel } from '../../../stage-images/train/model-dir.js';
import { EXPORT_OUTPUT, headAppendix } from '../../../stage-images/train/onnx-export.js';
import { seededRandom } from '../../../stage-images/train/random.js';
import { writeEncoderDir } from '../../support/tiny-encoder.js';

const texts = ['int a;', 'static void f(void) { free(ptr); ptr = null; }', 'if (len >= size) return -1;'];

describe('ONNX export of encoder + head', () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bugforge-export-'));
    dir = (await writeEncoderDir(join(root, 'enc'), { hidden: 16 })).dir;
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  for (const [pooling, kind] of [['cls', 'logreg'], ['mean', 'mlp']] as const) {
    it(`${pooling} pooling + ${kind}: the graph's bug_probability equals embed + predict`, async () => {
      const location = await resolveEncoder(dir, { revision: 'main', hubEndpoint: 'x', env: {} });
      const encoder = await Encoder.load(location, { pooling, maxLength: 32, batchSize: 4, gpus: 0 });
      const shape: HeadShape = { kind, inputDim: 16, hiddenSize: kind === 'mlp' ? 8 : 0 };
      const params = initParams(shape, seededRandom(3));
      if (kind === 'logreg') params.w.forEach((_, i) => { params.w[i] = Math.sin(i + 1); });
      const model = { config: { features: { kind: 'encoder', encoder: { source: dir, revision: 'local', digest: 'x', onnxFile: location.onnxFile }, pooling, maxLength: 32, dim: 16 }, head: shape, threshold: 0.5 }, params } as unknown as DetectorModel;
      const expected = predict(shape, params, denseFromRows((await encoder.embed(texts)).map((v) => Array.from(v))));

      const bytes = Buffer.concat([await readFile(join(dir, location.onnxFile)), Buffer.from(headAppendix(model, encoder.outputName))]);
      const session = await ort.InferenceSession.create(bytes);
      expect(session.outputNames).toContain(EXPORT_OUTPUT);
      // one padded batch, as a server would send it
      const ids = texts.map((t) => encoder.tokenize(t));
      const seq = Math.max(...ids.map((r) => r.length));
      const inputIds = new BigInt64Array(texts.length * seq), mask = new BigInt64Array(texts.length * seq);
      ids.forEach((r, b) => r.forEach((id, t) => { inputIds[b * seq + t] = BigInt(id); mask[b * seq + t] = 1n; }));
      const out = await session.run({ input_ids: new ort.Tensor('int64', inputIds, [texts.length, seq]), attention_mask: new ort.Tensor('int64', mask, [texts.length, seq]) });
      const got = out[EXPORT_OUTPUT];
      expect(got.dims).toEqual([3, 1]);
      Array.from(got.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
      expect(new Set(Array.from(expected).map((v) => v.toFixed(4))).size).toBeGreaterThan(1); // the texts score differently
      await session.release();
      await encoder.close();
    });
  }
});
