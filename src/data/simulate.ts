/**
 * Simulated grouped data like the seed post's example. With the defaults and --seed 1 it is
 * exactly the post's R code after set.seed(1):
 *   x <- rep(rnorm(perGroup), groups); grp <- sort(rep(1:groups, perGroup))
 *   A <- rnorm(1); a <- rnorm(groups); b <- rnorm(groups)
 *   y <- A + a[grp] + b[grp] * x + rnorm(n)
 * Options add a correlation between a and b, other SDs and a change of scale of y.
 */
import { Lmer2JagsError } from '../errors.js';
import { RRandom } from './r-rng.js';
import { makeTable, type DataTable } from './table.js';

export interface SimulateOptions {
  readonly groups: number;
  readonly perGroup: number;
  readonly seed: number;
  /** Correlation between the group intercepts a and slopes b (default 0, as the post). */
  readonly rho?: number;
  /** SD of the group intercepts (default 1). */
  readonly sdA?: number;
  /** SD of the group slopes (default 1). */
  readonly sdB?: number;
  /** Residual SD (default 1). */
  readonly sigma?: number;
  /** y is multiplied by this (default 1) … */
  readonly scale?: number;
  /** … and then shifted by this (default 0). */
  readonly shift?: number;
}

export interface SimulatedData {
  readonly y: Float64Array;
  readonly x: Float64Array;
  /** 1-based group numbers, sorted. */
  readonly grp: Int32Array;
  /** The true values used, for checks. */
  readonly truth: { readonly A: number; readonly a: Float64Array; readonly b: Float64Array };
}

function check(name: string, ok: boolean, what: string): void {
  if (!ok) throw new Lmer2JagsError(`--${name} must be ${what}`, { hint: `e.g. lmer2jags simulate --groups 100 --per-group 8 --seed 1` });
}

export function simulateGrouped(o: SimulateOptions): SimulatedData {
  check('groups', Number.isInteger(o.groups) && o.groups >= 2, 'a whole number of at least 2');
  check('per-group', Number.isInteger(o.perGroup) && o.perGroup >= 1, 'a whole number of at least 1');
  check('seed', Number.isInteger(o.seed), 'a whole number');
  const rho = o.rho ?? 0;
  check('rho', rho > -1 && rho < 1, 'strictly between -1 and 1');
  for (const [k, v] of [['sd-a', o.sdA], ['sd-b', o.sdB], ['sigma', o.sigma], ['scale', o.scale]] as const) {
    check(k, v === undefined || (Number.isFinite(v) && v > 0), 'a positive number');
  }
  check('shift', o.shift === undefined || Number.isFinite(o.shift), 'a finite number');
  const m = o.groups;
  const n = m * o.perGroup;
  const rng = new RRandom(o.seed);
  const xs = rng.rnorm(o.perGroup);
  const x = new Float64Array(n);
  const grp = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = xs[i % o.perGroup];
    grp[i] = Math.floor(i / o.perGroup) + 1;
  }
  const A = rng.norm();
  const a = rng.rnorm(m);
  const braw = rng.rnorm(m);
  const sdA = o.sdA ?? 1;
  const sdB = o.sdB ?? 1;
  const b = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    b[j] = rho === 0 ? braw[j] : rho * a[j] + Math.sqrt(1 - rho * rho) * braw[j];
    a[j] *= sdA;
    b[j] *= sdB;
  }
  const e = rng.rnorm(n, 0, o.sigma ?? 1);
  const scale = o.scale ?? 1;
  const shift = o.shift ?? 0;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = grp[i] - 1;
    y[i] = shift + scale * (A + a[j] + b[j] * x[i] + e[i]);
  }
  return { y, x, grp, truth: { A, a, b } };
}

export function simulatedTable(d: SimulatedData): DataTable {
  return makeTable('simulated', [
    { kind: 'numeric', name: 'y', values: d.y, integer: false },
    { kind: 'numeric', name: 'x', values: d.x, integer: false },
    { kind: 'numeric', name: 'grp', values: Float64Array.from(d.grp), integer: true },
  ]);
}

/** The data as CSV (header y,x,grp), numbers in their shortest exact form. */
export function simulatedCsv(d: SimulatedData): string {
  const lines = ['"y","x","grp"'];
  for (let i = 0; i < d.y.length; i++) lines.push(`${d.y[i]},${d.x[i]},${d.grp[i]}`);
  return lines.join('\n') + '\n';
}
