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
const maxAbs = (a: Float64Array) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/** One history pair (s = x' − x, y = g' − g) with s·y, ρ = 1 / (s·y) and y·y, computed once when it is made. */
interface Pair { s: Float64Array; y: Float64Array; rho: number; sy: number; yy: number }

/**
 * d = −H g by the two-loop recursion (Nocedal & Wright, algorithm 7.4), each pass over d fused with
 * the dot product the next step needs; returns g·d. The sums run over i in the same order as
 * separate loops would, so the result is the same to the last bit.
 */
function twoLoopDirection(g: Float64Array, history: Pair[], alpha: Float64Array, d: Float64Array): number {
  const n = g.length, last = history.length - 1;
  let next = 0;
  const s0 = last >= 0 ? history[last].s : undefined;
  for (let i = 0; i < n; i++) {
    d[i] = -g[i];
    if (s0) next += s0[i] * d[i];
  }
  for (let k = last; k >= 0; k--) {
    const a = (alpha[k] = history[k].rho * next);
    const yk = history[k].y, sPrev = k > 0 ? history[k - 1].s : undefined;
    next = 0;
    if (sPrev) for (let i = 0; i < n; i++) { d[i] -= a * yk[i]; next += sPrev[i] * d[i]; }
    else for (let i = 0; i < n; i++) d[i] -= a * yk[i];
  }
  const gamma = last >= 0 ? history[last].sy / history[last].yy : 1 / Math.max(1, Math.sqrt(dot(g, g)));
  next = 0;
  const y0 = last >= 0 ? history[0].y : undefined;
  for (let i = 0; i < n; i++) {
    d[i] *= gamma;
    if (y0) next += y0[i] * d[i];
  }
  for (let k = 0; k <= last; k++) {
    const c = alpha[k] - history[k].rho * next;
    const sk = history[k].s, yNext = k < last ? history[k + 1].y : undefined;
    next = 0;
    if (yNext) for (let i = 0; i < n; i++) { d[i] += sk[i] * c; next += yNext[i] * d[i]; }
    else for (let i = 0; i < n; i++) d[i] += sk[i] * c;
  }
  return dot(g, d);
}

export function lbfgs(f: Objective, start: Float64Array, options: LbfgsOptions): LbfgsResult {
  const m = options.memory ?? 10, tol = options.gradientTolerance ?? 1e-4, n = start.length;
  // x, g and the trial point swap buffers instead of being copied; pairs leaving the history are reused.
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let fx = f(x, g);
  const history: Pair[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  let xNew = new Float64Array(n), gNew = new Float64Array(n);
  let spare: Pair | undefined;
  for (let iteration = 1; iteration <= options.maxIterations; iteration++) {
    if (maxAbs(g) < tol) return { x, f: fx, iterations: iteration - 1, converged: true, reason: 'gradient below tolerance' };
    let slope = twoLoopDirection(g, history, alpha, d);
    if (slope >= 0) {
      // not a descent direction (numerical trouble): restart from steepest descent
      history.length = 0;
      const scale = Math.max(1, Math.sqrt(dot(g, g)));
      for (let i = 0; i < n; i++) d[i] = -g[i] / scale;
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
    const pair: Pair = spare ?? { s: new Float64Array(n), y: new Float64Array(n), rho: 0, sy: 0, yy: 0 };
    spare = undefined;
    const sk = pair.s, yk = pair.y;
    for (let i = 0; i < n; i++) {
      sk[i] = xNew[i] - x[i];
      yk[i] = gNew[i] - g[i];
    }
    const sy = dot(sk, yk), yy = dot(yk, yk);
    if (sy > 1e-10) {
      if (history.length === m) spare = history.shift();
      pair.rho = 1 / sy; pair.sy = sy; pair.yy = yy;
      history.push(pair);
    } else spare = pair;
    const relative = (fx - fNew) / Math.max(Math.abs(fx), Math.abs(fNew), 1);
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    fx = fNew;
    if (options.onIteration?.(iteration, x, fx)) return { x, f: fx, iterations: iteration, converged: false, reason: 'stopped early' };
    if (relative < 1e-12) return { x, f: fx, iterations: iteration, converged: true, reason: 'objective stopped changing' };
  }
  return { x, f: fx, iterations: options.maxIterations, converged: maxAbs(g) < tol, reason: 'iteration limit' };
}
