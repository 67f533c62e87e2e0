// What buildOnnxModel and graphAppendix write, read back with the full ONNX schema: every field
// bugforge sets lands in its ONNX field (types, attributes of each kind, shapes, raw tensor
// bytes, opset), and an appendix carries graph entries only.
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { ONNX_FLOAT, ONNX_INT64, buildOnnxModel, graphAppendix } from '../../../stage-images/features/onnx-proto.js';

const { onnx } = onnxProto;

describe('ONNX model bytes', () => {
  const base = buildOnnxModel({
    nodes: [
      { op: 'Gather', inputs: ['emb', 'input_ids'], outputs: ['h'], attrs: { axis: 0 } },
      { op: 'ReduceMean', inputs: ['h'], outputs: ['pooled'], attrs: { axes: [1], keepdims: 0 } },
      { op: 'LeakyRelu', inputs: ['pooled'], outputs: ['out'], attrs: { alpha: { float: 0.5 } } },
    ],
    initializers: [
      { name: 'emb', dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      { name: 'shape', dims: [2], data: new BigInt64Array([1n, -1n]) },
    ],
    inputs: [{ name: 'input_ids', elemType: ONNX_INT64, shape: ['batch', 'seq'] }],
    outputs: [{ name: 'out', elemType: ONNX_FLOAT, shape: ['batch', 3] }],
  });

  it('puts every field where the ONNX schema has it', () => {
    const model = onnx.ModelProto.toObject(onnx.ModelProto.decode(base), { longs: Number, bytes: Array });
    expect(model).toMatchObject({ irVersion: 8, producerName: 'bugforge', opsetImport: [{ version: 17 }] });
    const g = model.graph;
    expect(g.node.map((n: { opType: string }) => n.opType)).toEqual(['Gather', 'ReduceMean', 'LeakyRelu']);
    expect(g.node[0].attribute).toEqual([{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]);
    expect(g.node[1].attribute[0]).toEqual({ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] });
    expect(g.node[2].attribute[0]).toEqual({ name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: 0.5 });
    expect(g.initializer.map((t: { name: string; dataType: number; dims: number[] }) => [t.name, t.dataType, t.dims]))
      .toEqual([['emb', 1, [2, 3]], ['shape', 7, [2]]]);
    const emb = Buffer.from(g.initializer[0].rawData);
    expect([...new Float32Array(emb.buffer, emb.byteOffset, 6)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(g.input[0].type.tensorType).toEqual({ elemType: 7, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'seq' }] } });
    expect(g.output[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 3 }]);
  });

  it('an appendix is a ModelProto holding only graph entries (onnxruntime merges it into the graph; test/unit/train/onnx-export runs that)', () => {
    const extra = graphAppendix({
      nodes: [{ op: 'Sigmoid', inputs: ['out'], outputs: ['score'] }],
      initializers: [{ name: 'w', dims: [1], data: new Float32Array([2]) }],
      outputs: [{ name: 'score', elemType: ONNX_FLOAT, shape: ['batch'] }],
    });
    const model = onnx.ModelProto.toObject(onnx.ModelProto.decode(extra), { longs: Number });
    expect(Object.keys(model)).toEqual(['graph']);
    expect(Object.keys(model.graph).sort()).toEqual(['initializer', 'node', 'output']);
    expect(model.graph.node[0]).toMatchObject({ opType: 'Sigmoid', input: ['out'], output: ['score'] });
  });
});
