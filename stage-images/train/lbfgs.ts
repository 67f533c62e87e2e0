// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, algorithms 7.4 and 7.5) with a
// backtracking Armijo line search: the full-batch optimiser scikit-learn's LogisticRegression and
// MLPClassifier(solver='lbfgs') use. Minimises a smooth f over a flat Float64Array.
// Hand-written: the npm L-BFGS packages are unmaintained; this is ~80 lines of textbook algebra.

/** f(x) and its gradient (written into `grad`). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations: number;
  /** History pairs kept (m). */
  memory?: number;
  /** Stop when max |gradient| falls below this (scikit-learn's tol, 1e-4). */
  gradientTolerance?: number;
  /** Called after each iteration with the new point; return true to stop. */
  onIteration?(iteration: number, x: Float64Array, f: number): boolean | void;
}

export interface LbfgsResult { x: Float64Array; f: number; iterations: number; converged: boolean; reason: string }

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

export function lbfgs(f: Objective, start: Float64Array, options: LbfgsOptions): LbfgsResult {
  const m = options.memory ?? 10, tol = options.gradientTolerance ?? 1e-4, n = start.length;
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let fx = f(x, g);
  const s: Float64Array[] = [], y: Float64Array[] = [], rho: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n), gNew = new Float64Array(n);
  for (let iteration = 1; iteration <= options.maxIterations; iteration++) {
    if (maxAbs(g) < tol) return { x, f: fx, iterations: iteration - 1, converged: true, reason: 'gradient below tolerance' };
    // two-loop recursion: d = -H g
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let k = s.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(s[k], d);
      for (let i = 0; i < n; i++) d[i] -= alpha[k] * y[k][i];
    }
    const gamma = s.length ? dot(s[s.length - 1], y[y.length - 1]) / dot(y[y.length - 1], y[y.length - 1]) : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let i = 0; i < n; i++) d[i] *= gamma;
    for (let k = 0; k < s.length; k++) {
      const beta = rho[k] * dot(y[k], d);
      for (let i = 0; i < n; i++) d[i] += s[k][i] * (alpha[k] - beta);
    }
    let slope = dot(g, d);
    if (slope >= 0) {
      // not a descent direction (numerical trouble): restart from steepest descent
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i] / Math.max(1, Math.sqrt(dot(g, g)));
      slope = dot(g, d);
    }
    // backtracking line search (Armijo, c1 = 1e-4)
    let step = 1, fNew = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = f(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew < fx) && !(fNew <= fx + 1e-4 * step * slope)) return { x, f: fx, iterations: iteration - 1, converged: true, reason: 'line search made no progress' };
    const sk = new Float64Array(n), yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = xNew[i] - x[i];
      yk[i] = gNew[i] - g[i];
    }
    const sy = dot(sk, yk);
    if (sy > 1e-10) {
      if (s.length === m) { s.shift(); y.shift(); rho.shift(); }
      s.push(sk); y.push(yk); rho.push(1 / sy);
    }
    const relative = (fx - fNew) / Math.max(Math.abs(fx), Math.abs(fNew), 1);
    x = Float64Array.from(xNew);
    g = Float64Array.from(gNew);
    fx = fNew;
    if (options.onIteration?.(iteration, x, fx)) return { x, f: fx, iterations: iteration, converged: false, reason: 'stopped early' };
    if (relative < 1e-12) return { x, f: fx, iterations: iteration, converged: true, reason: 'objective stopped changing' };
  }
  return { x, f: fx, iterations: options.maxIterations, converged: maxAbs(g) < tol, reason: 'iteration limit' };
}
