// Builds a tiny but real encoder directory for tests and benches: a WordPiece tokenizer.json
// (+ tokenizer_config.json, config.json) that @huggingface/transformers loads, and an ONNX graph
// that onnxruntime runs — written with protobufjs from the ONNX schema (stage-images/features/onnx-proto.ts).
//
// Graph (inputs input_ids, attention_mask int64 [batch, seq]; output last_hidden_state):
//   e = Gather(embedding, input_ids); m = mask[..., None]
//   context = sum(e * m over seq) / sum(m)              (a masked mean: every token sees the text)
//   last_hidden_state = tanh(e @ W + context @ U) * m
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildOnnxModel, ONNX_FLOAT, ONNX_INT64, type GraphSpec } from '../../stage-images/features/onnx-proto.js';

export { buildOnnxModel, ONNX_FLOAT, ONNX_INT64, type GraphNode, type GraphSpec, type GraphValue, type Initializer } from '../../stage-images/features/onnx-proto.js';

/** Deterministic pseudo-random floats in [-scale, scale). */
export function randomFloats(n: number, seed: number, scale: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const WORDS = [
  'int', 'char', 'void', 'static', 'const', 'unsigned', 'long', 'size_t', 'struct', 'return', 'if', 'else', 'for', 'while',
  'break', 'null', 'sizeof', 'free', 'malloc', 'memcpy', 'strcpy', 'strncpy', 'strlen', 'buf', 'len', 'size', 'ptr', 'data',
  'src', 'dst', 'count', 'index', 'err', 'ret', 'ctx', 'def', 'self', 'none', 'true', 'false', 'check', 'bound', 'read', 'write',
];
const PUNCT = [...'(){}[];,.=<>+-*/&|!%^~?:#"\''];
const CHARS = [...'abcdefghijklmnopqrstuvwxyz0123456789_'];

/** The vocabulary: special tokens, words, punctuation, single characters and ## continuations. */
export function tinyVocabulary(): string[] {
  return [...SPECIAL, ...WORDS, ...PUNCT, ...CHARS, ...CHARS.map((c) => `##${c}`)];
}

export function tinyTokenizerJson(vocab: string[]): unknown {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (content: string) => ({ id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [ids[t]], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

/** The tiny encoder graph (see the file comment) for a vocabulary size and hidden size. */
export function tinyEncoderGraph(vocabSize: number, hidden: number, seed = 7): GraphSpec {
  return {
    initializers: [
      { name: 'embedding', dims: [vocabSize, hidden], data: randomFloats(vocabSize * hidden, seed, 1) },
      { name: 'W', dims: [hidden, hidden], data: randomFloats(hidden * hidden, seed + 1, Math.sqrt(3 / hidden)) },
      { name: 'U', dims: [hidden, hidden], data: randomFloats(hidden * hidden, seed + 2, Math.sqrt(3 / hidden)) },
      { name: 'axis_last', dims: [1], data: BigInt64Array.from([-1n]) },
      { name: 'axis_seq', dims: [1], data: BigInt64Array.from([1n]) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['embedding', 'input_ids'], outputs: ['e'] },
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['mask_f'], attrs: { to: ONNX_FLOAT } },
      { op: 'Unsqueeze', inputs: ['mask_f', 'axis_last'], outputs: ['m'] },
      { op: 'Mul', inputs: ['e', 'm'], outputs: ['em'] },
      { op: 'ReduceSum', inputs: ['em', 'axis_seq'], outputs: ['sum_e'], attrs: { keepdims: 1 } },
      { op: 'ReduceSum', inputs: ['m', 'axis_seq'], outputs: ['count'], attrs: { keepdims: 1 } },
      { op: 'Div', inputs: ['sum_e', 'count'], outputs: ['context'] },
      { op: 'MatMul', inputs: ['e', 'W'], outputs: ['eW'] },
      { op: 'MatMul', inputs: ['context', 'U'], outputs: ['cU'] },
      { op: 'Add', inputs: ['eW', 'cU'], outputs: ['pre'] },
      { op: 'Tanh', inputs: ['pre'], outputs: ['t'] },
      { op: 'Mul', inputs: ['t', 'm'], outputs: ['last_hidden_state'] },
    ],
    inputs: [
      { name: 'input_ids', elemType: ONNX_INT64, shape: ['batch', 'sequence'] },
      { name: 'attention_mask', elemType: ONNX_INT64, shape: ['batch', 'sequence'] },
    ],
    outputs: [{ name: 'last_hidden_state', elemType: ONNX_FLOAT, shape: ['batch', 'sequence', hidden] }],
  };
}

export interface EncoderDirOptions { hidden?: number; onnxFile?: string; graph?: GraphSpec; seed?: number }

/** Writes the tokenizer files and an ONNX graph (default: the tiny encoder) into `dir`. */
export async function writeEncoderDir(dir: string, opts: EncoderDirOptions = {}): Promise<{ dir: string; vocab: string[]; hidden: number }> {
  const vocab = tinyVocabulary();
  const hidden = opts.hidden ?? 32;
  const onnxFile = opts.onnxFile ?? 'onnx/model.onnx';
  await mkdir(join(dir, onnxFile, '..'), { recursive: true });
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(vocab)));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({
    tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 512,
    cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]',
  }));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: hidden, vocab_size: vocab.length }));
  await writeFile(join(dir, onnxFile), buildOnnxModel(opts.graph ?? tinyEncoderGraph(vocab.length, hidden, opts.seed)));
  return { dir, vocab, hidden };
}
