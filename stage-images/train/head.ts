// The classification heads: logistic regression and a one-hidden-layer MLP (ReLU), trained with
// class-weighted binary cross-entropy and Adam, on dense (encoder) or sparse (TF-IDF) rows.
// Hand-written: no maintained JS library trains these in-process on both sparse and dense inputs.
// For sparse inputs the first layer is updated lazily (only the rows a batch touched, as
// TensorFlow's LazyAdam does), so a 20k-term vocabulary costs per batch what the batch touches.
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

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

// The loops below are written out per input kind, with arrays in locals: this is the hot path
// (a closure per value or a property lookup per multiply costs an order of magnitude here).

/** x[r] · w (+ nothing): the dot product of row r with a weight vector. */
function dotRow(x: FeatureMatrix, r: number, w: Float32Array): number {
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
function hiddenPre(h: number, b1: Float32Array, w1: Float32Array, x: FeatureMatrix, r: number, out: Float32Array): void {
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
const BLOCK = 4;

/** Copies up to BLOCK dense rows into `xb` (zeros for missing rows). */
function loadBlock(x: DenseMatrix, rows: ArrayLike<number>, from: number, count: number, xb: Float32Array): void {
  xb.fill(0);
  for (let k = 0; k < count; k++) xb.set(x.data.subarray(rows[from + k] * x.dim, (rows[from + k] + 1) * x.dim), k * x.dim);
}

/** out[k·h + j] = b1[j] + Σ_i xb[k·dim + i] · W1[i·h + j] for the BLOCK rows of xb. */
function hiddenPreBlock(h: number, dim: number, b1: Float32Array, w1: Float32Array, xb: Float32Array, out: Float32Array): void {
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

export interface AdamOptions { learningRate: number; beta1?: number; beta2?: number; epsilon?: number }

/** Adam state and one minibatch step (gradients accumulated, then applied lazily to touched rows). */
export class HeadTrainer {
  private readonly grads: HeadParams = {};
  private readonly m: HeadParams = {};
  private readonly v: HeadParams = {};
  private readonly touched: Uint8Array;
  private readonly touchedList: number[] = [];
  private readonly pre: Float32Array;
  private readonly dh: Float32Array;
  private step = 0;

  constructor(readonly shape: HeadShape, readonly params: HeadParams, readonly adam: AdamOptions) {
    for (const [k, t] of Object.entries(params)) {
      this.grads[k] = new Float32Array(t.length);
      this.m[k] = new Float32Array(t.length);
      this.v[k] = new Float32Array(t.length);
    }
    this.touched = new Uint8Array(shape.inputDim);
    this.pre = new Float32Array(shape.hiddenSize);
    this.dh = new Float32Array(Math.max(1, shape.hiddenSize));
  }

  /** One step over the given rows; `weights[label]` are the class weights. Returns the mean weighted loss. */
  trainBatch(x: FeatureMatrix, labels: Uint8Array, rows: ArrayLike<number>, weights: [number, number]): number {
    if (this.shape.kind === 'mlp' && x.kind === 'dense') return this.trainDenseMlpBatch(x, labels, rows, weights);
    const { shape, params: p, grads: g } = this;
    const n = rows.length;
    const h = shape.hiddenSize;
    const first = shape.kind === 'logreg' ? 'w' : 'w1';
    const width = shape.kind === 'logreg' ? 1 : h;
    const gFirst = g[first];
    const touched = this.touched, touchedList = this.touchedList;
    const pre = this.pre, dh = this.dh;
    let loss = 0;
    for (let k = 0; k < n; k++) {
      const r = rows[k];
      const y = labels[r];
      const w = weights[y];
      let prob: number;
      // delta: what each input value is multiplied by into the first layer's gradient row
      if (shape.kind === 'logreg') {
        prob = sigmoid(p.b[0] + dotRow(x, r, p.w));
        const dz = (w * (prob - y)) / n;
        g.b[0] += dz;
        dh[0] = dz;
      } else {
        const w2 = p.w2, gw2 = g.w2, gb1 = g.b1;
        hiddenPre(h, p.b1, p.w1, x, r, pre);
        let z = p.b2[0];
        for (let j = 0; j < h; j++) if (pre[j] > 0) z += pre[j] * w2[j];
        prob = sigmoid(z);
        const dz = (w * (prob - y)) / n;
        g.b2[0] += dz;
        for (let j = 0; j < h; j++) {
          const a = pre[j];
          if (a > 0) {
            gw2[j] += dz * a;
            dh[j] = dz * w2[j];
            gb1[j] += dh[j];
          } else dh[j] = 0;
        }
      }
      // first-layer gradient rows of the inputs this row touches
      if (x.kind === 'dense') {
        const d = x.data, base = r * x.dim;
        for (let i = 0; i < x.dim; i++) {
          const v = d[base + i];
          if (v === 0) continue;
          if (!touched[i]) { touched[i] = 1; touchedList.push(i); }
          const o = i * width;
          for (let j = 0; j < width; j++) gFirst[o + j] += v * dh[j];
        }
      } else {
        const idx = x.indices, val = x.values;
        for (let q = x.indptr[r], end = x.indptr[r + 1]; q < end; q++) {
          const i = idx[q], v = val[q];
          if (!touched[i]) { touched[i] = 1; touchedList.push(i); }
          const o = i * width;
          for (let j = 0; j < width; j++) gFirst[o + j] += v * dh[j];
        }
      }
      const pc = Math.min(Math.max(prob, 1e-7), 1 - 1e-7);
      loss += -w * (y ? Math.log(pc) : Math.log(1 - pc));
    }
    this.step++;
    for (const name of Object.keys(p)) {
      if (name === first) {
        for (const i of touchedList) this.update(name, i * width, (i + 1) * width);
      } else this.update(name, 0, p[name].length);
    }
    for (const i of touchedList) touched[i] = 0;
    touchedList.length = 0;
    return loss / Math.max(1, n);
  }

  private xb?: Float32Array;
  private preBlock?: Float32Array;
  private dhBlock?: Float32Array;

  /** trainBatch for an MLP on dense rows, BLOCK rows at a time through W1 (same maths as the row path). */
  private trainDenseMlpBatch(x: DenseMatrix, labels: Uint8Array, rows: ArrayLike<number>, weights: [number, number]): number {
    const { shape, params: p, grads: g } = this;
    const h = shape.hiddenSize, dim = x.dim, n = rows.length;
    const xb = (this.xb ??= new Float32Array(BLOCK * dim));
    const pre = (this.preBlock ??= new Float32Array(BLOCK * h));
    const dh = (this.dhBlock ??= new Float32Array(BLOCK * h));
    const w2 = p.w2, gw1 = g.w1, gw2 = g.w2, gb1 = g.b1;
    let loss = 0;
    for (let start = 0; start < n; start += BLOCK) {
      const count = Math.min(BLOCK, n - start);
      loadBlock(x, rows, start, count, xb);
      hiddenPreBlock(h, dim, p.b1, p.w1, xb, pre);
      dh.fill(0);
      for (let k = 0; k < count; k++) {
        const y = labels[rows[start + k]], w = weights[y], base = k * h;
        let z = p.b2[0];
        for (let j = 0; j < h; j++) if (pre[base + j] > 0) z += pre[base + j] * w2[j];
        const prob = sigmoid(z);
        const dz = (w * (prob - y)) / n;
        g.b2[0] += dz;
        for (let j = 0; j < h; j++) {
          const a = pre[base + j];
          if (a > 0) {
            gw2[j] += dz * a;
            dh[base + j] = dz * w2[j];
            gb1[j] += dh[base + j];
          }
        }
        const pc = Math.min(Math.max(prob, 1e-7), 1 - 1e-7);
        loss += -w * (y ? Math.log(pc) : Math.log(1 - pc));
      }
      const d1 = dim, d2 = 2 * dim, d3 = 3 * dim, h2 = 2 * h, h3 = 3 * h;
      for (let i = 0; i < dim; i++) {
        const v0 = xb[i], v1 = xb[d1 + i], v2 = xb[d2 + i], v3 = xb[d3 + i];
        if (v0 === 0 && v1 === 0 && v2 === 0 && v3 === 0) continue;
        const o = i * h;
        for (let j = 0; j < h; j++) gw1[o + j] += v0 * dh[j] + v1 * dh[h + j] + v2 * dh[h2 + j] + v3 * dh[h3 + j];
      }
    }
    this.step++;
    for (const name of Object.keys(p)) this.update(name, 0, p[name].length);
    return loss / Math.max(1, n);
  }

  private update(name: string, from: number, to: number): void {
    const { learningRate: lr, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = this.adam;
    const p = this.params[name], g = this.grads[name], m = this.m[name], v = this.v[name];
    const c1 = 1 - Math.pow(beta1, this.step), c2 = 1 - Math.pow(beta2, this.step);
    for (let i = from; i < to; i++) {
      const gi = g[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
      g[i] = 0;
    }
  }
}
