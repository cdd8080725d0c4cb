/**
 * Prior constants for the JAGS model, each with the sentence saying where it came from.
 *
 * Two prior sets:
 * - `seed`: the seed post's literal choices, dnorm(0, 0.0001) for every mean and fixed effect
 *   and dunif(0, 100) for every SD. They are vague only when the data are on a unit scale;
 *   with a response in the hundreds they pull the estimates (DESIGN §5).
 * - `auto` (the default): vague relative to the data, so that the posterior approaches lmer's
 *   estimates as the groups grow whatever the units:
 *   - a coefficient's prior SD is 100 × sd(y) / sd(x) for a slope on column x, and
 *     100 × (|mean(y)| + sd(y)) for an intercept (a constant column c counts as an intercept
 *     divided by |c|);
 *   - an SD's prior is dunif(0, A) with A = 10 × sd(y) for the residual and for intercepts,
 *     10 × sd(y) / sd(x) for a slope on x.
 *   A response with sd 0 (which lmer cannot fit either) is given the scale 1.
 *
 * Constants are written with 6 significant digits (C's %g, as JAGS prints numbers).
 */
import { formatCodaNumber } from './coda.js';

export type PriorSet = 'auto' | 'seed';
export const PRIOR_SETS: readonly PriorSet[] = ['auto', 'seed'];

/** The seed post's constants. */
export const SEED_PRECISION = 0.0001;
export const SEED_SD_UPPER = 100;

/** Multipliers of the auto set. */
export const AUTO_COEF_FACTOR = 100;
export const AUTO_SD_FACTOR = 10;

/** A number as written into model.jags: 6 significant digits, %g style. */
export function formatConstant(x: number): string {
  return formatCodaNumber(x);
}

/** Location and spread of a model-matrix column over the observations used. */
export interface ColumnStats {
  /** lme4's column name. */
  readonly name: string;
  readonly mean: number;
  readonly sd: number;
  /** "(Intercept)", or any constant column: its coefficient shifts the level of y. */
  readonly intercept: boolean;
}

export interface ResponseStats {
  /** The response as written in the formula, e.g. "Reaction", "log(Reaction)". */
  readonly name: string;
  readonly mean: number;
  readonly sd: number;
}

export function columnStats(name: string, values: Float64Array): ColumnStats {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = n > 0 ? s / n : 0;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const intercept = name === '(Intercept)' || !(sd > 1e-12 * Math.max(1, Math.abs(mean)));
  return { name, mean, sd: intercept ? 0 : sd, intercept };
}

/** A normal prior dnorm(0, precision) on a mean or a fixed effect. */
export interface NormalPrior {
  readonly kind: 'normal';
  readonly mean: 0;
  readonly sd: number;
  readonly precision: number;
  /** The distribution as written, e.g. "dnorm(0, 1.23e-07)". */
  readonly text: string;
  /** Where the constant came from. */
  readonly comment: string;
}

/** A uniform prior dunif(lower, upper) on an SD, a scale factor or a correlation. */
export interface UniformPrior {
  readonly kind: 'uniform';
  readonly lower: number;
  readonly upper: number;
  readonly text: string;
  readonly comment: string;
}

export type Prior = NormalPrior | UniformPrior;

const f = formatConstant;

/** sd(y) used for scaling: the response's SD, or 1 when it is 0 or not finite. */
function ySd(y: ResponseStats): number {
  return y.sd > 0 && Number.isFinite(y.sd) ? y.sd : 1;
}

/** A constant column c plays the intercept's part scaled by |c| (1 for the intercept itself). */
function constantScale(x: ColumnStats): number {
  return x.name === '(Intercept)' || !(Math.abs(x.mean) > 0) ? 1 : Math.abs(x.mean);
}

function normal(sd: number, comment: string): NormalPrior {
  // The written precision is what JAGS uses; report the SD it implies.
  const precision = Number(f(1 / (sd * sd)));
  return { kind: 'normal', mean: 0, sd: 1 / Math.sqrt(precision), precision, text: `dnorm(0, ${f(precision)})`, comment };
}

function uniform(upper: number, comment: string): UniformPrior {
  const u = Number(f(upper));
  return { kind: 'uniform', lower: 0, upper: u, text: `dunif(0, ${f(u)})`, comment };
}

/** The prior SD of a coefficient on column `x` (auto set), and how it was computed. */
export function coefficientScale(x: ColumnStats, y: ResponseStats): { sd: number; how: string } {
  const s = ySd(y);
  if (x.intercept) {
    const level = Math.abs(y.mean) + s;
    const c = constantScale(x);
    const sd = (AUTO_COEF_FACTOR * level) / c;
    const per = c === 1 ? ['', ''] : [` / |${x.name}|`, ` / ${f(c)}`];
    return {
      sd,
      how: `${AUTO_COEF_FACTOR} x (|mean(${y.name})| + sd(${y.name}))${per[0]} = ${AUTO_COEF_FACTOR} x (${f(Math.abs(y.mean))} + ${f(s)})${per[1]}`,
    };
  }
  const sd = (AUTO_COEF_FACTOR * s) / x.sd;
  return { sd, how: `${AUTO_COEF_FACTOR} x sd(${y.name}) / sd(${x.name}) = ${AUTO_COEF_FACTOR} x ${f(s)} / ${f(x.sd)}` };
}

/** The upper bound of a uniform prior on the SD of coefficients on column `x` (auto set). */
export function sdScale(x: ColumnStats, y: ResponseStats): { upper: number; how: string } {
  const s = ySd(y);
  if (x.intercept) {
    const c = constantScale(x);
    const per = c === 1 ? ['', ''] : [` / |${x.name}|`, ` / ${f(c)}`];
    return { upper: (AUTO_SD_FACTOR * s) / c, how: `${AUTO_SD_FACTOR} x sd(${y.name})${per[0]} = ${AUTO_SD_FACTOR} x ${f(s)}${per[1]}` };
  }
  return { upper: (AUTO_SD_FACTOR * s) / x.sd, how: `${AUTO_SD_FACTOR} x sd(${y.name}) / sd(${x.name}) = ${AUTO_SD_FACTOR} x ${f(s)} / ${f(x.sd)}` };
}

/** Prior of a mean (mu.N) or a fixed effect (beta.x) on column `x`. */
export function coefficientPrior(x: ColumnStats, y: ResponseStats, set: PriorSet): NormalPrior {
  if (set === 'seed') return normal(1 / Math.sqrt(SEED_PRECISION), `the seed post's prior: precision ${f(SEED_PRECISION)}, SD 100`);
  const { sd, how } = coefficientScale(x, y);
  return normal(sd, `prior SD ${f(sd)} = ${how}`);
}

/** Prior of the SD of a random coefficient on column `x`. */
export function sdPrior(x: ColumnStats, y: ResponseStats, set: PriorSet): UniformPrior {
  if (set === 'seed') return uniform(SEED_SD_UPPER, "the seed post's prior on every SD");
  const { upper, how } = sdScale(x, y);
  return uniform(upper, `upper bound ${how}`);
}

/** Prior of the residual SD. */
export function residualSdPrior(y: ResponseStats, set: PriorSet): UniformPrior {
  if (set === 'seed') return uniform(SEED_SD_UPPER, "the seed post's prior on every SD");
  const s = ySd(y);
  return uniform(AUTO_SD_FACTOR * s, `upper bound ${AUTO_SD_FACTOR} x sd(${y.name}) = ${AUTO_SD_FACTOR} x ${f(s)}`);
}

/**
 * The diagonal of the Wishart scale matrix R in Tau ~ dwish(R, K + 1), for coefficients on
 * the columns `xs`. JAGS's dwish(R, k) has E[Tau] = k R⁻¹, so Sigma = Tau⁻¹ is inverse-Wishart
 * with scale R: each variance is inverse-gamma with scale R[k,k] / 2 (shape 1), whose median
 * is about 0.72 R[k,k]. An unscaled R = I would claim the SDs are about 1 in the data's units,
 * which is informative (and wrong) for data on any other scale; so R[k,k] is the square of
 * the typical size of a coefficient on that column, sd(y) / sd(x) for a slope and sd(y) for
 * an intercept. The seed set keeps R = I (there is no Wishart in the post).
 */
export function wishartScale(xs: readonly ColumnStats[], y: ResponseStats, set: PriorSet): { diag: number[]; comments: string[] } {
  if (set === 'seed') return { diag: xs.map(() => 1), comments: xs.map(() => 'identity scale (seed prior set)') };
  const s = ySd(y);
  const diag: number[] = [];
  const comments: string[] = [];
  for (const x of xs) {
    if (x.intercept) {
      const c = constantScale(x);
      diag.push(Number(f((s / c) ** 2)));
      comments.push(`(sd(${y.name})${c === 1 ? '' : ` / |${x.name}|`})^2 = ${f(s / c)}^2`);
    } else {
      diag.push(Number(f((s / x.sd) ** 2)));
      comments.push(`(sd(${y.name}) / sd(${x.name}))^2 = (${f(s)} / ${f(x.sd)})^2`);
    }
  }
  return { diag, comments };
}

/** Upper bound of the scaled-Wishart scale factor ξ_k ~ dunif(0, A_k): the SD prior's bound. */
export function xiPrior(x: ColumnStats, y: ResponseStats, set: PriorSet): UniformPrior {
  const p = sdPrior(x, y, set);
  return { ...p, comment: set === 'seed' ? "the seed post's bound on every SD" : `${p.comment} (the bound on this coefficient's SD)` };
}

/**
 * LKJ(η) by the C-vine: the partial correlation of coefficients k < l given 1..k-1 is
 * Beta(b_k, b_k) on (-1, 1) with b_k = η + (K - 1 - k) / 2 (k = 1..K-1), which makes the
 * correlation matrix's density proportional to det(R)^(η-1) (Lewandowski, Kurowicka & Joe
 * 2009). Every correlation then has the marginal Beta(η - 1 + K/2, η - 1 + K/2) on (-1, 1).
 */
export function lkjShapes(K: number, eta: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= K - 1; k++) out.push(eta + (K - 1 - k) / 2);
  return out;
}

/** The prior of a node in the form verify uses (mean/sd or bounds, and the text). */
export type PriorInfo =
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number; readonly text: string }
  | { readonly kind: 'uniform'; readonly lower: number; readonly upper: number; readonly text: string };

export function priorInfo(p: Prior): PriorInfo {
  return p.kind === 'normal'
    ? { kind: 'normal', mean: p.mean, sd: p.sd, text: p.text }
    : { kind: 'uniform', lower: p.lower, upper: p.upper, text: p.text };
}
