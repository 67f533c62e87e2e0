// ONNX graphs as bugforge writes them (nodes, initializers, typed inputs/outputs), encoded with
// the onnx-proto package's ModelProto (the whole onnx.proto schema, compiled by protobufjs).
// Used to export the detector (encoder + head) as one graph, and by the tests to build a tiny
// encoder.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export const ONNX_FLOAT = onnx.TensorProto.DataType.FLOAT;
export const ONNX_INT64 = onnx.TensorProto.DataType.INT64;
const { FLOAT: ATTR_FLOAT, INT: ATTR_INT, INTS: ATTR_INTS } = onnx.AttributeProto.AttributeType;

export interface GraphNode { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, number | number[] | { float: number }> }
export interface Initializer { name: string; dims: number[]; data: Float32Array | BigInt64Array }
export interface GraphValue { name: string; elemType: number; shape: (number | string)[] }
export interface GraphSpec { nodes: GraphNode[]; initializers: Initializer[]; inputs: GraphValue[]; outputs: GraphValue[]; opset?: number }

function graphObject(spec: Partial<GraphSpec>, name?: string) {
  const value = (v: GraphValue) => ({
    name: v.name,
    type: { tensorType: { elemType: v.elemType, shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const attribute = (attrName: string, a: number | number[] | { float: number }) =>
    Array.isArray(a) ? { name: attrName, type: ATTR_INTS, ints: a }
      : typeof a === 'object' ? { name: attrName, type: ATTR_FLOAT, f: a.float }
        : { name: attrName, type: ATTR_INT, i: a };
  return {
    ...(name ? { name } : {}),
    node: (spec.nodes ?? []).map((n, k) => ({
      name: `${n.outputs[0]}_${n.op.toLowerCase()}_${k}`, opType: n.op, input: n.inputs, output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([attrName, a]) => attribute(attrName, a)),
    })),
    initializer: (spec.initializers ?? []).map((t) => ({
      name: t.name, dims: t.dims, dataType: t.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64,
      rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    })),
    input: (spec.inputs ?? []).map(value),
    output: (spec.outputs ?? []).map(value),
  };
}

/** Serialises a whole graph to ONNX ModelProto bytes. */
export function buildOnnxModel(spec: GraphSpec, producer = 'bugforge'): Uint8Array {
  const Model = onnx.ModelProto;
  return Model.encode(Model.fromObject({
    irVersion: 8, producerName: producer, opsetImport: [{ domain: '', version: spec.opset ?? 17 }], graph: graphObject(spec, 'encoder'),
  })).finish();
}

/**
 * Bytes that, appended to a serialised ModelProto, add nodes, initializers and outputs to its
 * graph: protobuf parsing merges a repeated field's later occurrences into it, so the encoder's
 * bytes are never decoded (and nothing this schema does not know is lost).
 */
export function graphAppendix(extra: Pick<GraphSpec, 'nodes' | 'initializers' | 'outputs'>): Uint8Array {
  const Model = onnx.ModelProto;
  return Model.encode(Model.fromObject({ graph: graphObject(extra) })).finish();
}
