// Standardised inputs for training, as scikit-learn's StandardScaler: dense (encoder) columns are
// centred and scaled to unit variance; sparse (TF-IDF) columns are only scaled (with_mean=False),
// so they stay sparse. The head is trained on standardised rows, then the scaling is folded into
// its first layer (w' = w·s, b' = b − Σ w·s·μ), so the saved model reads raw features and
// nothing downstream (evaluate, the ONNX export, pretrained mode) needs to know.
import type { FeatureMatrix } from '../features/matrix.js';
import type { HeadParams, HeadShape } from './head.js';

export interface Standardizer { mean: Float64Array; scale: Float64Array; centred: boolean }

export function fitStandardizer(x: FeatureMatrix): Standardizer {
  const sum = new Float64Array(x.dim), squares = new Float64Array(x.dim);
  if (x.kind === 'dense') {
    for (let r = 0; r < x.rows; r++) {
      for (let i = 0, base = r * x.dim; i < x.dim; i++) {
        const v = x.data[base + i];
        sum[i] += v;
        squares[i] += v * v;
      }
    }
  } else {
    for (let k = 0; k < x.indptr[x.rows]; k++) {
      sum[x.indices[k]] += x.values[k];
      squares[x.indices[k]] += x.values[k] * x.values[k];
    }
  }
  const n = Math.max(1, x.rows);
  const mean = new Float64Array(x.dim), scale = new Float64Array(x.dim);
  for (let i = 0; i < x.dim; i++) {
    const mu = sum[i] / n;
    const variance = Math.max(0, squares[i] / n - mu * mu);
    mean[i] = x.kind === 'dense' ? mu : 0;
    scale[i] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 1;
  }
  return { mean, scale, centred: x.kind === 'dense' };
}

/** (x − μ)·s, a new matrix of the same kind. */
export function standardize(x: FeatureMatrix, s: Standardizer): FeatureMatrix {
  if (x.kind === 'dense') {
    const data = new Float32Array(x.data.length);
    for (let r = 0; r < x.rows; r++) {
      for (let i = 0, base = r * x.dim; i < x.dim; i++) data[base + i] = (x.data[base + i] - s.mean[i]) * s.scale[i];
    }
    return { ...x, data };
  }
  const values = new Float32Array(x.values.length);
  for (let k = 0; k < values.length; k++) values[k] = x.values[k] * s.scale[x.indices[k]];
  return { ...x, values };
}

/** Parameters trained on standardised rows, rewritten to read raw rows (same scores). */
export function foldStandardizer(shape: HeadShape, p: HeadParams, s: Standardizer): HeadParams {
  if (shape.kind === 'logreg') {
    const w = new Float32Array(p.w.length);
    let shift = 0;
    for (let i = 0; i < w.length; i++) {
      w[i] = p.w[i] * s.scale[i];
      shift += w[i] * s.mean[i];
    }
    return { w, b: Float32Array.of(p.b[0] - shift) };
  }
  const h = shape.hiddenSize;
  const w1 = new Float32Array(p.w1.length), b1 = Float64Array.from(p.b1);
  for (let i = 0; i < shape.inputDim; i++) {
    for (let j = 0; j < h; j++) {
      const v = p.w1[i * h + j] * s.scale[i];
      w1[i * h + j] = v;
      b1[j] -= v * s.mean[i];
    }
  }
  return { w1, b1: Float32Array.from(b1), w2: p.w2.slice(), b2: p.b2.slice() };
}
