// A CodeBERT-family encoder in ONNX form: the tokenizer through @huggingface/transformers
// (offline, from the local directory), inference through onnxruntime-node directly. Texts are
// tokenized (truncated to maxLength), batched by length to cut padding, run, pooled.
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env as hfEnv, type PreTrainedTokenizer } from '@huggingface/transformers';
import { lengthBuckets } from './bucketing.js';
import { poolRow, type Pooling } from './pooling.js';
import type { EncoderLocation } from './encoder-source.js';

export interface EncoderOptions {
  pooling: Pooling;
  maxLength: number;
  batchSize: number;
  /** training.gpus: > 0 asks for the CUDA execution provider. */
  gpus: number;
  log?: Logger;
  threads?: number;
}

export type ExecutionProvider = 'cuda' | 'cpu';

export class Encoder {
  private constructor(
    readonly location: EncoderLocation,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly session: ort.InferenceSession,
    readonly executionProvider: ExecutionProvider,
    /** Why CUDA was not used when it was asked for. */
    readonly fallbackReason: string | undefined,
    readonly options: EncoderOptions,
    readonly outputName: string,
    private readonly padId: number,
  ) {}

  static async load(location: EncoderLocation, options: EncoderOptions): Promise<Encoder> {
    const where = `${location.source} (${location.dir})`;
    let tokenizer: PreTrainedTokenizer;
    try {
      hfEnv.allowRemoteModels = false;
      hfEnv.allowLocalModels = true;
      hfEnv.localModelPath = dirname(location.dir) + '/';
      tokenizer = await AutoTokenizer.from_pretrained(basename(location.dir));
    } catch (error) {
      throw new Error(`encoder ${where}: the tokenizer (tokenizer.json, tokenizer_config.json) could not be loaded: ${(error as Error).message}. The files are missing or corrupt — re-export the model or delete the cached copy to download it again`);
    }
    const onnxPath = join(location.dir, location.onnxFile);
    const sessionOptions = (providers: ExecutionProvider[]): ort.InferenceSession.SessionOptions => ({
      executionProviders: providers, graphOptimizationLevel: 'all',
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    });
    let session: ort.InferenceSession | undefined;
    let provider: ExecutionProvider = 'cpu';
    let fallbackReason: string | undefined;
    if (options.gpus > 0) {
      try {
        session = await ort.InferenceSession.create(onnxPath, sessionOptions(['cuda']));
        provider = 'cuda';
      } catch (error) {
        fallbackReason = `CUDA execution provider unavailable: ${(error as Error).message.split('\n')[0]}`;
        options.log?.warn({ reason: fallbackReason }, 'training.gpus > 0 but CUDA could not be used; running the encoder on CPU');
      }
    }
    if (!session) {
      try {
        session = await ort.InferenceSession.create(onnxPath, sessionOptions(['cpu']));
      } catch (error) {
        throw new Error(`encoder ${where}: onnxruntime could not load ${onnxPath}: ${(error as Error).message.split('\n')[0]}. The file is incomplete or not an ONNX model — delete it (a hub or s3 encoder is fetched again) or export the model again`);
      }
    }
    for (const name of ['input_ids', 'attention_mask']) {
      if (!session.inputNames.includes(name)) throw new Error(`encoder ${where}: the ONNX graph has inputs [${session.inputNames.join(', ')}] but needs ${name}; export a feature-extraction graph (optimum-cli export onnx --task feature-extraction)`);
    }
    const outputName = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0];
    const padId = (tokenizer as unknown as { pad_token_id?: number }).pad_token_id ?? 0;
    options.log?.info({ encoder: location.source, onnx: location.onnxFile, executionProvider: provider, output: outputName }, `encoder loaded on ${provider}`);
    return new Encoder(location, tokenizer, session, provider, fallbackReason, options, outputName, padId);
  }

  /** Token ids of one text, with special tokens, truncated to maxLength. */
  tokenize(text: string): number[] {
    const encoded = this.tokenizer(text, { truncation: true, max_length: this.options.maxLength, return_tensor: false }) as unknown as { input_ids: number[] };
    return encoded.input_ids;
  }

  /** Pooled vectors of the texts, in their order. */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const ids = texts.map((t) => this.tokenize(t));
    const out: Float32Array[] = new Array(texts.length);
    for (const batch of lengthBuckets(ids.map((x) => x.length), this.options.batchSize)) {
      const vectors = await this.runBatch(batch.map((i) => ids[i]));
      batch.forEach((i, k) => { out[i] = vectors[k]; });
    }
    return out;
  }

  /** Runs one batch of token id lists (padded to the longest) and pools each row. */
  async runBatch(rows: number[][]): Promise<Float32Array[]> {
    const seq = Math.max(1, ...rows.map((r) => r.length));
    const n = rows.length;
    const inputIds = new BigInt64Array(n * seq).fill(BigInt(this.padId));
    const mask = new BigInt64Array(n * seq);
    rows.forEach((r, b) => r.forEach((id, t) => {
      inputIds[b * seq + t] = BigInt(id);
      mask[b * seq + t] = 1n;
    }));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, [n, seq]),
      attention_mask: new ort.Tensor('int64', mask, [n, seq]),
    };
    if (this.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * seq), [n, seq]);
    const result = await this.session.run(feeds);
    const hidden = result[this.outputName];
    if (hidden.dims.length !== 3) throw new Error(`encoder ${this.location.source}: output ${this.outputName} has shape [${hidden.dims.join(', ')}], expected [batch, sequence, hidden]`);
    const dim = Number(hidden.dims[2]);
    const data = hidden.data as Float32Array;
    const pooled = rows.map((_, b) => poolRow(data, mask, b, seq, dim, this.options.pooling));
    for (const t of Object.values(result)) t.dispose?.();
    return pooled;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
