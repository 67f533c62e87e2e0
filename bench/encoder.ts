// Encoder throughput (samples/s) through the real code path (transformers tokenizer +
// onnxruntime-node, length-bucketed batches, pooling), at sequence lengths 128 and 400, on CPU.
// Two encoders, both built here: the tiny test encoder (32 hidden), and a BERT-base-sized graph
// with RANDOM weights (12 layers, 768 hidden, 12 heads, 3072 FFN, GELU, LayerNorm — CodeBERT's
// shape and cost, not its weights; no position embeddings). Every text is long enough to fill the
// sequence length, so each figure is at exactly that length.
//   npx tsx bench/encoder.ts [--samples 32] [--batch 8] [--skip-bert] [--gpus 0]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Encoder } from '../stage-images/features/encoder.js';
import { resolveEncoder } from '../stage-images/features/encoder-source.js';
import { ONNX_FLOAT, ONNX_INT64, randomFloats, tinyVocabulary, writeEncoderDir, type GraphNode, type GraphSpec, type Initializer } from '../test/support/tiny-encoder.js';
import { mib, startMemorySampler } from './memory.js';

const { values: args } = parseArgs({ options: {
  samples: { type: 'string', default: '32' }, batch: { type: 'string', default: '8' },
  'skip-bert': { type: 'boolean', default: false }, gpus: { type: 'string', default: '0' },
} });

/** A BERT-base-sized encoder graph with random weights (see the file comment). */
function bertBaseGraph(vocabSize: number, layers = 12, hidden = 768, heads = 12, ffn = 3072): GraphSpec {
  const inits: Initializer[] = [];
  const nodes: GraphNode[] = [];
  let seed = 100;
  const weight = (name: string, dims: number[], scale = 0.02) => {
    inits.push({ name, dims, data: randomFloats(dims.reduce((a, b) => a * b, 1), seed++, scale) });
    return name;
  };
  const constant = (name: string, dims: number[], values: number[]) => {
    inits.push({ name, dims, data: Float32Array.from(values) });
    return name;
  };
  const ints = (name: string, values: number[]) => {
    inits.push({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  };
  const ones = (name: string, n: number) => constant(name, [n], new Array(n).fill(1));
  const zeros = (name: string, n: number) => constant(name, [n], new Array(n).fill(0));
  const op = (type: string, inputs: string[], output: string, attrs?: GraphNode['attrs']) => {
    nodes.push({ op: type, inputs, outputs: [output], attrs });
    return output;
  };
  const headDim = hidden / heads;
  ints('split_heads', [0, 0, heads, headDim]);
  ints('merge_heads', [0, 0, hidden]);
  ints('axes_12', [1, 2]);
  constant('neg_big', [], [-10000]);
  constant('one', [], [1]);
  constant('half', [], [0.5]);
  constant('inv_sqrt2', [], [Math.SQRT1_2]);
  constant('attn_scale', [], [1 / Math.sqrt(headDim)]);
  // mask bias [batch, 1, 1, seq]: 0 where attended, -10000 on padding
  op('Cast', ['attention_mask'], 'mask_f', { to: ONNX_FLOAT });
  op('Unsqueeze', ['mask_f', 'axes_12'], 'mask_4d');
  op('Sub', ['one', 'mask_4d'], 'mask_inv');
  op('Mul', ['mask_inv', 'neg_big'], 'mask_bias');
  op('Gather', [weight('word_embeddings', [vocabSize, hidden]), 'input_ids'], 'emb');
  let x = op('LayerNormalization', ['emb', ones('emb_ln_g', hidden), zeros('emb_ln_b', hidden)], 'emb_ln', { axis: -1, epsilon: { float: 1e-12 } });
  for (let l = 0; l < layers; l++) {
    const p = `l${l}_`;
    const proj = (name: string, input: string, dIn: number, dOut: number) =>
      op('Add', [op('MatMul', [input, weight(`${p}${name}_w`, [dIn, dOut])], `${p}${name}_mm`), zeros(`${p}${name}_b`, dOut)], `${p}${name}`);
    const q = op('Transpose', [op('Reshape', [proj('q', x, hidden, hidden), 'split_heads'], `${p}q4`)], `${p}qt`, { perm: [0, 2, 1, 3] });
    const k = op('Transpose', [op('Reshape', [proj('k', x, hidden, hidden), 'split_heads'], `${p}k4`)], `${p}kt`, { perm: [0, 2, 3, 1] });
    const v = op('Transpose', [op('Reshape', [proj('v', x, hidden, hidden), 'split_heads'], `${p}v4`)], `${p}vt`, { perm: [0, 2, 1, 3] });
    const scores = op('Add', [op('Mul', [op('MatMul', [q, k], `${p}qk`), 'attn_scale'], `${p}qk_s`), 'mask_bias'], `${p}scores`);
    const probs = op('Softmax', [scores], `${p}probs`, { axis: -1 });
    const ctx = op('Reshape', [op('Transpose', [op('MatMul', [probs, v], `${p}ctx4`)], `${p}ctxt`, { perm: [0, 2, 1, 3] }), 'merge_heads'], `${p}ctx`);
    const attn = op('Add', [proj('o', ctx, hidden, hidden), x], `${p}attn_res`);
    const a = op('LayerNormalization', [attn, ones(`${p}ln1_g`, hidden), zeros(`${p}ln1_b`, hidden)], `${p}ln1`, { axis: -1, epsilon: { float: 1e-12 } });
    const h = proj('ffn1', a, hidden, ffn);
    // GELU(h) = 0.5 h (1 + erf(h / sqrt 2))
    const gelu = op('Mul', [op('Mul', [h, 'half'], `${p}h_half`), op('Add', [op('Erf', [op('Mul', [h, 'inv_sqrt2'], `${p}h_s`)], `${p}erf`), 'one'], `${p}erf1`)], `${p}gelu`);
    const out = op('Add', [proj('ffn2', gelu, ffn, hidden), a], `${p}ffn_res`);
    x = op('LayerNormalization', [out, ones(`${p}ln2_g`, hidden), zeros(`${p}ln2_b`, hidden)], l === layers - 1 ? 'last_hidden_state' : `${p}ln2`, { axis: -1, epsilon: { float: 1e-12 } });
  }
  return {
    nodes, initializers: inits, opset: 17,
    inputs: [
      { name: 'input_ids', elemType: ONNX_INT64, shape: ['batch', 'sequence'] },
      { name: 'attention_mask', elemType: ONNX_INT64, shape: ['batch', 'sequence'] },
    ],
    outputs: [{ name: 'last_hidden_state', elemType: ONNX_FLOAT, shape: ['batch', 'sequence', hidden] }],
  };
}

/** Texts of random vocabulary words, long enough to be truncated at `tokens`. */
function longTexts(n: number, tokens: number): string[] {
  const words = tinyVocabulary().filter((w) => /^[a-z_]{3,}$/.test(w));
  let a = 1;
  const next = () => (a = (a * 16807) % 2147483647);
  return Array.from({ length: n }, () => Array.from({ length: tokens + 8 }, () => words[next() % words.length]).join(' '));
}

async function measure(label: string, dir: string, samples: number, batchSize: number, gpus: number) {
  const location = await resolveEncoder(dir, { revision: 'main', hubEndpoint: 'http://unused.invalid', env: {} });
  for (const maxLength of [128, 400]) {
    const encoder = await Encoder.load(location, { pooling: 'cls', maxLength, batchSize, gpus });
    const texts = longTexts(samples, maxLength);
    await encoder.embed(texts.slice(0, batchSize)); // warm-up (session allocation)
    const started = performance.now();
    const vectors = await encoder.embed(texts);
    const seconds = (performance.now() - started) / 1000;
    console.log(`| ${label} | ${encoder.executionProvider} | ${maxLength} | ${batchSize} | ${samples} | ${(samples / seconds).toFixed(1)} | ${((seconds / samples) * 1000).toFixed(1)} ms | ${vectors[0].length} |`);
    await encoder.close();
  }
}

const samples = Number(args.samples), batch = Number(args.batch), gpus = Number(args.gpus);
const root = await mkdtemp(join(tmpdir(), 'bugforge-bench-encoder-'));
const memory = startMemorySampler();
try {
  console.log('| encoder | provider | seq len | batch | samples | samples/s | per sample | dim |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  await measure('tiny test encoder (32 hidden)', (await writeEncoderDir(join(root, 'tiny'))).dir, samples * 8, batch, gpus);
  if (!args['skip-bert']) {
    const built = performance.now();
    const dir = (await writeEncoderDir(join(root, 'bert-base'), { graph: bertBaseGraph(tinyVocabulary().length) })).dir;
    console.error(`built the BERT-base-sized graph in ${((performance.now() - built) / 1000).toFixed(1)} s`);
    await measure('BERT-base-sized, random weights', dir, samples, batch, gpus);
  }
} finally {
  const peak = memory.stop();
  console.log(`\npeak RSS ${mib(peak.peakRssBytes)}; CPU cores: ${(await import('node:os')).availableParallelism()}`);
  await rm(root, { recursive: true, force: true });
}
