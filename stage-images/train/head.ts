// The classification heads: logistic regression and a one-hidden-layer MLP (ReLU), trained with
// class-weighted binary cross-entropy and Adam, on dense (encoder) or sparse (TF-IDF) rows.
// Hand-written: no maintained JS library trains these in-process on both sparse and dense inputs.
// This file: shapes, initialisation and the forward pass; trainer.ts: gradients and Adam.
import type { DenseMatrix, FeatureMatrix } from '../features/matrix.js';
import type { Random } from './random.js';

export type HeadKind = 'logreg' | 'mlp';

export interface HeadShape { kind: HeadKind; inputDim: number; hiddenSize: number }

/** Parameter tensors by name: logreg {w, b}; mlp {w1 [inputDim × hidden], b1, w2, b2}. */
export type HeadParams = Record<string, Float32Array>;

export const paramShapes = (s: HeadShape): Record<string, number[]> =>
  s.kind === 'logreg'
    ? { w: [s.inputDim], b: [1] }
    : { w1: [s.inputDim, s.hiddenSize], b1: [s.hiddenSize], w2: [s.hiddenSize], b2: [1] };

export function initParams(shape: HeadShape, random: Random): HeadParams {
  const params: HeadParams = {};
  for (const [name, dims] of Object.entries(paramShapes(shape))) params[name] = new Float32Array(dims.reduce((a, b) => a * b, 1));
  if (shape.kind === 'mlp') {
    // Glorot-uniform weights, zero biases.
    const fill = (w: Float32Array, fanIn: number, fanOut: number) => {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < w.length; i++) w[i] = (random() * 2 - 1) * limit;
    };
    fill(params.w1, shape.inputDim, shape.hiddenSize);
    fill(params.w2, shape.hiddenSize, 1);
  }
  return params;
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

// The loops below are written out per input kind, with arrays in locals: this is the hot path
// (a closure per value or a property lookup per multiply costs an order of magnitude here).

/** x[r] · w (+ nothing): the dot product of row r with a weight vector. */
export function dotRow(x: FeatureMatrix, r: number, w: Float32Array): number {
  let z = 0;
  if (x.kind === 'dense') {
    const d = x.data, base = r * x.dim;
    for (let i = 0; i < x.dim; i++) z += d[base + i] * w[i];
  } else {
    const idx = x.indices, val = x.values;
    for (let k = x.indptr[r], end = x.indptr[r + 1]; k < end; k++) z += val[k] * w[idx[k]];
  }
  return z;
}

/** out = b1 + x[r] · W1 (W1 stored input-major: row i holds the h weights of input i). */
export function hiddenPre(h: number, b1: Float32Array, w1: Float32Array, x: FeatureMatrix, r: number, out: Float32Array): void {
  out.set(b1);
  if (x.kind === 'dense') {
    const d = x.data, base = r * x.dim;
    for (let i = 0; i < x.dim; i++) {
      const v = d[base + i];
      if (v === 0) continue;
      const o = i * h;
      for (let j = 0; j < h; j++) out[j] += v * w1[o + j];
    }
  } else {
    const idx = x.indices, val = x.values;
    for (let k = x.indptr[r], end = x.indptr[r + 1]; k < end; k++) {
      const v = val[k], o = idx[k] * h;
      for (let j = 0; j < h; j++) out[j] += v * w1[o + j];
    }
  }
}

/** Probability that row r is buggy. */
export function predictRow(shape: HeadShape, p: HeadParams, x: FeatureMatrix, r: number, scratch = new Float32Array(shape.hiddenSize)): number {
  if (shape.kind === 'logreg') return sigmoid(p.b[0] + dotRow(x, r, p.w));
  const h = shape.hiddenSize, w2 = p.w2;
  hiddenPre(h, p.b1, p.w1, x, r, scratch);
  let z = p.b2[0];
  for (let j = 0; j < h; j++) if (scratch[j] > 0) z += scratch[j] * w2[j];
  return sigmoid(z);
}

// Dense MLP rows go through W1 four at a time: each weight loaded once serves four rows, which
// is what bounds this loop (W1 does not fit in cache at 768 × 256).
export const BLOCK = 4;

/** Copies up to BLOCK dense rows into `xb` (zeros for missing rows). */
export function loadBlock(x: DenseMatrix, rows: ArrayLike<number>, from: number, count: number, xb: Float32Array): void {
  xb.fill(0);
  for (let k = 0; k < count; k++) xb.set(x.data.subarray(rows[from + k] * x.dim, (rows[from + k] + 1) * x.dim), k * x.dim);
}

/** out[k·h + j] = b1[j] + Σ_i xb[k·dim + i] · W1[i·h + j] for the BLOCK rows of xb. */
export function hiddenPreBlock(h: number, dim: number, b1: Float32Array, w1: Float32Array, xb: Float32Array, out: Float32Array): void {
  for (let k = 0; k < BLOCK; k++) out.set(b1, k * h);
  const d1 = dim, d2 = 2 * dim, d3 = 3 * dim, h2 = 2 * h, h3 = 3 * h;
  for (let i = 0; i < dim; i++) {
    const v0 = xb[i], v1 = xb[d1 + i], v2 = xb[d2 + i], v3 = xb[d3 + i];
    if (v0 === 0 && v1 === 0 && v2 === 0 && v3 === 0) continue;
    const o = i * h;
    for (let j = 0; j < h; j++) {
      const w = w1[o + j];
      out[j] += v0 * w;
      out[h + j] += v1 * w;
      out[h2 + j] += v2 * w;
      out[h3 + j] += v3 * w;
    }
  }
}

function predictDenseMlp(shape: HeadShape, p: HeadParams, x: DenseMatrix): Float32Array {
  const h = shape.hiddenSize, scores = new Float32Array(x.rows);
  const xb = new Float32Array(BLOCK * x.dim), pre = new Float32Array(BLOCK * h);
  const rows = Uint32Array.from({ length: x.rows }, (_, i) => i);
  for (let r = 0; r < x.rows; r += BLOCK) {
    const count = Math.min(BLOCK, x.rows - r);
    loadBlock(x, rows, r, count, xb);
    hiddenPreBlock(h, x.dim, p.b1, p.w1, xb, pre);
    for (let k = 0; k < count; k++) {
      let z = p.b2[0];
      for (let j = 0; j < h; j++) if (pre[k * h + j] > 0) z += pre[k * h + j] * p.w2[j];
      scores[r + k] = sigmoid(z);
    }
  }
  return scores;
}

export function predict(shape: HeadShape, p: HeadParams, x: FeatureMatrix): Float32Array {
  if (x.rows > 0 && x.dim !== shape.inputDim) throw new Error(`features have ${x.dim} dimensions but the head expects ${shape.inputDim}: the model was trained on other features`);
  if (shape.kind === 'mlp' && x.kind === 'dense') return predictDenseMlp(shape, p, x);
  const scores = new Float32Array(x.rows);
  const scratch = new Float32Array(shape.hiddenSize);
  for (let r = 0; r < x.rows; r++) scores[r] = predictRow(shape, p, x, r, scratch);
  return scores;
}
