/**
 * A small builder for ONNX graphs on top of onnx-proto: named initializers, nodes with
 * attributes, and the final `ModelProto.encode`. Encoding is deterministic: the same calls in
 * the same order give the same bytes.
 */
import { onnx } from "onnx-proto";

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

export type AttrValue = number | number[] | string | { float: number };

export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  /** A float32 initializer from row-major data. */
  float(name: string, dims: number[], data: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) throw new Error(`initializer ${name}: ${data.length} values for dims ${dims}`);
    this.initializers.push({ name, dims, dataType: DT.FLOAT, rawData: littleEndianF32(data) });
    return name;
  }

  /** An int64 initializer (shapes, slice bounds, indices). */
  int64(name: string, dims: number[], values: number[]): string {
    const buf = new Uint8Array(values.length * 8);
    const view = new DataView(buf.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dims, dataType: DT.INT64, rawData: buf });
    return name;
  }

  /** Adds a node; returns its (single) output name. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outName?: string): string {
    const out = outName ?? `${opType.toLowerCase()}_${this.counter++}`;
    const attribute: onnx.IAttributeProto[] = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === "string") return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
      if (typeof v === "object") return { name, type: AT.FLOAT, f: v.float };
      return { name, type: AT.INT, i: v };
    });
    this.nodes.push({ opType, input: inputs, output: [out], name: `${out}_node`, attribute });
    return out;
  }
}

export function littleEndianF32(data: Float32Array): Uint8Array {
  const buf = new Uint8Array(data.length * 4);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return buf;
}

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export { DT as OnnxDataType };
