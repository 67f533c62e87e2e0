// The classification heads: logistic regression and a one-hidden-layer MLP (ReLU), trained with
// class-weighted binary cross-entropy and Adam, on dense (encoder) or sparse (TF-IDF) rows.
// Hand-written: no maintained JS library trains these in-process on both sparse and dense inputs.
// For sparse inputs the first layer is updated lazily (only the rows a batch touched, as
// TensorFlow's LazyAdam does), so a 20k-term vocabulary costs per batch what the batch touches.
import type { FeatureMatrix } from '../features/matrix.js';
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

export function predict(shape: HeadShape, p: HeadParams, x: FeatureMatrix): Float32Array {
  if (x.rows > 0 && x.dim !== shape.inputDim) throw new Error(`features have ${x.dim} dimensions but the head expects ${shape.inputDim}: the model was trained on other features`);
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
