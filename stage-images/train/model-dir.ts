// The model directory a train stage publishes (model/) and evaluate or a pretrained run loads:
//   config.json   what the features are (TF-IDF vocabulary, or the encoder reference + digest,
//                 pooling, maxLength), the head's shape, the tensor table and the threshold;
//   head.bin      the head's weights, float32 little-endian, laid out as config.json's tensors;
//   model_card.md the training metrics, for people.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStore, s3ConnectionFromEnv } from '../../core/store/open.js';
import { NotFoundError } from '../../core/store/store.js';
import type { TfidfVocabulary } from '../features/tfidf.js';
import { paramShapes, type HeadParams, type HeadShape } from './head.js';

export const MODEL_FORMAT = 'bugforge-detector/v1';

import type { EncoderReference } from '../features/open-encoder.js';
export type { EncoderReference };

export type FeatureConfig =
  | { kind: 'tfidf'; vocabulary: TfidfVocabulary }
  | { kind: 'encoder'; encoder: EncoderReference; pooling: 'cls' | 'mean'; maxLength: number; dim: number };

export interface TensorEntry { name: string; shape: number[]; offset: number; length: number }

export interface ModelConfig {
  format: typeof MODEL_FORMAT;
  features: FeatureConfig;
  head: HeadShape;
  threshold: number;
  /** How the threshold and the fit were chosen (absent in models from before bugforge chose them on validation). */
  fitted?: { thresholdFrom: string; optimizer: string; l2: number; standardized: boolean };
  weights: { file: 'head.bin'; dtype: 'float32-le'; tensors: TensorEntry[] };
  trainedOn: { rows: number; positives: number; synthetic: number };
  bugforgeVersion: string;
}

export interface DetectorModel { config: ModelConfig; params: HeadParams }

export const MODEL_FILES = ['config.json', 'head.bin', 'model_card.md'] as const;

/** The bytes of config.json and head.bin for a trained head. */
export function encodeModel(config: Omit<ModelConfig, 'format' | 'weights'>, params: HeadParams): { config: ModelConfig; configJson: string; weights: Buffer } {
  const tensors: TensorEntry[] = [];
  let offset = 0;
  for (const [name, shape] of Object.entries(paramShapes(config.head))) {
    const length = params[name].length;
    tensors.push({ name, shape, offset, length });
    offset += length;
  }
  const all = new Float32Array(offset);
  for (const t of tensors) all.set(params[t.name], t.offset);
  const full: ModelConfig = { format: MODEL_FORMAT, ...config, weights: { file: 'head.bin', dtype: 'float32-le', tensors } };
  return { config: full, configJson: JSON.stringify(full, null, 2) + '\n', weights: Buffer.from(all.buffer) };
}

export function decodeModel(configJson: string, weights: Buffer, where: string): DetectorModel {
  let config: ModelConfig;
  try {
    config = JSON.parse(configJson) as ModelConfig;
  } catch (error) {
    throw new Error(`model ${where}: config.json is not valid JSON (${(error as Error).message}); the model directory is corrupt — train it again or point training.model at a bugforge model directory`);
  }
  if (config.format !== MODEL_FORMAT) throw new Error(`model ${where}: config.json has format ${JSON.stringify(config.format)}, expected ${MODEL_FORMAT}: not a bugforge model directory`);
  const expected = config.weights.tensors.reduce((n, t) => n + t.length, 0);
  if (weights.length !== expected * 4) {
    throw new Error(`model ${where}: head.bin has ${weights.length} bytes but config.json describes ${expected * 4}; the file is truncated or from another model — train it again`);
  }
  const floats = new Float32Array(weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length));
  const params: HeadParams = {};
  for (const t of config.weights.tensors) params[t.name] = floats.slice(t.offset, t.offset + t.length);
  for (const name of Object.keys(paramShapes(config.head))) {
    if (!params[name]) throw new Error(`model ${where}: head.bin lacks tensor ${name} for a ${config.head.kind} head`);
  }
  return { config, params };
}

/** Loads a model directory from a local path or an s3:// prefix (training.model in pretrained mode). */
export async function loadModelFromUri(uri: string, env: NodeJS.ProcessEnv = process.env): Promise<DetectorModel> {
  const read = async (file: string): Promise<Buffer> => {
    try {
      if (uri.startsWith('s3://')) {
        const chunks: Buffer[] = [];
        for await (const c of await openStore(uri, s3ConnectionFromEnv(env)).read(file)) chunks.push(Buffer.from(c));
        return Buffer.concat(chunks);
      }
      return await readFile(join(uri.startsWith('file://') ? new URL(uri).pathname : uri, file));
    } catch (error) {
      if (error instanceof NotFoundError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(`model ${uri}: no ${file} there. training.model must be a bugforge model directory (config.json + head.bin), e.g. the model/ folder a train stage published`);
      }
      throw error;
    }
  };
  return decodeModel((await read('config.json')).toString('utf8'), await read('head.bin'), uri);
}
