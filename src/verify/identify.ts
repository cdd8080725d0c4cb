/**
 * Which random-effect coefficients the data identify. When the columns of the random terms on
 * one grouping factor are linearly dependent (lme4 allows it: `(f || g)` with a factor f gives
 * `(1 | g) + (0 + f | g)`, whose indicator columns sum to the intercept), only some linear
 * combinations of a group's coefficients are identified: those in the row space of the stacked
 * columns. lmer then sits at a boundary (a singular fit) and the posterior splits the
 * coefficients by its prior, so verify compares the identified combinations instead (compare.ts,
 * RedundantTerms).
 *
 * The combinations are chosen among the distinct rows of the stacked columns (an observation's
 * pattern, e.g. "(Intercept) + condhi"), rows of zeros and ones first, until they span the row
 * space.
 */
import { varcorrGroupNames } from '../jags/names.js';
import type { ModelSpec } from '../model/spec.js';
import type { RedundantTerms } from './compare.js';

const TOL = 1e-9;
const MAX_PATTERNS = 5000;

/** Gram–Schmidt: adds `v` to the orthonormal `basis` when it is independent of it. */
function addIfIndependent(basis: Float64Array[], v: readonly number[]): boolean {
  const r = Float64Array.from(v);
  const norm0 = Math.hypot(...r);
  if (!(norm0 > 0)) return false;
  for (let pass = 0; pass < 2; pass++) {
    for (const b of basis) {
      let d = 0;
      for (let i = 0; i < r.length; i++) d += r[i] * b[i];
      for (let i = 0; i < r.length; i++) r[i] -= d * b[i];
    }
  }
  const norm = Math.hypot(...r);
  if (norm <= 1e-7 * norm0) return false;
  for (let i = 0; i < r.length; i++) r[i] /= norm;
  basis.push(r);
  return true;
}

/** The rank of the n × K column-major matrix Z (from its K × K Gram matrix, pivoted Cholesky). */
function columnRank(Z: readonly Float64Array[], n: number): number {
  const K = Z.length;
  const A = new Float64Array(K * K);
  for (let a = 0; a < K; a++) {
    for (let b = a; b < K; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += Z[a][i] * Z[b][i];
      A[a * K + b] = s;
      A[b * K + a] = s;
    }
  }
  const scale = Math.max(...Array.from({ length: K }, (_, k) => A[k * K + k]), 0);
  const done = new Array<boolean>(K).fill(false);
  let rank = 0;
  for (let step = 0; step < K; step++) {
    let p = -1;
    for (let k = 0; k < K; k++) if (!done[k] && (p < 0 || A[k * K + k] > A[p * K + p])) p = k;
    const d = A[p * K + p];
    if (!(d > TOL * Math.max(scale, 1e-300))) break;
    done[p] = true;
    rank++;
    for (let a = 0; a < K; a++) {
      if (done[a]) continue;
      for (let b = 0; b < K; b++) {
        if (done[b]) continue;
        A[a * K + b] -= (A[a * K + p] * A[p * K + b]) / d;
      }
    }
  }
  return rank;
}

const num = (w: number) => (Number.isInteger(w) ? String(w) : String(Number(w.toPrecision(4))));

/** The redundant random terms of `spec`, one entry per grouping factor that has them. */
export function redundantTerms(spec: ModelSpec): RedundantTerms[] {
  const n = spec.nobs;
  const vcNames = varcorrGroupNames(spec.random);
  const factors = [...new Set(spec.random.map((t) => t.group))];
  const out: RedundantTerms[] = [];
  for (const factor of factors) {
    const terms = spec.random.map((t, i) => ({ t, i })).filter(({ t }) => t.group === factor);
    const cols: { name: string; values: Float64Array; vc: string }[] = [];
    for (const { t, i } of terms) t.columns.forEach((c, k) => cols.push({ name: c.name, values: t.Z.subarray(k * n, (k + 1) * n), vc: vcNames[i] }));
    const K = cols.length;
    if (K < 2) continue;
    const rank = columnRank(cols.map((c) => c.values), n);
    if (rank === K) continue;

    // Distinct observation patterns, zero-one ones first, then by how many columns they use.
    const seen = new Map<string, number[]>();
    for (let i = 0; i < n && seen.size < MAX_PATTERNS; i++) {
      const row = cols.map((c) => c.values[i]);
      const key = row.map((v) => v.toPrecision(12)).join(',');
      if (!seen.has(key)) seen.set(key, row);
    }
    const patterns = [...seen.values()].map((row, order) => ({
      row,
      order,
      binary: row.every((v) => v === 0 || v === 1),
      used: row.filter((v) => v !== 0).length,
    }));
    patterns.sort((a, b) => Number(b.binary) - Number(a.binary) || a.used - b.used || a.order - b.order);
    const basis: Float64Array[] = [];
    const chosen: number[][] = [];
    for (const p of patterns) {
      if (chosen.length === rank) break;
      if (addIfIndependent(basis, p.row)) chosen.push(p.row);
    }
    const dup = new Set(cols.map((c) => c.name).filter((name, k, all) => all.indexOf(name) !== k));
    const colLabel = (k: number) => (dup.has(cols[k].name) ? `${cols[k].name} [${cols[k].vc}]` : cols[k].name);
    const combos = chosen.map((w) => ({
      label: w
        .map((v, k) => (v === 0 ? '' : v === 1 ? colLabel(k) : `${num(v)}*${colLabel(k)}`))
        .filter((x) => x !== '')
        .join(' + '),
      weights: w,
    }));
    const labels = terms.map(({ t }) => `(${t.label})`);
    out.push({
      factor,
      groups: terms.map(({ i }) => vcNames[i]),
      combos,
      why: `the ${K} columns of ${labels.join(' and ')} are linearly dependent (rank ${rank})`,
    });
  }
  return out;
}
