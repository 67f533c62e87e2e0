// training.exportOnnx: the detector as one ONNX graph for serving — the encoder's graph with the
// pooling and the head appended (inputs input_ids, attention_mask; new output bug_probability
// [batch, 1]). The head is appended as protobuf bytes that merge into the encoder's graph (see
// graphAppendix), using only operators whose form is the same in every opset since 9.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { graphAppendix, ONNX_FLOAT, type GraphNode, type Initializer } from '../features/onnx-proto.js';
import type { DetectorModel } from './model-dir.js';

export const EXPORT_OUTPUT = 'bug_probability';
const P = 'bugforge_head/';

/** The nodes and weights that turn the encoder's hidden states into the head's probability. */
export function headAppendix(model: DetectorModel, hiddenOutput: string): Uint8Array {
  const f = model.config.features;
  if (f.kind !== 'encoder') throw new Error('an ONNX export needs encoder features (TF-IDF tokenisation is not an ONNX graph)');
  const nodes: GraphNode[] = [];
  const inits: Initializer[] = [];
  const ints = (name: string, dims: number[], values: number[]) => inits.push({ name: P + name, dims, data: BigInt64Array.from(values.map(BigInt)) });
  const floats = (name: string, dims: number[], data: Float32Array) => inits.push({ name: P + name, dims, data });
  const op = (type: string, inputs: string[], output: string, attrs?: GraphNode['attrs']) => nodes.push({ op: type, inputs, outputs: [output], attrs });
  if (f.pooling === 'cls') {
    ints('first', [], [0]);
    op('Gather', [hiddenOutput, P + 'first'], P + 'pooled', { axis: 1 });
  } else {
    // mean over attended tokens: (mask · hidden) / (mask · mask), with the mask as [b, 1, s] and [b, s, 1]
    ints('as_row', [3], [0, 1, -1]);
    ints('as_col', [3], [0, -1, 1]);
    ints('flat', [2], [0, -1]);
    op('Cast', ['attention_mask'], P + 'mask', { to: ONNX_FLOAT });
    op('Reshape', [P + 'mask', P + 'as_row'], P + 'mask_row');
    op('Reshape', [P + 'mask', P + 'as_col'], P + 'mask_col');
    op('MatMul', [P + 'mask_row', hiddenOutput], P + 'sum');
    op('MatMul', [P + 'mask_row', P + 'mask_col'], P + 'count');
    op('Div', [P + 'sum', P + 'count'], P + 'mean');
    op('Reshape', [P + 'mean', P + 'flat'], P + 'pooled');
  }
  const { head } = model.config;
  const p = model.params;
  if (head.kind === 'logreg') {
    floats('w', [head.inputDim, 1], p.w);
    floats('b', [1], p.b);
    op('MatMul', [P + 'pooled', P + 'w'], P + 'wx');
    op('Add', [P + 'wx', P + 'b'], P + 'logit');
  } else {
    floats('w1', [head.inputDim, head.hiddenSize], p.w1);
    floats('b1', [head.hiddenSize], p.b1);
    floats('w2', [head.hiddenSize, 1], p.w2);
    floats('b2', [1], p.b2);
    op('MatMul', [P + 'pooled', P + 'w1'], P + 'h_mm');
    op('Add', [P + 'h_mm', P + 'b1'], P + 'h_pre');
    op('Relu', [P + 'h_pre'], P + 'h');
    op('MatMul', [P + 'h', P + 'w2'], P + 'z_mm');
    op('Add', [P + 'z_mm', P + 'b2'], P + 'logit');
  }
  op('Sigmoid', [P + 'logit'], EXPORT_OUTPUT);
  return graphAppendix({ nodes, initializers: inits, outputs: [{ name: EXPORT_OUTPUT, elemType: ONNX_FLOAT, shape: ['batch', 1] }] });
}

/** The exported graph's bytes as a stream: the encoder file, then the appendix. */
export function exportedOnnx(encoderOnnxPath: string, appendix: Uint8Array): Readable {
  return Readable.from((async function* () {
    for await (const chunk of createReadStream(encoderOnnxPath)) yield chunk as Buffer;
    yield Buffer.from(appendix);
  })());
}
