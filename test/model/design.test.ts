import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropRankDeficient, groupingFactor, modelMatrix, qrLinpack, type DesignMatrix } from '../../src/model/design.js';
import { buildModelFrame, type ModelFrame } from '../../src/data/frame.js';
import { makeTable, type Column, type DataTable } from '../../src/data/table.js';
import type { Expr } from '../../src/formula/ast.js';
import type { TermList, Variable } from '../../src/formula/terms.js';
import { Lmer2JagsError, type Span } from '../../src/errors.js';

// ---- helpers ------------------------------------------------------------------------------

const S: Span = { start: 0, end: 0 };
const nm = (name: string): Expr => ({ kind: 'name', name, backquoted: false, span: S });
const nb = (value: number): Expr => ({ kind: 'number', value, integer: false, text: String(value), span: S });
const call = (fn: string, args: readonly (Expr | readonly [string, Expr])[]): Expr => ({
  kind: 'call',
  fn,
  fnSpan: S,
  span: S,
  args: args.map((a) =>
    Array.isArray(a)
      ? { name: (a as readonly [string, Expr])[0], value: (a as readonly [string, Expr])[1], span: S }
      : { name: null, value: a as Expr, span: S },
  ),
});

/** The expressions behind the variable labels used below. */
const EXPRS: Readonly<Record<string, Expr>> = {
  'poly(x, 2)': call('poly', [nm('x'), nb(2)]),
  'poly(x, 1)': call('poly', [nm('x'), nb(1)]),
  'poly(x, 2, raw = TRUE)': call('poly', [nm('x'), nb(2), ['raw', nm('TRUE')]]),
  'scale(x)': call('scale', [nm('x')]),
  'I(x > 2)': call('I', [{ kind: 'binary', op: '>', opSpan: S, left: nm('x'), right: nb(2), span: S }]),
};
const variable = (label: string): Variable => ({ label, expr: EXPRS[label] ?? nm(label), span: S });

/** A TermList as R's terms() gives it: variables in R's order, terms as lists of labels. */
function termList(vars: readonly string[], terms: readonly (readonly string[])[], intercept: boolean): TermList {
  return {
    variables: vars.map(variable),
    terms: terms.map((t, k) => {
      const idx = t.map((l) => vars.indexOf(l)).sort((a, b) => a - b);
      assert.ok(idx.every((i) => i >= 0), `term ${t.join(':')} uses an unknown variable`);
      return { label: idx.map((i) => vars[i]).join(':'), vars: idx, span: { start: k, end: k + 1 } };
    }),
    intercept,
    interceptSpan: null,
    offsets: [],
  };
}

const numeric = (name: string, values: readonly number[]): Column => ({
  kind: 'numeric',
  name,
  values: Float64Array.from(values),
  integer: false,
});
const factor = (name: string, values: readonly string[]): Column => {
  const levels = [...new Set(values)].sort();
  return { kind: 'factor', name, levels, codes: Int32Array.from(values, (v) => levels.indexOf(v)) };
};
const logical = (name: string, values: readonly boolean[]): Column => ({
  kind: 'logical',
  name,
  values: Int8Array.from(values, (v) => (v ? 1 : 0)),
});

// The R data set (R 4.2.2, stringsAsFactors = TRUE):
//   d <- data.frame(y = c(1.2, 2.3, 3.1, 4.8, 5.0, 6.7, 7.1, 8.9),
//     x = c(0.5, 1.5, 2.0, 3.5, 4.0, 5.5, 6.0, 7.5), z = c(2, 1, 4, 3, 6, 5, 8, 7),
//     f = c("A","B","C","A","B","C","A","B"), g = c("a","a","b","b","a","b","a","b"),
//     h = c("p","q","r","p","q","r","p","q"), lg = c(TRUE,FALSE,TRUE,TRUE,FALSE,FALSE,TRUE,FALSE),
//     lt = rep(TRUE, 8))
//   d$x2 <- 2 * d$x; d$w <- d$x + d$z
//   d$xe <- d$x + 1e-9 * c(1,-1,1,-1,1,-1,1,-1); d$xe2 <- d$x + 1e-5 * c(1,-1,1,-1,1,-1,1,-1)
const X = [0.5, 1.5, 2.0, 3.5, 4.0, 5.5, 6.0, 7.5];
const Z = [2, 1, 4, 3, 6, 5, 8, 7];
const ALT = [1, -1, 1, -1, 1, -1, 1, -1];
const d: DataTable = makeTable('d', [
  numeric('y', [1.2, 2.3, 3.1, 4.8, 5.0, 6.7, 7.1, 8.9]),
  numeric('x', X),
  numeric('z', Z),
  factor('f', ['A', 'B', 'C', 'A', 'B', 'C', 'A', 'B']),
  factor('g', ['a', 'a', 'b', 'b', 'a', 'b', 'a', 'b']),
  factor('h', ['p', 'q', 'r', 'p', 'q', 'r', 'p', 'q']),
  logical('lg', [true, false, true, true, false, false, true, false]),
  logical('lt', [true, true, true, true, true, true, true, true]),
  numeric('x2', X.map((v) => 2 * v)),
  numeric('w', X.map((v, i) => v + Z[i])),
  numeric('xe', X.map((v, i) => v + 1e-9 * ALT[i])),
  numeric('xe2', X.map((v, i) => v + 1e-5 * ALT[i])),
]);

function design(vars: readonly string[], terms: readonly (readonly string[])[], intercept: boolean): DesignMatrix {
  const tl = termList(vars, terms, intercept);
  const frame = buildModelFrame([variable('y'), ...tl.variables], d, 'formula');
  return modelMatrix(tl, frame, 'formula');
}
const names = (m: DesignMatrix): string[] => m.columns.map((c) => c.name);
/** Row-major rows of a column-major matrix, for comparing with R's printout. */
function rows(m: DesignMatrix): number[][] {
  const p = m.columns.length;
  return Array.from({ length: m.nrow }, (_, i) => Array.from({ length: p }, (_, j) => m.values[j * m.nrow + i]));
}
function closeRows(actual: number[][], expected: number[][], tol = 1e-12): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((r, i) =>
    r.forEach((a, j) => assert.ok(Math.abs(a - expected[i][j]) <= tol, `[${i},${j}] ${a} vs ${expected[i][j]}`)),
  );
}

// ---- model.matrix --------------------------------------------------------------------------

interface Case {
  readonly formula: string;
  readonly vars: readonly string[];
  readonly terms: readonly (readonly string[])[];
  readonly intercept: boolean;
  readonly cols: string;
  readonly assign: readonly number[];
}
const I = true;
const NO = false;
// Each line: R's terms (variables, term.labels) and R's colnames(model.matrix(...)) and
// attr(, "assign"), from R 4.2.2 on the data set above.
const CASES: readonly Case[] = [
  { formula: 'y ~ f:x', vars: ['f', 'x'], terms: [['f', 'x']], intercept: I, cols: '(Intercept) | fA:x | fB:x | fC:x', assign: [0, 1, 1, 1] },
  { formula: 'y ~ x + f:x', vars: ['x', 'f'], terms: [['x'], ['x', 'f']], intercept: I, cols: '(Intercept) | x | x:fB | x:fC', assign: [0, 1, 2, 2] },
  { formula: 'y ~ 0 + f + g', vars: ['f', 'g'], terms: [['f'], ['g']], intercept: NO, cols: 'fA | fB | fC | gb', assign: [1, 1, 1, 2] },
  { formula: 'y ~ f*g - f', vars: ['f', 'g'], terms: [['g'], ['f', 'g']], intercept: I, cols: '(Intercept) | gb | fB:ga | fC:ga | fB:gb | fC:gb', assign: [0, 1, 2, 2, 2, 2] },
  { formula: 'y ~ f:g', vars: ['f', 'g'], terms: [['f', 'g']], intercept: I, cols: '(Intercept) | fA:ga | fB:ga | fC:ga | fA:gb | fB:gb | fC:gb', assign: [0, 1, 1, 1, 1, 1, 1] },
  { formula: 'y ~ f*x', vars: ['f', 'x'], terms: [['f'], ['x'], ['f', 'x']], intercept: I, cols: '(Intercept) | fB | fC | x | fB:x | fC:x', assign: [0, 1, 1, 2, 3, 3] },
  { formula: 'y ~ 0 + x + f', vars: ['x', 'f'], terms: [['x'], ['f']], intercept: NO, cols: 'x | fA | fB | fC', assign: [1, 2, 2, 2] },
  { formula: 'y ~ 0 + x:f', vars: ['x', 'f'], terms: [['x', 'f']], intercept: NO, cols: 'x:fA | x:fB | x:fC', assign: [1, 1, 1] },
  { formula: 'y ~ lg', vars: ['lg'], terms: [['lg']], intercept: I, cols: '(Intercept) | lgTRUE', assign: [0, 1] },
  { formula: 'y ~ 0 + lg', vars: ['lg'], terms: [['lg']], intercept: NO, cols: 'lgFALSE | lgTRUE', assign: [1, 1] },
  { formula: 'y ~ poly(x, 2)', vars: ['poly(x, 2)'], terms: [['poly(x, 2)']], intercept: I, cols: '(Intercept) | poly(x, 2)1 | poly(x, 2)2', assign: [0, 1, 1] },
  { formula: 'y ~ scale(x)', vars: ['scale(x)'], terms: [['scale(x)']], intercept: I, cols: '(Intercept) | scale(x)', assign: [0, 1] },
  { formula: 'y ~ x:f:g', vars: ['x', 'f', 'g'], terms: [['x', 'f', 'g']], intercept: I, cols: '(Intercept) | x:fA:ga | x:fB:ga | x:fC:ga | x:fA:gb | x:fB:gb | x:fC:gb', assign: [0, 1, 1, 1, 1, 1, 1] },
  { formula: 'y ~ g + f:g', vars: ['g', 'f'], terms: [['g'], ['g', 'f']], intercept: I, cols: '(Intercept) | gb | ga:fB | gb:fB | ga:fC | gb:fC', assign: [0, 1, 2, 2, 2, 2] },
  { formula: 'y ~ 0 + f:g', vars: ['f', 'g'], terms: [['f', 'g']], intercept: NO, cols: 'fA:ga | fB:ga | fC:ga | fA:gb | fB:gb | fC:gb', assign: [1, 1, 1, 1, 1, 1] },
  { formula: 'y ~ poly(x, 2):f', vars: ['poly(x, 2)', 'f'], terms: [['poly(x, 2)', 'f']], intercept: I, cols: '(Intercept) | poly(x, 2)1:fA | poly(x, 2)2:fA | poly(x, 2)1:fB | poly(x, 2)2:fB | poly(x, 2)1:fC | poly(x, 2)2:fC', assign: [0, 1, 1, 1, 1, 1, 1] },
  { formula: 'y ~ x:z', vars: ['x', 'z'], terms: [['x', 'z']], intercept: I, cols: '(Intercept) | x:z', assign: [0, 1] },
  { formula: 'y ~ 0 + g:x + f', vars: ['g', 'x', 'f'], terms: [['f'], ['g', 'x']], intercept: NO, cols: 'fA | fB | fC | ga:x | gb:x', assign: [1, 1, 1, 2, 2] },
  { formula: 'y ~ lg:x', vars: ['lg', 'x'], terms: [['lg', 'x']], intercept: I, cols: '(Intercept) | lgFALSE:x | lgTRUE:x', assign: [0, 1, 1] },
  { formula: 'y ~ x + I(x > 2)', vars: ['x', 'I(x > 2)'], terms: [['x'], ['I(x > 2)']], intercept: I, cols: '(Intercept) | x | I(x > 2)TRUE', assign: [0, 1, 2] },
  { formula: 'y ~ poly(x, 1)', vars: ['poly(x, 1)'], terms: [['poly(x, 1)']], intercept: I, cols: '(Intercept) | poly(x, 1)', assign: [0, 1] },
  { formula: 'y ~ poly(x, 2, raw = TRUE)', vars: ['poly(x, 2, raw = TRUE)'], terms: [['poly(x, 2, raw = TRUE)']], intercept: I, cols: '(Intercept) | poly(x, 2, raw = TRUE)1 | poly(x, 2, raw = TRUE)2', assign: [0, 1, 1] },
  { formula: 'y ~ f:g:x + x', vars: ['f', 'g', 'x'], terms: [['x'], ['f', 'g', 'x']], intercept: I, cols: '(Intercept) | x | fA:ga:x | fB:ga:x | fC:ga:x | fA:gb:x | fB:gb:x | fC:gb:x', assign: [0, 1, 2, 2, 2, 2, 2, 2] },
  { formula: 'y ~ 0 + x + x:f', vars: ['x', 'f'], terms: [['x'], ['x', 'f']], intercept: NO, cols: 'x | x:fA | x:fB | x:fC', assign: [1, 2, 2, 2] },
  { formula: 'y ~ x + x:f + f', vars: ['x', 'f'], terms: [['x'], ['f'], ['x', 'f']], intercept: I, cols: '(Intercept) | x | fB | fC | x:fB | x:fC', assign: [0, 1, 2, 2, 3, 3] },
  { formula: 'y ~ 0 + x:f + g', vars: ['x', 'f', 'g'], terms: [['g'], ['x', 'f']], intercept: NO, cols: 'ga | gb | x:fA | x:fB | x:fC', assign: [1, 1, 2, 2, 2] },
  { formula: 'y ~ f + f:g', vars: ['f', 'g'], terms: [['f'], ['f', 'g']], intercept: I, cols: '(Intercept) | fB | fC | fA:gb | fB:gb | fC:gb', assign: [0, 1, 1, 2, 2, 2] },
];

test('model.matrix column names and assign match R on 27 formulas', () => {
  for (const c of CASES) {
    const m = design(c.vars, c.terms, c.intercept);
    assert.equal(names(m).join(' | '), c.cols, c.formula);
    assert.deepEqual(Array.from(m.assign), c.assign, c.formula);
    assert.equal(m.nrow, 8);
    assert.equal(m.values.length, 8 * c.assign.length);
  }
});

test('model.matrix values match R (contrasts, full coding, numeric × factor, logical, poly × factor)', () => {
  // R: unname(model.matrix(y ~ f*g - f, d))
  closeRows(rows(design(['f', 'g'], [['g'], ['f', 'g']], I)), [
    [1, 0, 0, 0, 0, 0],
    [1, 0, 1, 0, 0, 0],
    [1, 1, 0, 0, 0, 1],
    [1, 1, 0, 0, 0, 0],
    [1, 0, 1, 0, 0, 0],
    [1, 1, 0, 0, 0, 1],
    [1, 0, 0, 0, 0, 0],
    [1, 1, 0, 0, 1, 0],
  ]);
  // R: unname(model.matrix(y ~ 0 + g:x + f, d))
  closeRows(rows(design(['g', 'x', 'f'], [['f'], ['g', 'x']], NO)), [
    [1, 0, 0, 0.5, 0],
    [0, 1, 0, 1.5, 0],
    [0, 0, 1, 0, 2],
    [1, 0, 0, 0, 3.5],
    [0, 1, 0, 4, 0],
    [0, 0, 1, 0, 5.5],
    [1, 0, 0, 6, 0],
    [0, 1, 0, 0, 7.5],
  ]);
  // R: unname(model.matrix(y ~ lg:x, d))
  closeRows(rows(design(['lg', 'x'], [['lg', 'x']], I)), [
    [1, 0, 0.5],
    [1, 1.5, 0],
    [1, 0, 2],
    [1, 0, 3.5],
    [1, 4, 0],
    [1, 5.5, 0],
    [1, 0, 6],
    [1, 7.5, 0],
  ]);
  // R: unname(model.matrix(y ~ poly(x, 2):f, d))
  const P1 = -0.517522850547735946;
  closeRows(rows(design(['poly(x, 2)', 'f'], [['poly(x, 2)', 'f']], I)), [
    [1, P1, 0.526088618822233456, 0, 0, 0, 0],
    [1, 0, 0, -0.36128953717483442, 0.065133928113719944, 0, 0],
    [1, 0, 0, 0, 0, -0.28317288048838374, -0.10661537064006428],
    [1, -0.048822910429031655, -0.386951080499527755, 0, 0, 0, 0],
    [1, 0, 0, 0.02929374625741904, -0.402092254985385644, 0, 0],
    [1, 0, 0, 0, 0, 0.26364371631677108, -0.21260359204106952],
    [1, 0.341760373003221707, -0.071136642259000932, 0, 0, 0, 0],
    [1, 0, 0, 0.57611034306257392, 0.588176393489094562, 0, 0],
  ]);
});

test('each column carries the span of the term that made it', () => {
  const m = design(['f', 'x'], [['f'], ['x'], ['f', 'x']], I);
  assert.deepEqual(
    m.columns.map((c) => c.span.start),
    [0, 0, 0, 1, 2, 2], // intercept: zero-width at the first term; then terms 0, 1, 2
  );
});

test('a factor with one level in the rows used is refused as R does (contrasts need 2 levels)', () => {
  // R: model.matrix(y ~ x + g, d1) with g all "a" fails with
  // "contrasts can be applied only to factors with 2 or more levels".
  const t = makeTable('d1', [numeric('y', [1, 2, 3, 4]), numeric('x', [1, 2, 3, 4]), factor('g', ['a', 'a', 'a', 'a'])]);
  const text = 'y ~ x + g';
  const tl: TermList = {
    variables: [
      { label: 'x', expr: nm('x'), span: { start: 4, end: 5 } },
      { label: 'g', expr: nm('g'), span: { start: 8, end: 9 } },
    ],
    terms: [
      { label: 'x', vars: [0], span: { start: 4, end: 5 } },
      { label: 'g', vars: [1], span: { start: 8, end: 9 } },
    ],
    intercept: true,
    interceptSpan: null,
    offsets: [],
  };
  const frame = buildModelFrame([variable('y'), ...tl.variables], t, text);
  assert.throws(
    () => modelMatrix(tl, frame, text),
    (e: unknown) =>
      e instanceof Lmer2JagsError &&
      /only one level \("a"\)/.test(e.message) &&
      e.location?.kind === 'text' &&
      e.location.span.start === 8,
  );
});

// ---- the rank check ------------------------------------------------------------------------

interface RankCase {
  readonly formula: string;
  readonly vars: readonly string[];
  readonly terms: readonly (readonly string[])[];
  readonly intercept: boolean;
  /** R: qr(X, tol = 1e-7)$pivot */
  readonly pivot: readonly number[];
  readonly rank: number;
  /** lme4:::chkRank.drop.cols(X, "message+drop.cols"): colnames and assign of the result. */
  readonly kept: string;
  readonly assign: readonly number[];
}
const RANK_CASES: readonly RankCase[] = [
  { formula: 'y ~ x + x2', vars: ['x', 'x2'], terms: [['x'], ['x2']], intercept: I, pivot: [1, 2, 3], rank: 2, kept: '(Intercept) | x', assign: [0, 1] },
  { formula: 'y ~ x2 + x + z', vars: ['x2', 'x', 'z'], terms: [['x2'], ['x'], ['z']], intercept: I, pivot: [1, 2, 4, 3], rank: 3, kept: '(Intercept) | x2 | z', assign: [0, 1, 3] },
  { formula: 'y ~ x + z + w', vars: ['x', 'z', 'w'], terms: [['x'], ['z'], ['w']], intercept: I, pivot: [1, 2, 3, 4], rank: 3, kept: '(Intercept) | x | z', assign: [0, 1, 2] },
  { formula: 'y ~ x + z + w + x2', vars: ['x', 'z', 'w', 'x2'], terms: [['x'], ['z'], ['w'], ['x2']], intercept: I, pivot: [1, 2, 3, 4, 5], rank: 3, kept: '(Intercept) | x | z', assign: [0, 1, 2] },
  { formula: 'y ~ f + h', vars: ['f', 'h'], terms: [['f'], ['h']], intercept: I, pivot: [1, 2, 3, 4, 5], rank: 3, kept: '(Intercept) | fB | fC', assign: [0, 1, 1] },
  { formula: 'y ~ h + f + x', vars: ['h', 'f', 'x'], terms: [['h'], ['f'], ['x']], intercept: I, pivot: [1, 2, 3, 6, 4, 5], rank: 4, kept: '(Intercept) | hq | hr | x', assign: [0, 1, 1, 3] },
  { formula: 'y ~ f*g', vars: ['f', 'g'], terms: [['f'], ['g'], ['f', 'g']], intercept: I, pivot: [1, 2, 3, 4, 5, 6], rank: 5, kept: '(Intercept) | fB | fC | gb | fB:gb', assign: [0, 1, 1, 2, 3] },
  { formula: 'y ~ lt', vars: ['lt'], terms: [['lt']], intercept: I, pivot: [1, 2], rank: 1, kept: '(Intercept)', assign: [0] },
  { formula: 'y ~ lt + x', vars: ['lt', 'x'], terms: [['lt'], ['x']], intercept: I, pivot: [1, 3, 2], rank: 2, kept: '(Intercept) | x', assign: [0, 2] },
  { formula: 'y ~ 0 + f + h', vars: ['f', 'h'], terms: [['f'], ['h']], intercept: NO, pivot: [1, 2, 3, 4, 5], rank: 3, kept: 'fA | fB | fC', assign: [1, 1, 1] },
  { formula: 'y ~ x + xe', vars: ['x', 'xe'], terms: [['x'], ['xe']], intercept: I, pivot: [1, 2, 3], rank: 2, kept: '(Intercept) | x', assign: [0, 1] },
  { formula: 'y ~ x + xe2', vars: ['x', 'xe2'], terms: [['x'], ['xe2']], intercept: I, pivot: [1, 2, 3], rank: 3, kept: '(Intercept) | x | xe2', assign: [0, 1, 2] },
];

test("R's qr(X, tol = 1e-7) pivots and ranks, and lme4's column drops, on collinear designs", () => {
  for (const c of RANK_CASES) {
    const m = design(c.vars, c.terms, c.intercept);
    const p = m.columns.length;
    const qr = qrLinpack(m.values, m.nrow, p);
    assert.equal(qr.rank, c.rank, `${c.formula}: rank`);
    assert.deepEqual(Array.from(qr.pivot, (j) => j + 1), c.pivot, `${c.formula}: pivot`);
    const r = dropRankDeficient(m);
    assert.equal(names(r.matrix).join(' | '), c.kept, c.formula);
    assert.deepEqual(Array.from(r.matrix.assign), c.assign, c.formula);
    const all = names(m);
    assert.deepEqual(r.dropped, all.filter((n) => !c.kept.split(' | ').includes(n)), c.formula);
    const nd = p - c.rank;
    assert.equal(
      r.message,
      nd === 0
        ? null
        : nd === 1
          ? 'fixed-effect model matrix is rank deficient so dropping 1 column / coefficient'
          : `fixed-effect model matrix is rank deficient so dropping ${nd} columns / coefficients`,
      c.formula,
    );
    // The kept columns are the original columns, unchanged.
    r.matrix.columns.forEach((col, k) => {
      const j = all.indexOf(col.name);
      assert.deepEqual(
        Array.from(r.matrix.values.subarray(k * m.nrow, (k + 1) * m.nrow)),
        Array.from(m.values.subarray(j * m.nrow, (j + 1) * m.nrow)),
      );
    });
  }
});

test('a full-rank matrix comes back as it is', () => {
  const m = design(['x', 'z'], [['x'], ['z']], I);
  const r = dropRankDeficient(m);
  assert.equal(r.matrix, m);
  assert.deepEqual(r.dropped, []);
  assert.equal(r.message, null);
});

// ---- grouping factors ----------------------------------------------------------------------

// R: d <- data.frame(a = factor(c("x","y","x","z","y","x","z","z")),
//   b = factor(c("B","A","A","B","B","B","A","A")), num = c(10, 2, 1.5, 2, 10, 1.5, 10, 3),
//   cc = factor(c("p","p","q","q","p","q","p","q"))); levels via lme4:::`%i%` (lme4 1.1-31).
const gd = makeTable('gd', [
  factor('a', ['x', 'y', 'x', 'z', 'y', 'x', 'z', 'z']),
  factor('b', ['B', 'A', 'A', 'B', 'B', 'B', 'A', 'A']),
  numeric('num', [10, 2, 1.5, 2, 10, 1.5, 10, 3]),
  factor('cc', ['p', 'p', 'q', 'q', 'p', 'q', 'p', 'q']),
  logical('lg', [true, false, true, true, false, false, true, false]),
]);
const gframe: ModelFrame = buildModelFrame(['a', 'b', 'num', 'cc', 'lg'].map(variable), gd, 'formula');
const group = (...vars: string[]) => groupingFactor(vars.map(variable), vars.join(':'), gframe);

test('grouping factor of a numeric variable: levels sorted numerically', () => {
  const g = group('num');
  assert.deepEqual(g.levels, ['1.5', '2', '3', '10']);
  assert.deepEqual(Array.from(g.index), [3, 1, 0, 1, 3, 0, 3, 2]);
  const l = group('lg');
  assert.deepEqual(l.levels, ['FALSE', 'TRUE']);
  assert.deepEqual(Array.from(l.index), [1, 0, 1, 1, 0, 0, 1, 0]);
});

test('interaction grouping factors: observed combinations, first factor varying slowest (lme4 %i%)', () => {
  const ab = group('a', 'b');
  assert.deepEqual(ab.levels, ['x:A', 'x:B', 'y:A', 'y:B', 'z:A', 'z:B']);
  assert.deepEqual(Array.from(ab.index, (k) => k + 1), [2, 3, 1, 6, 4, 2, 5, 5]);
  const ba = group('b', 'a');
  assert.deepEqual(ba.levels, ['A:x', 'A:y', 'A:z', 'B:x', 'B:y', 'B:z']);
  assert.deepEqual(Array.from(ba.index, (k) => k + 1), [4, 2, 1, 6, 5, 4, 3, 3]);
  const abc = group('a', 'b', 'cc');
  assert.deepEqual(abc.levels, ['x:A:q', 'x:B:p', 'x:B:q', 'y:A:p', 'y:B:p', 'z:A:p', 'z:A:q', 'z:B:q']);
  assert.deepEqual(Array.from(abc.index, (k) => k + 1), [2, 4, 1, 8, 5, 3, 6, 7]);
  // A numeric factor in an interaction sorts numerically (lFormula's flist `num:a`).
  const na = group('num', 'a');
  assert.deepEqual(na.levels, ['1.5:x', '2:y', '2:z', '3:z', '10:x', '10:y', '10:z']);
  assert.deepEqual(Array.from(na.index, (k) => k + 1), [5, 2, 1, 3, 6, 1, 7, 4]);
});

test('grouping factor drops levels no row uses', () => {
  const frame: ModelFrame = {
    nrow: 3,
    rowIndex: Int32Array.of(0, 1, 2),
    dropped: 0,
    values: new Map([['g', { kind: 'factor', levels: ['p', 'q', 'r'], codes: Int32Array.of(2, 0, 2) }]]),
  };
  const g = groupingFactor([variable('g')], 'g', frame);
  assert.deepEqual(g.levels, ['p', 'r']);
  assert.deepEqual(Array.from(g.index), [1, 0, 1]);
});
