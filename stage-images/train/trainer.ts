// Training the heads (head.ts): gradients of the class-weighted binary cross-entropy over a set of
// rows (a minibatch for Adam, every row for L-BFGS), and Adam steps with L2 on the weights. For
// sparse inputs Adam updates the first layer lazily (only the rows a batch touched, as TensorFlow's
// LazyAdam does — their L2 decay too), so a 20k-term vocabulary costs per batch what it touches.
import type { DenseMatrix, FeatureMatrix } from '../features/matrix.js';
import { BLOCK, dotRow, hiddenPre, hiddenPreBlock, loadBlock, sigmoid, type HeadParams, type HeadShape } from './head.js';

export interface AdamOptions { learningRate: number; beta1?: number; beta2?: number; epsilon?: number; l2?: number }

/** The tensors L2 applies to (biases are not penalised). */
export const isWeight = (name: string) => name === 'w' || name === 'w1' || name === 'w2';

/** Adam state and one minibatch step (gradients accumulated, then applied lazily to touched rows). */
export class HeadTrainer {
  private readonly grads: HeadParams = {};
  private readonly m: HeadParams = {};
  private readonly v: HeadParams = {};
  private readonly touched: Uint8Array;
  private readonly touchedList: number[] = [];
  private readonly pre: Float32Array;
  private readonly dh: Float32Array;
  private steps = 0;

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

  /** One Adam step over the given rows; `weights[label]` are the class weights. Returns the mean weighted loss (without L2). */
  trainBatch(x: FeatureMatrix, labels: Uint8Array, rows: ArrayLike<number>, weights: [number, number]): number {
    const loss = this.accumulate(x, labels, rows, weights);
    this.step();
    return loss;
  }

  /** The gradient of the mean weighted loss over `rows` (parameters as they are now), then cleared: for a full-batch optimiser. */
  gradient(x: FeatureMatrix, labels: Uint8Array, rows: ArrayLike<number>, weights: [number, number], read: (name: string, g: Float32Array) => void): number {
    const loss = this.accumulate(x, labels, rows, weights);
    for (const [name, g] of Object.entries(this.grads)) {
      read(name, g);
      g.fill(0);
    }
    for (const i of this.touchedList) this.touched[i] = 0;
    this.touchedList.length = 0;
    return loss;
  }

  /** Adds the gradient of the mean weighted loss over `rows` to grads; returns the mean loss. */
  private accumulate(x: FeatureMatrix, labels: Uint8Array, rows: ArrayLike<number>, weights: [number, number]): number {
    if (this.shape.kind === 'mlp' && x.kind === 'dense') return this.accumulateDenseMlp(x, labels, rows, weights);
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
      } else if (width === 1) {
        // logistic regression: one weight per input (the same sums as below, without the inner loop)
        const idx = x.indices, val = x.values, dz = dh[0];
        for (let q = x.indptr[r], end = x.indptr[r + 1]; q < end; q++) {
          const i = idx[q];
          if (!touched[i]) { touched[i] = 1; touchedList.push(i); }
          gFirst[i] += val[q] * dz;
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
    return loss / Math.max(1, n);
  }

  /** Applies Adam to the accumulated gradient (the first layer: touched rows only), then clears it. */
  private step(): void {
    const p = this.params;
    this.steps++;
    const first = this.shape.kind === 'logreg' ? 'w' : 'w1';
    const width = this.shape.kind === 'logreg' ? 1 : this.shape.hiddenSize;
    const sparseFirst = this.touchedList.length > 0;
    for (const name of Object.keys(p)) {
      if (name === first && sparseFirst) {
        for (const i of this.touchedList) this.update(name, i * width, (i + 1) * width);
      } else this.update(name, 0, p[name].length);
    }
    for (const i of this.touchedList) this.touched[i] = 0;
    this.touchedList.length = 0;
  }

  private xb?: Float32Array;
  private preBlock?: Float32Array;
  private dhBlock?: Float32Array;

  /** accumulate for an MLP on dense rows, BLOCK rows at a time through W1 (same maths as the row path). */
  private accumulateDenseMlp(x: DenseMatrix, labels: Uint8Array, rows: ArrayLike<number>, weights: [number, number]): number {
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
    return loss / Math.max(1, n);
  }

  private update(name: string, from: number, to: number): void {
    const { learningRate: lr, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = this.adam;
    const l2 = isWeight(name) ? (this.adam.l2 ?? 0) : 0;
    const p = this.params[name], g = this.grads[name], m = this.m[name], v = this.v[name];
    const c1 = 1 - Math.pow(beta1, this.steps), c2 = 1 - Math.pow(beta2, this.steps);
    for (let i = from; i < to; i++) {
      const gi = g[i] + l2 * p[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
      g[i] = 0;
    }
  }
}
