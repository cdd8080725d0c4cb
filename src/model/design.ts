/**
 * The model matrix, as R's model.matrix.default builds it with treatment contrasts, the
 * rank check lme4 applies to the fixed-effects matrix, and lme4's grouping factors.
 *
 * - Column coding follows R's model.c: for a factor v in term T, drop v from T; if what is
 *   left is empty or contained in an earlier term, v is coded by contrasts (levels 2..k),
 *   otherwise by indicators for all k levels. Without an intercept, the first factor of the
 *   first term that has one is always coded by all its levels.
 * - Logical variables are factors with levels FALSE, TRUE (R's `contrasts<-` makes them so,
 *   whichever values occur).
 * - Interaction columns are products with the first variable varying fastest; names are the
 *   parts joined by ":".
 * - The rank check is R's `qr(X, tol = 1e-7, LAPACK = FALSE)` (LINPACK dqrdc2 with limited
 *   pivoting), and lme4's chkRank.drop.cols drops the columns pivoted past the rank.
 */
import { Lmer2JagsError, assert, type ErrorLocation, type Span } from '../errors.js';
import type { Term, TermList, Variable } from '../formula/terms.js';
import type { ModelFrame } from '../data/frame.js';
import type { Value } from '../data/values.js';
import { dropUnusedLevels, numericLevels } from '../data/table.js';
import type { MatrixColumn } from './spec.js';

export interface DesignMatrix {
  /** R's colnames, each with the span of the term that made it. */
  readonly columns: readonly MatrixColumn[];
  readonly nrow: number;
  /** nrow × p, column-major. */
  readonly values: Float64Array;
  /** R's "assign": 0 for (Intercept), else the 1-based index of the term. */
  readonly assign: Int32Array;
}

// ---------------------------------------------------------------------------------------
// LINPACK QR (R's dqrdc2 and the qy part of dqrsl)
// ---------------------------------------------------------------------------------------

/** The compact QR R's `qr(X, LAPACK = FALSE)` returns. */
export interface LinpackQr {
  readonly n: number;
  readonly p: number;
  /** n × p column-major: R above the diagonal, Householder vectors below. */
  readonly qr: Float64Array;
  readonly qraux: Float64Array;
  /** Number of columns judged linearly independent. */
  readonly rank: number;
  /** 0-based original index of the column in each position (R's pivot − 1). */
  readonly pivot: Int32Array;
}

/** Euclidean norm of x[off], x[off+1], …, len entries, scaled against overflow (BLAS dnrm2). */
function norm2(x: Float64Array, off: number, len: number): number {
  let scale = 0;
  let ssq = 1;
  for (let i = off; i < off + len; i++) {
    const v = x[i];
    if (v !== 0) {
      const a = Math.abs(v);
      if (scale < a) {
        ssq = 1 + ssq * (scale / a) ** 2;
        scale = a;
      } else {
        ssq += (a / scale) ** 2;
      }
    }
  }
  return scale * Math.sqrt(ssq);
}

/**
 * R's dqrdc2: Householder QR with limited column pivoting. A column whose norm, after the
 * transformations so far, falls below `tol` times its original norm is moved to the right
 * end; the columns kept stay in their original order. Does not modify `x`.
 */
export function qrLinpack(x: Float64Array, n: number, p: number, tol = 1e-7): LinpackQr {
  assert(x.length === n * p, 'qrLinpack: matrix size does not match n × p');
  const a = Float64Array.from(x);
  const qraux = new Float64Array(p);
  const work1 = new Float64Array(p);
  const work2 = new Float64Array(p);
  const pivot = new Int32Array(p);
  for (let j = 0; j < p; j++) pivot[j] = j;
  if (n > 0) {
    for (let j = 0; j < p; j++) {
      qraux[j] = norm2(a, j * n, n);
      work1[j] = qraux[j];
      work2[j] = qraux[j] === 0 ? 1 : qraux[j];
    }
  }
  const lup = Math.min(n, p);
  let k = p + 1; // 1-based, as in the Fortran
  const col = new Float64Array(n);
  for (let l = 0; l < lup; l++) {
    // Cycle negligible columns to the end (l + 1 is the 1-based column number).
    while (!(l + 1 >= k || qraux[l] >= work2[l] * tol)) {
      col.set(a.subarray(l * n, l * n + n));
      a.copyWithin(l * n, (l + 1) * n, p * n);
      a.set(col, (p - 1) * n);
      const pv = pivot[l];
      const q = qraux[l];
      const w1 = work1[l];
      const w2 = work2[l];
      for (let j = l + 1; j < p; j++) {
        pivot[j - 1] = pivot[j];
        qraux[j - 1] = qraux[j];
        work1[j - 1] = work1[j];
        work2[j - 1] = work2[j];
      }
      pivot[p - 1] = pv;
      qraux[p - 1] = q;
      work1[p - 1] = w1;
      work2[p - 1] = w2;
      k--;
    }
    if (l === n - 1) continue;
    // Householder transformation for column l.
    const ll = l * n + l;
    let nrmxl = norm2(a, ll, n - l);
    if (nrmxl === 0) continue;
    if (a[ll] !== 0) nrmxl = a[ll] < 0 ? -Math.abs(nrmxl) : Math.abs(nrmxl);
    for (let i = l; i < n; i++) a[l * n + i] /= nrmxl;
    a[ll] = 1 + a[ll];
    for (let j = l + 1; j < p; j++) {
      let dot = 0;
      for (let i = l; i < n; i++) dot += a[l * n + i] * a[j * n + i];
      const t = -dot / a[ll];
      for (let i = l; i < n; i++) a[j * n + i] += t * a[l * n + i];
      if (qraux[j] !== 0) {
        const tt = Math.max(1 - (Math.abs(a[j * n + l]) / qraux[j]) ** 2, 0);
        if (Math.abs(tt) >= 1e-6) {
          qraux[j] *= Math.sqrt(tt);
        } else {
          qraux[j] = norm2(a, j * n + l + 1, n - l - 1);
          work1[j] = qraux[j];
        }
      }
    }
    qraux[l] = a[ll];
    a[ll] = -nrmxl;
  }
  const rank = Math.min(k - 1, n);
  return { n, p, qr: a, qraux, rank, pivot };
}

/**
 * Q·y in place for an n × ny column-major `y` (R's qr.qy, which uses the first `rank`
 * Householder transformations).
 */
export function qrQy(qr: LinpackQr, y: Float64Array, ny: number): void {
  const { n, qr: a, qraux } = qr;
  const ju = Math.min(qr.rank, n - 1);
  for (let c = 0; c < ny; c++) {
    const off = c * n;
    for (let j = ju - 1; j >= 0; j--) {
      if (qraux[j] === 0) continue;
      const base = j * n;
      // The Householder vector is (qraux[j], a[j+1..n-1, j]).
      let dot = qraux[j] * y[off + j];
      for (let i = j + 1; i < n; i++) dot += a[base + i] * y[off + i];
      const t = -dot / qraux[j];
      y[off + j] += t * qraux[j];
      for (let i = j + 1; i < n; i++) y[off + i] += t * a[base + i];
    }
  }
}

// ---------------------------------------------------------------------------------------
// model.matrix
// ---------------------------------------------------------------------------------------

/** A frame variable as model.matrix sees it. */
type Coded =
  | { readonly kind: 'numeric'; readonly ncol: number; readonly values: Float64Array; readonly suffixes: readonly string[] | null }
  | { readonly kind: 'factor'; readonly levels: readonly string[]; readonly codes: Int32Array };

function codedVariable(v: Value): Coded {
  switch (v.kind) {
    case 'numeric':
      return { kind: 'numeric', ncol: 1, values: v.values, suffixes: null };
    case 'matrix':
      return {
        kind: 'numeric',
        ncol: v.ncol,
        values: v.values,
        suffixes: v.colnames.length === v.ncol ? v.colnames : null,
      };
    case 'factor':
      return { kind: 'factor', levels: v.levels, codes: v.codes };
    case 'logical': {
      // R's `contrasts<-` turns a logical into factor(x, levels = c(FALSE, TRUE)).
      const codes = new Int32Array(v.values.length);
      for (let i = 0; i < codes.length; i++) codes[i] = v.values[i] < 0 ? -1 : v.values[i];
      return { kind: 'factor', levels: ['FALSE', 'TRUE'], codes };
    }
  }
}

function textLocation(text: string | undefined, span: Span): ErrorLocation | undefined {
  return text === undefined ? undefined : { kind: 'text', label: 'formula', text, span };
}

/**
 * R's model.matrix.default with treatment contrasts. `formulaText`, when given, lets errors
 * point at the formula.
 */
export function modelMatrix(terms: TermList, frame: ModelFrame, formulaText?: string): DesignMatrix {
  const n = frame.nrow;
  const vars = terms.variables;
  const coded: Coded[] = vars.map((v) => {
    const value = frame.values.get(v.label);
    assert(value !== undefined, `modelMatrix: variable '${v.label}' is not in the model frame`);
    const c = codedVariable(value);
    const len = c.kind === 'factor' ? c.codes.length : c.values.length / c.ncol;
    assert(len === n, `modelMatrix: variable '${v.label}' has ${len} rows, the frame ${n}`);
    return c;
  });

  // R sets contrasts on every factor of the frame, which fails below two levels.
  coded.forEach((c, i) => {
    if (c.kind === 'factor' && c.levels.length < 2) throw oneLevelError(vars[i], c.levels, formulaText);
  });

  // The coding of each (term, variable): 1 = contrasts, 2 = all levels (R's TermCode).
  const codes: Map<number, 1 | 2>[] = terms.terms.map((term, j) => {
    const m = new Map<number, 1 | 2>();
    for (const v of term.vars) m.set(v, termCode(terms.terms, j, v));
    return m;
  });
  if (!terms.intercept) {
    search: for (let j = 0; j < terms.terms.length; j++) {
      for (const v of [...terms.terms[j].vars].sort((a, b) => a - b)) {
        const c = coded[v];
        if (c.kind === 'factor' && c.levels.length > 1) {
          codes[j].set(v, 2);
          break search;
        }
      }
    }
  }

  const names: MatrixColumn[] = [];
  const assign: number[] = [];
  const blocks: Float64Array[] = [];
  if (terms.intercept) {
    names.push({ name: '(Intercept)', span: interceptSpan(terms) });
    assign.push(0);
    blocks.push(new Float64Array(n).fill(1));
  }
  terms.terms.forEach((term, j) => {
    const parts = term.vars.map((v) => columnSet(vars[v], coded[v], codes[j].get(v) as 1 | 2, n));
    const count = parts.reduce((acc, part) => acc * part.ncol, 1);
    for (let kk = 0; kk < count; kk++) {
      let indx = kk;
      const labels: string[] = [];
      const col = new Float64Array(n).fill(1);
      for (const part of parts) {
        const which = indx % part.ncol;
        indx = Math.floor(indx / part.ncol);
        labels.push(part.name(which));
        part.multiply(which, col);
      }
      names.push({ name: labels.join(':'), span: term.span });
      assign.push(j + 1);
      blocks.push(col);
    }
  });

  const values = new Float64Array(n * blocks.length);
  blocks.forEach((b, c) => values.set(b, c * n));
  return { columns: names, nrow: n, values, assign: Int32Array.from(assign) };
}

function interceptSpan(terms: TermList): Span {
  if (terms.interceptSpan) return terms.interceptSpan;
  const first = terms.terms[0];
  return first ? { start: first.span.start, end: first.span.start } : { start: 0, end: 0 };
}

/**
 * R's TermCode: v in term j gets contrasts when the rest of the term is empty or is
 * contained in some earlier term; otherwise indicators for every level.
 */
function termCode(all: readonly Term[], j: number, v: number): 1 | 2 {
  const rest = all[j].vars.filter((u) => u !== v);
  if (rest.length === 0) return 1;
  for (let t = 0; t < j; t++) {
    const earlier = all[t].vars;
    if (rest.every((u) => earlier.includes(u))) return 1;
  }
  return 2;
}

interface ColumnSet {
  readonly ncol: number;
  name(which: number): string;
  /** col[i] *= this set's column `which` at row i. */
  multiply(which: number, col: Float64Array): void;
}

function columnSet(v: Variable, c: Coded, code: 1 | 2, n: number): ColumnSet {
  if (c.kind === 'numeric') {
    const { ncol, values, suffixes } = c;
    return {
      ncol,
      name: (which) => (ncol === 1 ? v.label : v.label + (suffixes ? suffixes[which] : String(which + 1))),
      multiply: (which, col) => {
        const off = which * n;
        for (let i = 0; i < n; i++) col[i] *= values[off + i];
      },
    };
  }
  const first = code === 1 ? 1 : 0; // contr.treatment drops the first level
  const { levels, codes } = c;
  return {
    ncol: levels.length - first,
    name: (which) => v.label + levels[which + first],
    multiply: (which, col) => {
      const level = which + first;
      for (let i = 0; i < n; i++) {
        const k = codes[i];
        col[i] *= k < 0 ? Number.NaN : k === level ? 1 : 0;
      }
    },
  };
}

function oneLevelError(v: Variable, levels: readonly string[], formulaText: string | undefined): Lmer2JagsError {
  const what =
    levels.length === 0 ? 'has no levels' : `has only one level ("${levels[0]}") in the rows used`;
  return new Lmer2JagsError(`the factor '${v.label}' ${what}; a factor in a model matrix needs at least 2 levels`, {
    location: textLocation(formulaText, v.span),
    hint: `remove '${v.label}' from the formula, or check the data: rows with missing values in any variable of the formula were dropped first`,
  });
}

// ---------------------------------------------------------------------------------------
// The rank check (lme4's chkRank.drop.cols)
// ---------------------------------------------------------------------------------------

/**
 * True when no column of X comes near R's rank tolerance: in the Cholesky factor of XᵀX (one
 * pass over the data per pair of columns, much cheaper than the Householder QR for long X),
 * every column keeps more than 1e-3 of its norm after the earlier columns are projected out.
 * The QR would then keep every column (its tolerance is 1e-7); rounding in XᵀX is far too small
 * to move a ratio of 1e-3 down to 1e-7. Anything closer, or a zero column, gets the QR.
 */
function clearlyFullRank(x: Float64Array, n: number, p: number): boolean {
  if (p > 32 || n < p) return false;
  const G = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b <= a; b++) {
      const g = columnDot(x, a * n, b * n, n);
      G[a * p + b] = g;
      G[b * p + a] = g;
    }
  }
  for (let l = 0; l < p; l++) {
    const g = G[l * p + l];
    if (!(g > 0) || !Number.isFinite(g)) return false;
    let d = g;
    for (let k = 0; k < l; k++) d -= G[k * p + l] * G[k * p + l];
    if (!(d > 1e-6 * g)) return false;
    const r = Math.sqrt(d);
    // Row l of the factor, stored in the upper triangle of G (G[l][j], j > l).
    for (let j = l + 1; j < p; j++) {
      let s = G[l * p + j];
      for (let k = 0; k < l; k++) s -= G[k * p + l] * G[k * p + j];
      G[l * p + j] = s / r;
    }
  }
  return true;
}

function columnDot(x: Float64Array, a: number, b: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[a + i] * x[b + i];
  return s;
}

/**
 * lme4's default check.rankX = "message+drop.cols": if X is rank deficient by R's
 * `qr(X, tol = 1e-7)`, drop the columns pivoted past the rank and say so.
 */
export function dropRankDeficient(
  m: DesignMatrix,
  tol = 1e-7,
): { matrix: DesignMatrix; dropped: readonly string[]; message: string | null } {
  const p = m.columns.length;
  const n = m.nrow;
  if (p === 0) return { matrix: m, dropped: [], message: null };
  if (clearlyFullRank(m.values, n, p)) return { matrix: m, dropped: [], message: null };
  const qr = qrLinpack(m.values, n, p, tol);
  if (qr.rank === p) return { matrix: m, dropped: [], message: null };
  const keepSet = new Set(Array.from(qr.pivot.subarray(0, qr.rank)));
  const keep: number[] = [];
  const dropped: string[] = [];
  for (let j = 0; j < p; j++) {
    if (keepSet.has(j)) keep.push(j);
    else dropped.push(m.columns[j].name);
  }
  const values = new Float64Array(n * keep.length);
  keep.forEach((j, c) => values.set(m.values.subarray(j * n, (j + 1) * n), c * n));
  const d = p - qr.rank;
  const message =
    d === 1
      ? 'fixed-effect model matrix is rank deficient so dropping 1 column / coefficient'
      : `fixed-effect model matrix is rank deficient so dropping ${d} columns / coefficients`;
  return {
    matrix: {
      columns: keep.map((j) => m.columns[j]),
      nrow: n,
      values,
      assign: Int32Array.from(keep.map((j) => m.assign[j])),
    },
    dropped,
    message,
  };
}

// ---------------------------------------------------------------------------------------
// Grouping factors
// ---------------------------------------------------------------------------------------

interface SimpleFactor {
  readonly levels: readonly string[];
  readonly codes: Int32Array;
}

/** lme4's makeFac: factor(x) unless x is a factor already (integers labelled as R's integers). */
function asGroupingFactor(v: Variable, value: Value, label: string, formulaText: string | undefined): SimpleFactor {
  switch (value.kind) {
    case 'factor':
      return value;
    case 'numeric':
      return numericLevels(value.values, value.integer);
    case 'logical': {
      const present = [false, false];
      for (const x of value.values) if (x >= 0) present[x] = true;
      const levels = (['FALSE', 'TRUE'] as const).filter((_, i) => present[i]);
      const codes = new Int32Array(value.values.length);
      for (let i = 0; i < codes.length; i++) {
        const x = value.values[i];
        codes[i] = x < 0 ? -1 : present[0] ? x : 0;
      }
      return { levels, codes };
    }
    case 'matrix':
      throw new Lmer2JagsError(`the grouping factor '${label}' cannot use '${v.label}', which is a matrix`, {
        location: textLocation(formulaText, v.span),
        hint: 'group by a variable of the data (a factor, or numbers or strings naming the groups)',
      });
  }
}

/**
 * lme4's `a %i% b`: the observed combinations only, named "la:lb", ordered by a's level
 * and then b's (the first factor varies slowest).
 */
function interact(a: SimpleFactor, b: SimpleFactor): SimpleFactor {
  const nb = b.levels.length;
  const n = a.codes.length;
  const keys = new Float64Array(n);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const ca = a.codes[i];
    const cb = b.codes[i];
    keys[i] = ca < 0 || cb < 0 ? -1 : ca * nb + cb;
    if (keys[i] >= 0) seen.add(keys[i]);
  }
  const sorted = [...seen].sort((x, y) => x - y);
  const index = new Map(sorted.map((k, i) => [k, i]));
  const levels = sorted.map((k) => `${a.levels[Math.floor(k / nb)]}:${b.levels[k % nb]}`);
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = keys[i] < 0 ? -1 : (index.get(keys[i]) as number);
  return { levels, codes };
}

/**
 * lme4's grouping factor for `( … | g)`: `factor(g)` (numbers sorted numerically), or for
 * `a:b` (vars [a, b]) the observed combinations "la:lb" with the first factor varying
 * slowest. Unused levels are dropped.
 */
export function groupingFactor(
  vars: readonly Variable[],
  label: string,
  frame: ModelFrame,
  formulaText?: string,
): { levels: readonly string[]; index: Int32Array } {
  assert(vars.length > 0, `groupingFactor: '${label}' has no variables`);
  const factors = vars.map((v) => {
    const value = frame.values.get(v.label);
    assert(value !== undefined, `groupingFactor: variable '${v.label}' is not in the model frame`);
    return dropUnusedLevels(asGroupingFactor(v, value, label, formulaText));
  });
  let f = factors[0];
  for (let k = 1; k < factors.length; k++) f = interact(f, factors[k]);
  f = dropUnusedLevels(f);
  for (const c of f.codes) assert(c >= 0, `groupingFactor: '${label}' has a missing value after na.omit`);
  return { levels: f.levels, index: f.codes };
}
