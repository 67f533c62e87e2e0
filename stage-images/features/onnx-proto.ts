// The part of the ONNX protobuf schema (onnx/onnx.proto, same field numbers) that bugforge
// writes: graphs of nodes, initializers and typed inputs/outputs. Used to export the detector
// (encoder + head) as one graph, and by the tests to build a tiny encoder.
import protobuf from 'protobufjs';

const ONNX_SUBSET = `
syntax = "proto3";
package onnx;
message AttributeProto {
  string name = 1; float f = 2; int64 i = 3; bytes s = 4; TensorProto t = 5;
  repeated float floats = 7; repeated int64 ints = 8; int32 type = 20;
}
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message NodeProto {
  repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4;
  repeated AttributeProto attribute = 5; string domain = 7;
}
message ModelProto {
  int64 ir_version = 1; string producer_name = 2; string producer_version = 3;
  GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8;
}
message GraphProto {
  repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12;
}
message TensorProto {
  repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9;
}
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
`;

export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_INTS = 7;

export interface GraphNode { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, number | number[] | { float: number }> }
export interface Initializer { name: string; dims: number[]; data: Float32Array | BigInt64Array }
export interface GraphValue { name: string; elemType: number; shape: (number | string)[] }
export interface GraphSpec { nodes: GraphNode[]; initializers: Initializer[]; inputs: GraphValue[]; outputs: GraphValue[]; opset?: number }

let modelType: protobuf.Type | undefined;
const ModelProto = () => (modelType ??= protobuf.parse(ONNX_SUBSET).root.lookupType('onnx.ModelProto'));

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
  const Model = ModelProto();
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
  const Model = ModelProto();
  return Model.encode(Model.fromObject({ graph: graphObject(extra) })).finish();
}
