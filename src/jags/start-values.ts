/**
 * Starting values for the chains: estimates of the fixed effects (with standard errors), the
 * residual SD, and each random term's SDs and per-level deviations.
 *
 * This is a cheap stand-in for lmer's estimates, to be replaced by the TypeScript lmer fit
 * (fitLmer) through this one function:
 * (a) the fixed effects and their SEs by (weighted) least squares of y − offset on X,
 *     ignoring the grouping (the SEs of between-group effects come out too small; the inits
 *     only use them to spread the chains);
 * (b) the group deviations by least squares of the remaining residual on each term's columns
 *     within each level (per-group OLS means and slopes, with a tiny ridge so that a level
 *     missing a column gets 0), term after term, alternating with the fixed effects for a
 *     few rounds; each column's group SD is the spread of those per-level estimates (an
 *     overestimate, as it includes their sampling noise);
 * (c) the residual SD from what is left, on n − p − (number of group coefficients) degrees of
 *     freedom.
 */
import type { ModelSpec } from '../model/spec.js';

export interface TermStart {
  /** Per column: SD of the per-level estimates. */
  readonly sd: Float64Array;
  /** Per-level deviations, levels × columns, column-major (`dev[k * m + j]`). */
  readonly dev: Float64Array;
}

export interface StartingValues {
  /** Where these come from (for comments in the inits files). */
  readonly source: string;
  readonly fixef: Float64Array;
  readonly se: Float64Array;
  readonly sigma: number;
  /** One per random term, in lme4's order. */
  readonly terms: readonly TermStart[];
}

/** Solves the symmetric positive (semi)definite system A x = b (A p×p row-major) with a small ridge. */
function solveRidge(A: Float64Array, b: Float64Array, p: number, relRidge: number): { x: Float64Array; inv: Float64Array | null } {
  let trace = 0;
  for (let i = 0; i < p; i++) trace += A[i * p + i];
  const ridge = relRidge * (trace > 0 ? trace / p : 1) + 1e-300;
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j] + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      if (i === j) L[i * p + i] = Math.sqrt(Math.max(s, ridge));
      else L[i * p + j] = s / L[j * p + j];
    }
  }
  const solve = (rhs: Float64Array): Float64Array => {
    const z = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      let s = rhs[i];
      for (let k = 0; k < i; k++) s -= L[i * p + k] * z[k];
      z[i] = s / L[i * p + i];
    }
    const x = new Float64Array(p);
    for (let i = p - 1; i >= 0; i--) {
      let s = z[i];
      for (let k = i + 1; k < p; k++) s -= L[k * p + i] * x[k];
      x[i] = s / L[i * p + i];
    }
    return x;
  };
  const x = solve(b);
  const inv = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    const e = new Float64Array(p);
    e[j] = 1;
    const col = solve(e);
    for (let i = 0; i < p; i++) inv[i * p + j] = col[i];
  }
  return { x, inv };
}

/** Weighted least squares of `r` on the columns of X (n × p, column-major). */
function leastSquares(X: Float64Array, r: Float64Array, w: Float64Array | null, n: number, p: number): { beta: Float64Array; inv: Float64Array } {
  const XtX = new Float64Array(p * p);
  const Xty = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    const xa = X.subarray(a * n, (a + 1) * n);
    let s = 0;
    for (let i = 0; i < n; i++) s += (w ? w[i] : 1) * xa[i] * r[i];
    Xty[a] = s;
    for (let b = 0; b <= a; b++) {
      const xb = X.subarray(b * n, (b + 1) * n);
      let t = 0;
      for (let i = 0; i < n; i++) t += (w ? w[i] : 1) * xa[i] * xb[i];
      XtX[a * p + b] = t;
      XtX[b * p + a] = t;
    }
  }
  if (p === 0) return { beta: new Float64Array(0), inv: new Float64Array(0) };
  const { x, inv } = solveRidge(XtX, Xty, p, 1e-12);
  return { beta: x, inv: inv as Float64Array };
}

/**
 * Backfitting stops when no fixed effect moves by more than this fraction of its standard
 * error in a round, or after MAX_ROUNDS rounds.
 */
const TOLERANCE = 1e-3;
const MAX_ROUNDS = 50;

export function startingValues(spec: ModelSpec): StartingValues {
  const n = spec.nobs;
  const p = spec.fixed.columns.length;
  const X = spec.fixed.X;
  const w = spec.weights;
  const target = Float64Array.from(spec.response.values);
  if (spec.offset) for (let i = 0; i < n; i++) target[i] -= spec.offset[i];

  // (a) Least squares for the fixed effects; its SEs (from a residual that still holds the
  // group effects) are what the inits spread the chains by.
  const first = leastSquares(X, target, w, n, p);
  let beta = first.beta;
  const e = Float64Array.from(target);
  const addX = (sign: number) => {
    for (let a = 0; a < p; a++) {
      const xa = X.subarray(a * n, (a + 1) * n);
      for (let i = 0; i < n; i++) e[i] += sign * xa[i] * beta[a];
    }
  };
  addX(-1);
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (w ? w[i] : 1) * e[i] * e[i];
  const s2 = rss / Math.max(1, n - p);
  const se = new Float64Array(p);
  for (let a = 0; a < p; a++) se[a] = Math.sqrt(Math.max(0, first.inv[a * p + a] * s2));

  // (b) Per-level least squares of what is left on each term's columns, then the fixed effects
  // again on what the groups leave, a few rounds (Gauss-Seidel backfitting): a random
  // intercept with no fixed intercept, for example, needs the second round.
  const devs = spec.random.map((t) => new Float64Array(t.levels.length * t.columns.length));
  const addZ = (t: number, sign: number) => {
    const term = spec.random[t];
    const K = term.columns.length;
    const m = term.levels.length;
    const dev = devs[t];
    for (let i = 0; i < n; i++) {
      const j = term.index[i];
      for (let a = 0; a < K; a++) e[i] += sign * term.Z[a * n + i] * dev[a * m + j];
    }
  };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    spec.random.forEach((term, t) => {
      addZ(t, 1);
      const K = term.columns.length;
      const m = term.levels.length;
      const ZtZ = new Float64Array(m * K * K);
      const Zte = new Float64Array(m * K);
      for (let i = 0; i < n; i++) {
        const j = term.index[i];
        const wi = w ? w[i] : 1;
        for (let a = 0; a < K; a++) {
          const za = term.Z[a * n + i];
          Zte[j * K + a] += wi * za * e[i];
          for (let b = 0; b < K; b++) ZtZ[j * K * K + a * K + b] += wi * za * term.Z[b * n + i];
        }
      }
      const dev = devs[t];
      for (let j = 0; j < m; j++) {
        const { x } = solveRidge(ZtZ.subarray(j * K * K, (j + 1) * K * K), Zte.subarray(j * K, (j + 1) * K), K, 1e-6);
        for (let a = 0; a < K; a++) dev[a * m + j] = Number.isFinite(x[a]) ? x[a] : 0;
      }
      addZ(t, -1);
    });
    if (p === 0) break;
    addX(1);
    const next = leastSquares(X, e, w, n, p).beta;
    const moved = next.some((b, a) => Math.abs(b - beta[a]) > TOLERANCE * (se[a] > 0 ? se[a] : 1e-8 * (1 + Math.abs(b))));
    beta = next;
    addX(-1);
    if (!moved) break;
  }

  // Random effects have mean 0: a column that is also a fixed-effect column hands the mean of
  // its per-level estimates over to that fixed effect.
  spec.random.forEach((term, t) => {
    const m = term.levels.length;
    term.columns.forEach((col, a) => {
      const j = spec.fixed.columns.findIndex((c) => c.name === col.name);
      if (j < 0) return;
      const d = devs[t].subarray(a * m, (a + 1) * m);
      let mean = 0;
      for (let l = 0; l < m; l++) mean += d[l];
      mean /= m;
      for (let l = 0; l < m; l++) d[l] -= mean;
      beta[j] += mean;
    });
  });

  let groupCoefs = 0;
  const terms: TermStart[] = spec.random.map((term, t) => {
    const K = term.columns.length;
    const m = term.levels.length;
    const dev = devs[t];
    const sd = new Float64Array(K);
    for (let a = 0; a < K; a++) {
      const d = dev.subarray(a * m, (a + 1) * m);
      let mean = 0;
      for (let j = 0; j < m; j++) mean += d[j];
      mean /= m;
      let ss = 0;
      for (let j = 0; j < m; j++) ss += (d[j] - mean) ** 2;
      sd[a] = Math.sqrt(ss / Math.max(1, m - 1));
    }
    groupCoefs += m * K;
    return { sd, dev };
  });

  // (c) The residual SD from what is left.
  let rss2 = 0;
  for (let i = 0; i < n; i++) rss2 += (w ? w[i] : 1) * e[i] * e[i];
  const dof = n - p - groupCoefs > 0 ? n - p - groupCoefs : n;
  let sigma = Math.sqrt(rss2 / dof);
  const ysd = spec.scales.response.sd;
  if (!(sigma > 1e-6 * (ysd > 0 ? ysd : 1))) sigma = 0.1 * (ysd > 0 ? ysd : 1);

  return { source: 'least-squares stand-in for the lmer fit', fixef: beta, se, sigma, terms };
}
