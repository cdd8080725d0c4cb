/**
 * What lme4 reports about a fit, computed from the factorization at θ̂: criterion, logLik, AIC,
 * BIC, deviance, fixed effects with standard errors and covariance, σ, VarCorr (standard
 * deviations and correlations, group names as lme4 prints them), conditional modes of the random
 * effects with conditional standard deviations, fitted values, residuals; and the `fit --json`
 * document (DESIGN §9).
 */
import type { ModelSpec } from '../model/spec.js';
import type { PlsBlocks } from './blocks.js';
import type { LmerFit } from './fit.js';
import type { PlsObjective } from './objective.js';

export interface VarCorrEntry {
  /** The group name as print(VarCorr(fit)) shows it: "Subject", "Subject.1", "cask:batch". */
  readonly group: string;
  /** The grouping factor's name (without the ".1" suffix). */
  readonly factor: string;
  readonly terms: readonly string[];
  readonly sd: readonly number[];
  /** Correlation matrix (q × q); NaN where a standard deviation is 0. */
  readonly corr: readonly (readonly number[])[];
  /** Covariance matrix (q × q). */
  readonly cov: readonly (readonly number[])[];
}

export interface RanefGroup {
  /** The grouping factor as ranef(fit) names it. */
  readonly group: string;
  readonly levels: readonly string[];
  /** Columns of every term on this factor, in term order. */
  readonly terms: readonly string[];
  /** Conditional modes, one row per level (levels × terms). */
  readonly values: readonly (readonly number[])[];
  /** Conditional standard deviations, same shape. */
  readonly condsd: readonly (readonly number[])[];
}

export interface LmerResults {
  readonly nobs: number;
  /** Number of levels per grouping factor, in lme4's flist order. */
  readonly ngroups: readonly { readonly group: string; readonly levels: number }[];
  /** REML criterion (REML fits) or ML deviance (ML fits). */
  readonly criterion: number;
  readonly logLik: number;
  readonly AIC: number;
  readonly BIC: number;
  /** What lme4's deviance() returns: the REML criterion for REML fits, else the ML deviance. */
  readonly deviance: number;
  /** The ML deviance at θ̂ (deviance(fit, REML = FALSE)). */
  readonly devianceML: number;
  /** Number of parameters: p + length(θ) + 1. */
  readonly df: number;
  readonly dfResidual: number;
  readonly fixefNames: readonly string[];
  readonly fixef: Float64Array;
  readonly se: Float64Array;
  /** p × p row-major. */
  readonly vcov: Float64Array;
  readonly sigma: number;
  readonly theta: Float64Array;
  readonly lower: Float64Array;
  readonly varcorr: readonly VarCorrEntry[];
  readonly ranef: readonly RanefGroup[];
  readonly fitted: Float64Array;
  readonly residuals: Float64Array;
  /** Quantiles (0, .25, .5, .75, 1) of resid(fit, scaled = TRUE): response residuals / σ. */
  readonly scaledResidualQuantiles: readonly number[];
  /** The same for the Pearson residuals √w (y − ŷ) / σ, which summary() prints (equal without weights). */
  readonly summaryResidualQuantiles: readonly number[];
}

/** Everything lme4 reports, from the objective factored at θ̂. */
export function collectResults(spec: ModelSpec, blocks: PlsBlocks, objective: PlsObjective, reml: boolean): LmerResults {
  const n = blocks.n;
  const p = blocks.p;
  const theta = objective.theta();
  const { pwrss } = objective.state();
  const criterion = objective.criterion(reml);
  const devianceML = objective.criterion(false);
  const sigma = Math.sqrt(pwrss / (reml ? n - p : n));
  const df = p + blocks.nTheta + 1;
  const beta = objective.beta();
  const unscaled = objective.unscaledVcov();
  const vcov = unscaled.map((v) => v * sigma * sigma);
  const se = new Float64Array(p);
  for (let a = 0; a < p; a++) se[a] = Math.sqrt(vcov[a * p + a]);
  const u = objective.u(beta);
  const b = objective.b(u);
  const condCov = objective.conditionalCovariance();

  // Fitted values and residuals on the response scale (offset included, weights not).
  const fitted = new Float64Array(n);
  const X = spec.fixed.X;
  for (let a = 0; a < p; a++) addScaled(fitted, X, a * n, beta[a], n);
  // Position of term j's original level l in u (the factor may reorder a term's levels).
  const pos = (j: number, l: number): number => blocks.levelPosition[j]?.[l] ?? l;
  spec.random.forEach((t, j) => {
    const layout = blocks.terms[j];
    for (let c = 0; c < layout.q; c++) addRandom(fitted, t.Z, c * n, t.index, blocks.levelPosition[j], b, layout.uOffset, layout.q, c, n);
  });
  if (spec.offset) for (let i = 0; i < n; i++) fitted[i] += spec.offset[i];
  const residuals = new Float64Array(n);
  const scaled = new Float64Array(n);
  const pearson = spec.weights ? new Float64Array(n) : scaled;
  residualsOf(spec.response.values, fitted, sigma, residuals, scaled, n);
  if (spec.weights) for (let i = 0; i < n; i++) pearson[i] = (blocks.sqrtW[i] * residuals[i]) / sigma;

  // VarCorr, one entry per term, with R's make.unique group names.
  const groupNames = makeUnique(spec.random.map((t) => t.group));
  const varcorr: VarCorrEntry[] = spec.random.map((t, j) => {
    const q = blocks.terms[j].q;
    const off = blocks.terms[j].thetaOffset;
    const T: number[][] = Array.from({ length: q }, () => new Array<number>(q).fill(0));
    let k = off;
    for (let c = 0; c < q; c++) for (let r = c; r < q; r++) T[r][c] = theta[k++];
    const cov = Array.from({ length: q }, (_, r) =>
      Array.from({ length: q }, (_, c) => {
        let s = 0;
        for (let m = 0; m < q; m++) s += T[r][m] * T[c][m];
        return s * sigma * sigma;
      }),
    );
    const sd = cov.map((row, r) => Math.sqrt(row[r]));
    const corr = cov.map((row, r) => row.map((v, c) => (r === c ? 1 : v / (sd[r] * sd[c]))));
    return { group: groupNames[j], factor: t.group, terms: t.columns.map((c) => c.name), sd, corr, cov };
  });

  // Random effects per grouping factor (terms on the same factor side by side).
  const factorOrder: string[] = [];
  for (const t of spec.random) if (!factorOrder.includes(t.group)) factorOrder.push(t.group);
  const ranef: RanefGroup[] = factorOrder.map((g) => {
    const termIdx = spec.random.map((t, j) => (t.group === g ? j : -1)).filter((j) => j >= 0);
    const levels = spec.random[termIdx[0]].levels;
    const terms = termIdx.flatMap((j) => spec.random[j].columns.map((c) => c.name));
    const width = terms.length;
    const values: number[][] = new Array<number[]>(levels.length);
    const condsd: number[][] = new Array<number[]>(levels.length);
    for (let l = 0; l < levels.length; l++) {
      const v = new Array<number>(width);
      const sd = new Array<number>(width);
      let k = 0;
      for (const j of termIdx) {
        const { q, uOffset } = blocks.terms[j];
        const cc = condCov[j];
        const pl = pos(j, l);
        for (let c = 0; c < q; c++) {
          v[k] = b[uOffset + pl * q + c];
          sd[k] = Math.sqrt(sigma * sigma * cc[pl * q * q + c * q + c]);
          k++;
        }
      }
      values[l] = v;
      condsd[l] = sd;
    }
    return { group: g, levels, terms, values, condsd };
  });
  const ngroups = factorOrder.map((g) => ({
    group: g,
    levels: (spec.random.find((t) => t.group === g) as (typeof spec.random)[number]).levels.length,
  }));

  const logLik = -criterion / 2;
  return {
    nobs: n,
    ngroups,
    criterion,
    logLik,
    AIC: -2 * logLik + 2 * df,
    BIC: -2 * logLik + Math.log(n) * df,
    deviance: criterion,
    devianceML,
    df,
    dfResidual: n - df,
    fixefNames: spec.fixed.columns.map((c) => c.name),
    fixef: beta,
    se,
    vcov,
    sigma,
    theta,
    lower: Float64Array.from(blocks.lower),
    varcorr,
    ranef,
    fitted,
    residuals,
    // Only summary() shows these (sorting 80,000 residuals is a tenth of a fit's time), so they
    // are computed when first read; extendResults keeps them lazy.
    get scaledResidualQuantiles() {
      const q = quantiles(scaled, FIVE_NUMBERS);
      Object.defineProperty(this, 'scaledResidualQuantiles', { value: q, enumerable: true });
      return q;
    },
    get summaryResidualQuantiles() {
      const q = spec.weights ? quantiles(pearson, FIVE_NUMBERS) : [...this.scaledResidualQuantiles];
      Object.defineProperty(this, 'summaryResidualQuantiles', { value: q, enumerable: true });
      return q;
    },
  };
}

const FIVE_NUMBERS = [0, 0.25, 0.5, 0.75, 1] as const;

/** RESULTS with EXTRA added, keeping the lazy fields of collectResults lazy (a spread reads them). */
export function extendResults<E extends object>(results: LmerResults, extra: E): LmerResults & E {
  return Object.defineProperties({ ...extra }, Object.getOwnPropertyDescriptors(results)) as LmerResults & E;
}

// Loops of collectResults, each in its own function: they run once per fit, so each is
// compiled while it runs, and code after a loop in the same function would be thrown away.

/** out[i] += v[off + i] · k. */
function addScaled(out: Float64Array, v: Float64Array, off: number, k: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] += v[off + i] * k;
}

/** out[i] += Z[off + i] · b[uOffset + pos(index[i])·q + c]: one column of a term's Zb. */
function addRandom(
  out: Float64Array,
  Z: Float64Array,
  off: number,
  index: Int32Array,
  position: Int32Array | null,
  b: Float64Array,
  uOffset: number,
  q: number,
  c: number,
  n: number,
): void {
  if (position) {
    for (let i = 0; i < n; i++) out[i] += Z[off + i] * b[uOffset + position[index[i]] * q + c];
  } else {
    for (let i = 0; i < n; i++) out[i] += Z[off + i] * b[uOffset + index[i] * q + c];
  }
}

function residualsOf(y: Float64Array, fitted: Float64Array, sigma: number, residuals: Float64Array, scaled: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const r = y[i] - fitted[i];
    residuals[i] = r;
    scaled[i] = r / sigma;
  }
}

/** R's make.unique(names): later duplicates get ".1", ".2", … avoiding names already used. */
export function makeUnique(names: readonly string[]): string[] {
  const used = new Set(names);
  const counter = new Map<string, number>();
  const seen = new Set<string>();
  return names.map((name) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let k = counter.get(name) ?? 1;
    while (used.has(`${name}.${k}`)) k++;
    const out = `${name}.${k}`;
    counter.set(name, k + 1);
    used.add(out);
    return out;
  });
}

/**
 * R's quantile(x, probs) with the default type 7 (NaN-free x). For long x only the order
 * statistics the probabilities need are found, by a multiple selection in a copy of x
 * (expected O(n)) instead of sorting it.
 */
export function quantiles(x: ArrayLike<number>, probs: readonly number[]): number[] {
  const s = Float64Array.from(x);
  const n = s.length;
  if (n === 0) return probs.map(() => NaN);
  // The built-in sort needs no warm-up, so it wins on the short vectors a one-shot fit sees
  // (7 ms vs 25 ms for 80,000 values); selection wins on long ones (45 ms vs 80 ms for 800,000).
  if (n < SORT_BELOW) s.sort();
  else selectQuantiles(s, n, probs);
  return probs.map((pr) => {
    const h = (n - 1) * pr;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, n - 1);
    return s[lo] + (h - lo) * (s[hi] - s[lo]);
  });
}

const SORT_BELOW = 250_000;

/** Put the order statistics that type-7 quantiles at `probs` need in their sorted places. */
function selectQuantiles(s: Float64Array, n: number, probs: readonly number[]): void {
  const wanted = new Set<number>();
  for (const pr of probs) {
    const lo = Math.floor((n - 1) * pr);
    wanted.add(lo);
    wanted.add(Math.min(lo + 1, n - 1));
  }
  const ks = Int32Array.from([...wanted].sort((a, b) => a - b));
  multiSelect(s, 0, n - 1, ks, 0, ks.length - 1, 0);
}

/**
 * Rearrange a[lo … hi] so that each a[ks[m]] (kLo ≤ m ≤ kHi, ks ascending, inside [lo, hi])
 * holds the value sorted order puts there: partition around a median-of-three pivot and go on
 * in the parts that hold wanted positions. Short ranges, and ranges after many rounds (bad
 * pivots), are sorted instead.
 */
function multiSelect(a: Float64Array, lo: number, hi: number, ks: Int32Array, kLo: number, kHi: number, depth: number): void {
  while (kLo <= kHi && hi > lo) {
    if (hi - lo < 24 || depth > 64) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    depth++;
    const mid = lo + ((hi - lo) >> 1);
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // a[lo … j] ≤ pivot ≤ a[i … hi]; positions strictly between j and i hold the pivot.
    let leftEnd = kLo;
    while (leftEnd <= kHi && ks[leftEnd] <= j) leftEnd++;
    let rightStart = leftEnd;
    while (rightStart <= kHi && ks[rightStart] < i) rightStart++;
    if (leftEnd > kLo) multiSelect(a, lo, j, ks, kLo, leftEnd - 1, depth);
    lo = i;
    kLo = rightStart;
  }
}

/** JSON numbers: non-finite values become null. */
function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The `fit --json` document, exactly DESIGN §9's keys and order. */
export function lmerFitToJson(fit: LmerFit): Record<string, unknown> {
  const p = fit.fixefNames.length;
  const named = (v: Float64Array): Record<string, number | null> =>
    Object.fromEntries(fit.fixefNames.map((name, a) => [name, num(v[a])]));
  return {
    formula: fit.formula,
    method: fit.method,
    nobs: fit.nobs,
    ngroups: Object.fromEntries(fit.ngroups.map((g) => [g.group, g.levels])),
    criterion: num(fit.criterion),
    logLik: num(fit.logLik),
    fixef: named(fit.fixef),
    se: named(fit.se),
    vcov: Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, c) => num(fit.vcov[a * p + c]))),
    sigma: num(fit.sigma),
    theta: Array.from(fit.theta, num),
    varcorr: fit.varcorr.map((v) => ({
      group: v.group,
      terms: [...v.terms],
      sd: v.sd.map(num),
      corr: v.corr.map((row) => row.map(num)),
    })),
    ranef: Object.fromEntries(
      fit.ranef.map((r) => [
        r.group,
        {
          levels: [...r.levels],
          terms: [...r.terms],
          values: r.values.map((row) => row.map(num)),
          condsd: r.condsd.map((row) => row.map(num)),
        },
      ]),
    ),
    singular: fit.singular,
    converged: fit.converged,
    dropped: [...fit.dropped],
    warnings: fit.diagnostics.map((d) => d.text),
  };
}
