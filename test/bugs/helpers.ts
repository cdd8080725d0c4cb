/**
 * Helpers for the bundled engine's tests: compile a model from text, run chosen samplers on a
 * chain and collect draws, compare draws with an exact distribution, and exact references by
 * quadrature where a conditional has a closed-form density but no closed-form moments.
 *
 * The Monte Carlo rule used by every check here: an estimate (the mean of some function h of
 * the draws) agrees with its exact value when
 *
 *     |estimate − exact| < Z · sd(h) / √ESS(h),    Z = 5,
 *
 * with ESS(h) the effective sample size of the series h(x_t) (Geyer's initial monotone
 * sequence, src/mcmc/diagnostics.ts essBasic), capped at the number of draws N. For exact
 * (independent) samplers ESS ≈ N; for slice-type samplers it accounts for the
 * autocorrelation. Mean: h = x. Variance: h = (x − x̄)². A quantile check: h = 1{F(x) ≤ p},
 * whose exact mean is p. For independent draws the Kolmogorov–Smirnov statistic D must
 * satisfy D·√N < 1.95 (P ≈ 0.001 under the null).
 */
import assert from 'node:assert/strict';
import { type PlanOptions, planSamplers } from '../../src/bugs/assign.js';
import { Chain } from '../../src/bugs/chain.js';
import { type CompiledModel, type StochasticNode, compileModel, elementName } from '../../src/bugs/compile.js';
import { parseModel } from '../../src/bugs/parse.js';
import type { Sampler } from '../../src/bugs/samplers/sampler.js';
import { readRDump } from '../../src/data/rdump.js';
import { essBasic } from '../../src/mcmc/diagnostics.js';
import { Rng } from '../../src/mcmc/rng.js';

/** How many standard errors an estimate may be off. */
export const Z = 5;

/** Compiles a model given as text, with data as R dump text. */
export function compile(model: string, data = ''): CompiledModel {
  return compileModel(parseModel(model, 'model.jags'), model, 'model.jags', data.trim() === '' ? new Map() : readRDump(data, 'data.R'));
}

/** The stochastic node with this label (e.g. `tau`, `a[3]`, `B[2,1:2]`). */
export function stoch(m: CompiledModel, label: string): StochasticNode {
  const n = m.nodes.find((x) => x.label === label);
  assert.ok(n && n.kind === 'stochastic', `no stochastic node ${label}; nodes: ${m.nodes.map((x) => x.label).join(' ')}`);
  return n;
}

/** The slot of an element (`x`, `b[2]`, `B[1,2]`). */
export function slotOf(m: CompiledModel, name: string): number {
  const base = name.replace(/\[.*$/, '');
  const v = m.variables.get(base);
  assert.ok(v, `no variable ${base}`);
  for (let k = 0; k < v.length; k++) if (elementName(v, k) === name) return v.offset + k;
  assert.fail(`no element ${name} of ${base} (extents [${v.dim.join(', ')}])`);
}

/** A chain of the model, initialised (typical values, or the inits given as R dump text). */
export function chainFor(m: CompiledModel, options: { seed?: number; inits?: string; plan?: PlanOptions } = {}): Chain {
  const chain = new Chain(m, 0, Rng.stream(options.seed ?? 1, 0));
  if (options.inits !== undefined) chain.setInits(readRDump(options.inits, 'inits.R'), 'inits.R', options.inits);
  chain.initialize(planSamplers(m, options.plan));
  return chain;
}

/**
 * Runs `samplers` (default: the chain's own) for `burn` adaptive iterations, then records
 * `n` draws of the named elements.
 */
export function draw(chain: Chain, names: readonly string[], n: number, options: { burn?: number; samplers?: readonly Sampler[] } = {}): Record<string, Float64Array> {
  if (options.samplers) chain.samplers = options.samplers;
  const slots = names.map((name) => slotOf(chain.model, name));
  chain.update(options.burn ?? 0);
  chain.endAdaptation();
  const out: Record<string, Float64Array> = {};
  const bufs = names.map(() => new Float64Array(n));
  for (let t = 0; t < n; t++) {
    chain.update(1);
    for (let i = 0; i < slots.length; i++) bufs[i][t] = chain.v[slots[i]];
  }
  names.forEach((name, i) => (out[name] = bufs[i]));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Comparing draws with exact values.

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

export function variance(x: ArrayLike<number>): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) ** 2;
  return s / (x.length - 1);
}

/** Effective sample size of a series, capped at its length (a constant series: its length). */
export function ess(x: Float64Array): number {
  const e = essBasic([x]);
  return Number.isFinite(e) ? Math.min(e, x.length) : x.length;
}

/** |mean(h) − exact| < Z·sd(h)/√ESS(h); returns the standard error used. */
export function checkAverage(h: Float64Array, exact: number, what: string): number {
  const se = Math.sqrt(variance(h) / ess(h));
  const est = mean(h);
  assert.ok(Number.isFinite(est), `${what}: estimate ${est}`);
  assert.ok(Math.abs(est - exact) < Z * se + 1e-12 * Math.abs(exact), `${what}: ${est} vs exact ${exact} (standard error ${se.toPrecision(3)}, ESS ${Math.round(ess(h))})`);
  return se;
}

export function checkMean(x: Float64Array, exact: number, what: string): number {
  return checkAverage(x, exact, `${what}: mean`);
}

export function checkVariance(x: Float64Array, exact: number, what: string): number {
  const m = mean(x);
  const h = x.map((v) => (v - m) ** 2);
  return checkAverage(h, exact, `${what}: variance`);
}

/** For each p, the fraction of draws with F(x) ≤ p agrees with p. */
export function checkQuantiles(x: Float64Array, cdf: (x: number) => number, what: string, probs: readonly number[] = [0.05, 0.25, 0.5, 0.75, 0.95]): void {
  for (const p of probs) {
    const h = x.map((v) => (cdf(v) <= p ? 1 : 0));
    const est = mean(h);
    const se = Math.sqrt((p * (1 - p)) / ess(h));
    assert.ok(Math.abs(est - p) < Z * se, `${what}: P(F(x) <= ${p}) = ${est} (standard error ${se.toPrecision(3)})`);
  }
}

/** Kolmogorov–Smirnov statistic of independent draws against a continuous CDF. */
export function ksStatistic(x: Float64Array, cdf: (x: number) => number): number {
  const s = Float64Array.from(x).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

/** Independent draws: D·√N < 1.95. */
export function checkKs(x: Float64Array, cdf: (x: number) => number, what: string): void {
  const d = ksStatistic(x, cdf);
  assert.ok(d * Math.sqrt(x.length) < 1.95, `${what}: Kolmogorov-Smirnov D = ${d.toPrecision(3)}, D·√N = ${(d * Math.sqrt(x.length)).toFixed(2)} >= 1.95`);
}

/** Mean, variance and quantile checks against an exact distribution given by moments and CDF. */
export function checkDistribution(
  x: Float64Array,
  exact: { mean: number; variance: number; cdf?: (x: number) => number },
  what: string,
  options: { independent?: boolean } = {},
): void {
  checkMean(x, exact.mean, what);
  checkVariance(x, exact.variance, what);
  if (exact.cdf) {
    if (options.independent) checkKs(x, exact.cdf, what);
    else checkQuantiles(x, exact.cdf, what);
  }
}

// ---------------------------------------------------------------------------------------------
// Exact references by quadrature.

/** A density known up to a constant on [lo, hi], tabulated finely: moments and CDF. */
export interface Tabulated {
  readonly mean: number;
  readonly variance: number;
  readonly cdf: (x: number) => number;
  /** Normalising constant of exp(logf) on [lo, hi] (relative to exp(max logf)). */
  readonly mass: number;
  readonly logMax: number;
}

/**
 * Tabulates exp(logf) on [lo, hi] with composite Simpson's rule over `n` intervals (even):
 * mean, variance, and a CDF interpolated from the cumulative integral. With smooth densities
 * and n = 20000 the error is far below any Monte Carlo tolerance used here.
 */
export function tabulate(logf: (x: number) => number, lo: number, hi: number, n = 20000): Tabulated {
  assert.ok(n % 2 === 0 && hi > lo);
  const h = (hi - lo) / n;
  const xs = new Float64Array(n + 1);
  const lf = new Float64Array(n + 1);
  let logMax = -Infinity;
  for (let i = 0; i <= n; i++) {
    xs[i] = lo + i * h;
    lf[i] = logf(xs[i]);
    if (lf[i] > logMax) logMax = lf[i];
  }
  const f = lf.map((v) => (v === -Infinity ? 0 : Math.exp(v - logMax)));
  // Cumulative integral at the even points by Simpson, at odd points by the trapezoid
  // refinement of the half interval (only used for the CDF).
  const cum = new Float64Array(n + 1);
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < n; i += 2) {
    const a = f[i];
    const b = f[i + 1];
    const c = f[i + 2];
    const w = h / 3;
    m0 += w * (a + 4 * b + c);
    m1 += w * (a * xs[i] + 4 * b * xs[i + 1] + c * xs[i + 2]);
    m2 += w * (a * xs[i] ** 2 + 4 * b * xs[i + 1] ** 2 + c * xs[i + 2] ** 2);
    cum[i + 1] = cum[i] + (h / 12) * (5 * a + 8 * b - c);
    cum[i + 2] = m0;
  }
  const mu = m1 / m0;
  const cdf = (x: number): number => {
    if (x <= lo) return 0;
    if (x >= hi) return 1;
    const t = (x - lo) / h;
    const i = Math.min(n - 1, Math.floor(t));
    const r = t - i;
    // Linear in the density between grid points: integrate exactly.
    const part = h * (r * f[i] + 0.5 * r * r * (f[i + 1] - f[i]));
    return Math.min(1, (cum[i] + part) / m0);
  };
  return { mean: mu, variance: m2 / m0 - mu * mu, cdf, mass: m0, logMax };
}

/** A discrete distribution given by unnormalised log masses on lo, lo+1, …, hi. */
export function discrete(logp: (k: number) => number, lo: number, hi: number): { mean: number; variance: number; p: Float64Array; lo: number } {
  const lp = Float64Array.from({ length: hi - lo + 1 }, (_, i) => logp(lo + i));
  const max = Math.max(...lp);
  const p = lp.map((v) => Math.exp(v - max));
  const total = p.reduce((a, b) => a + b, 0);
  for (let i = 0; i < p.length; i++) p[i] /= total;
  let m = 0;
  let m2 = 0;
  p.forEach((q, i) => {
    m += q * (lo + i);
    m2 += q * (lo + i) ** 2;
  });
  return { mean: m, variance: m2 - m * m, p, lo };
}

/** Frequencies of each value agree with exact probabilities (Z standard errors each). */
export function checkFrequencies(x: Float64Array, d: { p: Float64Array; lo: number }, what: string): void {
  d.p.forEach((p, i) => {
    const k = d.lo + i;
    const h = x.map((v) => (v === k ? 1 : 0));
    const est = mean(h);
    const se = Math.sqrt(Math.max(p * (1 - p), 1e-12) / ess(h));
    assert.ok(Math.abs(est - p) < Z * se + 1e-9, `${what}: P(x = ${k}) = ${est} vs exact ${p} (standard error ${se.toPrecision(3)})`);
  });
  for (const v of x) assert.ok(Number.isInteger(v) && v >= d.lo && v < d.lo + d.p.length, `${what}: draw ${v} outside the support`);
}

// ---------------------------------------------------------------------------------------------
// Small dense linear algebra for exact Gaussian references (row-major arrays of arrays).

export function solve(a: readonly number[][], b: readonly number[]): number[] {
  const n = a.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

export function inverse(a: readonly number[][]): number[][] {
  const n = a.length;
  const cols = Array.from({ length: n }, (_, j) => solve(a, Array.from({ length: n }, (_, i) => (i === j ? 1 : 0))));
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => cols[j][i]));
}

/** Sample covariance of two series. */
export function covariance(x: Float64Array, y: Float64Array): number {
  const mx = mean(x);
  const my = mean(y);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - mx) * (y[i] - my);
  return s / (x.length - 1);
}

/** cov(x, y) agrees with the exact value: h = (x − x̄)(y − ȳ). */
export function checkCovariance(x: Float64Array, y: Float64Array, exact: number, what: string): void {
  const mx = mean(x);
  const my = mean(y);
  checkAverage(x.map((v, i) => (v - mx) * (y[i] - my)), exact, `${what}: covariance`);
}

/** Standard normal CDF for references (erf by Abramowitz–Stegun 7.1.26 is too coarse; use a series). */
export function normalCdf(x: number): number {
  // Φ(x) = ½ erfc(−x/√2), erfc by its continued fraction for large |x|, series otherwise.
  const z = x / Math.SQRT2;
  if (Math.abs(z) < 3) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
      if (Math.abs(term) < 1e-17) break;
    }
    return 0.5 + sum / Math.sqrt(Math.PI);
  }
  // Lentz continued fraction for erfc(|z|).
  const a = Math.abs(z);
  let f = a;
  let c = a;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    d = a + an * d;
    d = 1 / d;
    c = a + an / c;
    f *= c * d;
  }
  const erfc = Math.exp(-a * a) / (f * Math.sqrt(Math.PI));
  return z > 0 ? 1 - erfc / 2 : erfc / 2;
}
