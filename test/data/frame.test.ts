import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildModelFrame, evaluateVariable } from '../../src/data/frame.js';
import { readDataFile } from '../../src/data/read.js';
import { makeTable, type Column, type DataTable } from '../../src/data/table.js';
import type { Value } from '../../src/data/values.js';
import type { Expr } from '../../src/formula/ast.js';
import { parseFormula } from '../../src/formula/parse.js';
import type { Variable } from '../../src/formula/terms.js';
import { Lmer2JagsError, type Span } from '../../src/errors.js';
import { fixturePath } from '../helpers/fixtures.js';

// ---- hand-built AST helpers -------------------------------------------------------------

const S: Span = { start: 0, end: 0 };
const nm = (name: string, span: Span = S): Expr => ({ kind: 'name', name, backquoted: false, span });
const nb = (value: number): Expr => ({ kind: 'number', value, integer: false, text: String(value), span: S });
const str = (value: string): Expr => ({ kind: 'string', value, span: S });
const bin = (op: string, left: Expr, right: Expr, opSpan: Span = S): Expr =>
  ({ kind: 'binary', op, opSpan, left, right, span: S }) as Expr;
const un = (op: '-' | '+' | '!', operand: Expr): Expr => ({ kind: 'unary', op, operand, span: S });
type Arg = Expr | readonly [string, Expr];
const call = (fn: string, args: readonly Arg[], span: Span = S, fnSpan: Span = S): Expr => ({
  kind: 'call',
  fn,
  fnSpan,
  span,
  args: args.map((a) =>
    Array.isArray(a)
      ? { name: (a as readonly [string, Expr])[0], value: (a as readonly [string, Expr])[1], span: S }
      : { name: null, value: a as Expr, span: S },
  ),
});
const variable = (label: string, expr: Expr, span: Span = S): Variable => ({ label, expr, span });
/** The span of the first occurrence of `part` in `text`. */
const spanOf = (text: string, part: string, from = 0): Span => {
  const start = text.indexOf(part, from);
  assert.ok(start >= 0, `'${part}' not in '${text}'`);
  return { start, end: start + part.length };
};

const numeric = (name: string, values: readonly (number | null)[]): Column => ({
  kind: 'numeric',
  name,
  values: Float64Array.from(values, (v) => (v === null ? Number.NaN : v)),
  integer: false,
});
const logical = (name: string, values: readonly (boolean | null)[]): Column => ({
  kind: 'logical',
  name,
  values: Int8Array.from(values, (v) => (v === null ? -1 : v ? 1 : 0)),
});
const factor = (name: string, levels: readonly string[], values: readonly (string | null)[]): Column => ({
  kind: 'factor',
  name,
  levels,
  codes: Int32Array.from(values, (v) => (v === null ? -1 : levels.indexOf(v))),
});

function nums(v: Value): number[] {
  assert.ok(v.kind === 'numeric' || v.kind === 'matrix', `expected numbers, got ${v.kind}`);
  return Array.from(v.values);
}
function close(actual: readonly number[], expected: readonly number[], tol = 1e-12): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `[${i}] ${a} should be NA`);
    else if (!Number.isFinite(e)) assert.equal(a, e, `[${i}]`);
    else assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `[${i}] ${a} vs ${e}`);
  });
}
function userError(fn: () => unknown, check: (e: Lmer2JagsError) => void): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Lmer2JagsError, `expected Lmer2JagsError, got ${String(e)}`);
    check(e);
    return true;
  });
}

// The data set of the R runs below (R 4.2.2):
//   dd <- data.frame(y = c(10.5, NA, 12.25, 9.75, 11, 13.5, 8.25, 10),
//     x = c(1, 2, 4, NA, 8, 16, 0, -1), n = c(10, 2, 1.5, 2, 10, 1.5, 10, 0.1 + 0.2),
//     f = factor(c("B","a","C","b","A","B","c","A"), levels = c("a","A","b","B","c","C")),
//     lg = c(TRUE, FALSE, NA, TRUE, TRUE, FALSE, TRUE, FALSE))
const NA = null;
const dd: DataTable = makeTable('dd', [
  numeric('y', [10.5, NA, 12.25, 9.75, 11, 13.5, 8.25, 10]),
  numeric('x', [1, 2, 4, NA, 8, 16, 0, -1]),
  numeric('n', [10, 2, 1.5, 2, 10, 1.5, 10, 0.1 + 0.2]),
  factor('f', ['a', 'A', 'b', 'B', 'c', 'C'], ['B', 'a', 'C', 'b', 'A', 'B', 'c', 'A']),
  logical('lg', [true, false, NA, true, true, false, true, false]),
]);
const x = nm('x');
const ev = (expr: Expr, table: DataTable = dd, text = 'y ~ v'): Value =>
  evaluateVariable(variable('v', expr), table, text);

// ---- evaluation --------------------------------------------------------------------------

test('arithmetic follows R: %% and %/% take the sign of the divisor, 1^NA is 1', () => {
  // R: x %% 3; x %/% 3; -x %% 3; x %% -3
  close(nums(ev(bin('%%', x, nb(3)))), [1, 2, 1, NaN, 2, 1, 0, 2]);
  close(nums(ev(bin('%/%', x, nb(3)))), [0, 0, 1, NaN, 2, 5, 0, -1]);
  close(nums(ev(bin('%%', un('-', x), nb(3)))), [2, 1, 2, NaN, 1, 2, 0, 1]);
  close(nums(ev(bin('%%', x, nb(-3)))), [-2, -1, -2, NaN, -1, -2, 0, -1]);
  close(nums(ev(call('I', [bin('^', x, nb(2))]))), [1, 4, 16, NaN, 64, 256, 0, 1]);
  close(nums(ev(bin('^', nb(1), bin('*', x, nm('NA'))))).slice(0, 1), [1]);
  close(nums(ev(bin('/', x, nb(0)))), [Infinity, Infinity, Infinity, NaN, Infinity, Infinity, NaN, -Infinity]);
});

test('math functions match R, with NaN for log of a negative number and -Inf for log(0)', () => {
  // R: log(x, 2); log(x, base = 10); log1p(x); sqrt(x); exp(x/4)
  close(nums(ev(call('log', [x, nb(2)]))), [0, 1, 2, NaN, 3, 4, -Infinity, NaN]);
  close(nums(ev(call('log', [x, ['base', nb(10)]]))), [
    0, 0.3010299956639812, 0.6020599913279624, NaN, 0.90308998699194354, 1.20411998265592479, -Infinity, NaN,
  ]);
  close(nums(ev(call('log1p', [x]))), [
    0.69314718055994529, 1.09861228866810956, 1.60943791243410028, NaN, 2.19722457733621956, 2.83321334405621617,
    0, -Infinity,
  ]);
  close(nums(ev(call('sqrt', [x]))), [1, 1.4142135623730951, 2, NaN, 2.8284271247461903, 4, 0, NaN]);
  close(nums(ev(call('abs', [un('-', x)]))), [1, 2, 4, NaN, 8, 16, 0, 1]);
  close(nums(ev(call('exp', [bin('/', x, nb(4))]))), [
    1.28402541668774139, 1.64872127070012819, 2.71828182845904509, NaN, 7.38905609893065041, 54.5981500331442362, 1,
    0.77880078307140488,
  ]);
  close(nums(ev(call('log', [x, ['base', call('exp', [nb(1)])]]))).slice(0, 3), [0, Math.log(2), Math.log(4)]);
  close(nums(ev(call('log2', [nb(8)]), makeTable('one', [numeric('z', [1])]))), [3]);
});

test('logicals: TRUE counts as 1, & | ! use three-valued logic, factors compare by label', () => {
  const lg = nm('lg');
  // R: dd$lg + 1; !dd$lg; x > 2 & lg; x > 2 | lg; f == "B"; as.numeric(f)
  close(nums(ev(bin('+', lg, nb(1)))), [2, 1, NaN, 2, 2, 1, 2, 1]);
  const lgl = (v: Value) => {
    assert.equal(v.kind, 'logical');
    return Array.from((v as { values: Int8Array }).values, (b) => (b < 0 ? null : b === 1));
  };
  assert.deepEqual(lgl(ev(un('!', lg))), [false, true, null, false, false, true, false, true]);
  assert.deepEqual(lgl(ev(bin('&', bin('>', x, nb(2)), lg))), [false, false, null, null, true, false, false, false]);
  assert.deepEqual(lgl(ev(bin('|', bin('>', x, nb(2)), lg))), [true, false, true, true, true, true, true, false]);
  assert.deepEqual(lgl(ev(bin('==', nm('f'), str('B')))), [true, false, false, false, false, true, false, false]);
  assert.deepEqual(lgl(ev(bin('!=', nm('f'), str('B')))), [false, true, true, true, true, false, true, true]);
  assert.deepEqual(lgl(ev(bin('<=', x, nb(2)))), [true, true, false, null, false, false, true, true]);
  close(nums(ev(call('as.numeric', [nm('f')]))), [4, 1, 6, 3, 2, 4, 5, 2]);
  close(nums(ev(call('as.numeric', [lg]))), [1, 0, NaN, 1, 1, 0, 1, 0]);
  // TRUE / T / pi are R constants; a column named T would mask T.
  close(nums(ev(bin('*', x, nm('TRUE')))).slice(0, 2), [1, 2]);
  close(nums(ev(bin('*', nm('pi'), x))).slice(0, 2), [Math.PI, 2 * Math.PI]);
});

test('factor() of numbers sorts levels numerically and prints them as R does', () => {
  // R: levels(factor(dd$n)) is "0.3" "1.5" "2" "10"
  const v = ev(call('factor', [nm('n')]));
  assert.equal(v.kind, 'factor');
  if (v.kind !== 'factor') return;
  assert.deepEqual(v.levels, ['0.3', '1.5', '2', '10']);
  assert.deepEqual(Array.from(v.codes), [3, 2, 1, 2, 3, 1, 3, 0]);
  const l = ev(call('as.factor', [nm('lg')]));
  assert.ok(l.kind === 'factor');
  if (l.kind === 'factor') {
    assert.deepEqual(l.levels, ['FALSE', 'TRUE']);
    assert.deepEqual(Array.from(l.codes), [1, 0, -1, 1, 1, 0, 1, 0]);
  }
  // A logical with only TRUE gives the single level "TRUE" (R: levels(factor(c(TRUE, TRUE)))).
  const t = ev(call('factor', [nm('t')]), makeTable('t', [logical('t', [true, true])]));
  assert.ok(t.kind === 'factor' && t.levels.length === 1 && t.levels[0] === 'TRUE');
  assert.deepEqual(Array.from((t as { codes: Int32Array }).codes), [0, 0]);
  // factor() of a factor drops unused levels; as.factor() keeps them.
  const tbl = makeTable('u', [factor('g', ['p', 'q', 'r'], ['r', 'p', 'r'])]);
  const levelsOf = (w: Value) => (w.kind === 'factor' ? w.levels : null);
  assert.deepEqual(levelsOf(ev(call('factor', [nm('g')]), tbl)), ['p', 'r']);
  assert.deepEqual(levelsOf(ev(call('as.factor', [nm('g')]), tbl)), ['p', 'q', 'r']);
});

interface LevelCase {
  expr: string;
  type: 'integer' | 'double' | 'logical' | 'factor';
  levels: string[];
  na: number;
  warnings: string[];
}

test('factor levels of integer and double expressions are R\'s (fixtures/levels/sim_ids.json)', async () => {
  // Made by fixtures/R/parse.R: typeof(e), levels(factor(e)) and sum(is.na(e)) in R 4.2.2 on
  // data/sim_ids.csv as read.csv reads it (id, lab integer columns; id_d, big doubles).
  const ref = JSON.parse(readFileSync(fixturePath('levels/sim_ids.json'), 'utf8')) as { data: string; cases: LevelCase[] };
  const table = await readDataFile(fixturePath(ref.data));
  assert.ok(ref.cases.length >= 30);
  for (const c of ref.cases) {
    const text = `y ~ factor(${c.expr})`;
    const call = parseFormula(text).rhs;
    assert.ok(call.kind === 'call' && call.fn === 'factor', text);
    const inner = call.args[0].value;
    // The storage type: integer vectors keep the `integer` flag, doubles do not.
    const bare = evaluateVariable(variable('v', inner), table, text);
    if (c.type === 'integer' || c.type === 'double') {
      assert.ok(bare.kind === 'numeric', `${c.expr}: numeric, got ${bare.kind}`);
      assert.equal(bare.integer, c.type === 'integer', `${c.expr}: R stores it as ${c.type}`);
    } else {
      assert.equal(bare.kind, c.type, c.expr);
    }
    const v = evaluateVariable(variable('v', call), table, text);
    assert.ok(v.kind === 'factor', c.expr);
    // R's factor() makes NaN a level of its own ("NaN"); lmer2jags reads NaN as NA, as na.omit
    // and is.na() do, so that level is the one difference.
    assert.deepEqual(v.levels, c.levels.filter((l) => l !== 'NaN'), `levels(factor(${c.expr}))`);
    assert.equal(v.codes.filter((k) => k < 0).length, c.na, `NAs of ${c.expr}`);
  }
});

test('integer arithmetic that overflows is NA, as in R, and the rows are dropped', () => {
  // fixtures/levels/sim_ids.json has R's counts (id + id: 8 NAs, "NAs produced by integer
  // overflow"); here the edge of the range, with R's bounds ±2147483647 (-2147483648 is NA).
  const t = makeTable('t', [{ kind: 'numeric', name: 'k', values: Float64Array.from([2147483646, -2147483646, 0, NaN]), integer: true }]);
  const k = nm('k');
  const one: Expr = { kind: 'number', value: 1, integer: true, text: '1L', span: S };
  const plus = ev(bin('+', k, one), t);
  assert.ok(plus.kind === 'numeric' && plus.integer);
  close(nums(plus), [2147483647, -2147483645, 1, NaN]);
  close(nums(ev(bin('+', bin('+', k, one), one), t)), [NaN, -2147483644, 2, NaN]);
  close(nums(ev(bin('-', bin('-', un('-', k), one), one), t)), [NaN, 2147483644, -2, NaN]);
  // With a double operand the result is a double and does not overflow.
  const dbl = ev(bin('+', bin('+', k, nb(1)), nb(1)), t);
  assert.ok(dbl.kind === 'numeric' && !dbl.integer);
  close(nums(dbl), [2147483648, -2147483644, 2, NaN]);
  const fr = buildModelFrame([variable('k + k', bin('+', k, k))], t, 'y ~ k + k');
  assert.deepEqual(Array.from(fr.rowIndex), [2]);
  const kept = fr.values.get('k + k');
  assert.ok(kept?.kind === 'numeric' && kept.integer, 'the flag survives the row subset');
});

test('scale() and poly() of a variable with Inf are refused, with its line and R\'s words', () => {
  // R (fixtures/parse-errors): scale(x_inf) leaves "0 (non-NA) cases"; poly(x_inf, 2) stops with
  // "NA/NaN/Inf in foreign function call (arg 1)".
  const t = makeTable('d.csv', [numeric('x', [1, 2, Infinity, 4, 5])], (r) => r + 2);
  const text = 'y ~ scale(x) + poly(x, 2)';
  userError(
    () => evaluateVariable(variable('scale(x)', call('scale', [nm('x', spanOf(text, 'x'))])), t, text),
    (e) => {
      assert.match(e.message, /scale\(\): 'x' is Inf on line 4 of d\.csv/);
      assert.match(e.message, /0 \(non-NA\) cases/);
      assert.deepEqual(e.location?.kind === 'text' && e.location.span, spanOf(text, 'x'));
      assert.match(e.hint ?? '', /finite numbers/);
    },
  );
  const xs = spanOf(text, 'x', text.indexOf('poly'));
  userError(
    () => evaluateVariable(variable('poly(x, 2)', call('poly', [nm('x', xs), nb(2)])), t, text),
    (e) => {
      assert.match(e.message, /poly\(\): 'x' is Inf on line 4 of d\.csv/);
      assert.match(e.message, /NA\/NaN\/Inf in foreign function call \(arg 1\)/);
      assert.deepEqual(e.location?.kind === 'text' && e.location.span, xs);
    },
  );
  // Without centring or scaling, scale() is the identity and keeps the Inf (build.ts refuses it).
  const same = ev(call('scale', [nm('x'), ['center', nm('FALSE')], ['scale', nm('FALSE')]]), t);
  close(nums(same), [1, 2, Infinity, 4, 5]);
});

test('scale() centres and scales by mean and sd of the non-missing values (R values)', () => {
  // R: scale(x)[,1], scale(x, center = FALSE)[,1], scale(x, scale = FALSE)[,1]
  const s = ev(call('scale', [x]));
  assert.equal(s.kind, 'matrix');
  if (s.kind === 'matrix') assert.equal(s.ncol, 1);
  close(nums(s), [
    -0.550908080480099094, -0.383240403812242836, -0.047905050476530334, NaN, 0.622765656194894657,
    1.964107069537744721, -0.718575757147955296, -0.88624343381581161,
  ]);
  close(nums(ev(call('scale', [x, ['center', nm('FALSE')]]))), [
    0.13245323570650439, 0.26490647141300877, 0.52981294282601754, NaN, 1.05962588565203508, 2.11925177130407016,
    0, -0.13245323570650439,
  ]);
  close(nums(ev(call('scale', [x, ['scale', nm('FALSE')]]))), [
    -3.28571428571428559, -2.28571428571428559, -0.28571428571428559, NaN, 3.71428571428571441, 11.7142857142857153,
    -4.28571428571428559, -5.28571428571428559,
  ]);
  // scale(x^2) of a matrix-valued I() keeps working column-wise.
  const sq = ev(call('I', [bin('^', call('scale', [x]), nb(2))]));
  assert.equal(sq.kind, 'matrix');
  close(nums(sq).slice(0, 1), [0.550908080480099094 ** 2]);
});

test('poly() equals R orthogonal polynomials, signs included, and raw = TRUE gives powers', () => {
  const xp = makeTable('p', [numeric('xp', [1, 3, 2, 5, 4, 3, 7, 6])]);
  // R: unclass(poly(xp, 3))
  const p = ev(call('poly', [nm('xp'), nb(3)]), xp);
  assert.equal(p.kind, 'matrix');
  if (p.kind !== 'matrix') return;
  assert.equal(p.ncol, 3);
  assert.deepEqual(p.colnames, ['1', '2', '3']);
  close(
    nums(p),
    [
      -0.535028420979120733, -0.162834736819732484, -0.348931578899426553, 0.209358947339655932, 0.023262105259961793,
      -0.162834736819732401, 0.581552631499044348, 0.395455789419350112,
      0.588796311708129405, -0.265908011739155181, 0.056980288229819036, -0.284901441149094936,
      -0.379868588198793267, -0.265908011739155181, 0.531816023478310362, 0.018993429409939509,
      -0.405450119787503782, 0.298752719843423942, 0.320092199832239965, -0.448129079765135829,
      -0.085357919955263914, 0.298752719843424053, 0.426789599776320139, -0.405450119787503949,
    ],
    1e-12,
  );
  // R: unclass(poly(xp, degree = 2, raw = TRUE))
  const r = ev(call('poly', [nm('xp'), ['degree', nb(2)], ['raw', nm('TRUE')]]), xp);
  close(nums(r), [1, 3, 2, 5, 4, 3, 7, 6, 1, 9, 4, 25, 16, 9, 49, 36]);
  // R: unclass(poly(c(1000, 1001, 1003, 1006, 1010), 3)): far from 0, still exact.
  const xl = makeTable('l', [numeric('xl', [1000, 1001, 1003, 1006, 1010])]);
  close(
    nums(ev(call('poly', [nm('xl'), ['degree', nb(3)]]), xl)),
    [
      -0.49236596391733101, -0.36927447293799798, -0.12309149097933275, 0.24618298195866542, 0.7385489458759964,
      0.475997296813150672, 0.079332882802191779, -0.449553002545753366, -0.581774473882739507, 0.475997296813150617,
      -0.44038550605054411, 0.33028912953790807, 0.55048188256318042, -0.60553007081949839, 0.16514456476895417,
    ],
    1e-10,
  );
});

test('poly() refuses NA and a degree that is too high, as R does, with the formula span', () => {
  const text = 'y ~ poly(x, 2)';
  const xs = spanOf(text, 'x, 2').start;
  const expr = call('poly', [nm('x', { start: xs, end: xs + 1 }), nb(2)], spanOf(text, 'poly(x, 2)'));
  userError(
    () => evaluateVariable(variable('poly(x, 2)', expr), dd, text),
    (e) => {
      assert.match(e.message, /missing values are not allowed in 'poly'/);
      assert.deepEqual(e.location?.kind === 'text' && e.location.span, { start: xs, end: xs + 1 });
    },
  );
  const few = makeTable('few', [numeric('x', [1, 1, 2])]);
  userError(
    () => ev(call('poly', [x, nb(2)]), few),
    (e) => assert.match(e.message, /'degree' must be less than number of unique points/),
  );
  userError(() => ev(call('poly', [x, nb(0)]), few), (e) => assert.match(e.message, /at least 1/));
  userError(() => ev(call('poly', [x, nb(1), nb(2)]), few), (e) => assert.match(e.hint ?? '', /several variables/));
});

test('unknown variable: message, span and near names in the hint', () => {
  const text = 'y ~ Dasy + (1 | g)';
  const span = spanOf(text, 'Dasy');
  const table = makeTable('t', [numeric('Days', [1, 2]), numeric('Reaction', [1, 2]), numeric('g', [1, 2])]);
  userError(
    () => evaluateVariable(variable('Dasy', nm('Dasy', span), span), table, text),
    (e) => {
      assert.equal(e.message, "unknown variable 'Dasy' in formula");
      assert.ok(e.location?.kind === 'text');
      if (e.location?.kind === 'text') {
        assert.deepEqual(e.location.span, span);
        assert.equal(e.location.text, text);
      }
      assert.match(e.hint ?? '', /'Days'/);
      assert.equal(e.exitCode, 2);
    },
  );
  // Nothing near: the hint lists the columns.
  userError(
    () => evaluateVariable(variable('zzzzzz', nm('zzzzzz')), table, text),
    (e) => assert.match(e.hint ?? '', /Days, Reaction, g/),
  );
});

test('functions of factors and unknown functions fail at their span', () => {
  const text = 'y ~ log(f) + foo(x)';
  const logSpan = spanOf(text, 'log(f)');
  userError(
    () => evaluateVariable(variable('log(f)', call('log', [nm('f')], logSpan)), dd, text),
    (e) => {
      assert.match(e.message, /log\(\) is not meaningful for factors/);
      assert.deepEqual(e.location?.kind === 'text' && e.location.span, logSpan);
    },
  );
  const fooSpan = spanOf(text, 'foo');
  userError(
    () => evaluateVariable(variable('foo(x)', call('foo', [x], spanOf(text, 'foo(x)'), fooSpan)), dd, text),
    (e) => {
      assert.equal(e.message, "unsupported function 'foo' in formula");
      assert.deepEqual(e.location?.kind === 'text' && e.location.span, fooSpan);
      assert.match(e.hint ?? '', /poly\(\)/);
      assert.match(e.hint ?? '', /scale\(\)/);
    },
  );
  userError(() => ev(bin('+', nm('f'), nb(1))), (e) => assert.match(e.message, /not meaningful for factors/));
  userError(() => ev(bin('<', nm('f'), str('B'))), (e) => assert.match(e.message, /not meaningful/));
  userError(() => ev(call('I', [nb(2)])), (e) => assert.match(e.message, /constant/));
  userError(() => ev(call('log', [x, ['bsae', nb(2)]])), (e) => assert.match(e.message, /no argument 'bsae'/));
  userError(
    () => ev(call('scale', [nm('k')]), makeTable('k', [numeric('k', [3, 3, 3])])),
    (e) => assert.match(e.message, /no spread/),
  );
});

// ---- the frame ----------------------------------------------------------------------------

test('buildModelFrame: na.omit over all variables, unused levels dropped, transforms before na.omit', () => {
  // R: model.frame(y ~ log(x) + scale(x) + factor(n) + I(x^2 + 1) + f + lg, dd,
  //                drop.unused.levels = TRUE) keeps rows 1 5 6 7 (row 8 has log(-1) = NaN).
  const vars = [
    variable('y', nm('y')),
    variable('log(x)', call('log', [x])),
    variable('scale(x)', call('scale', [x])),
    variable('factor(n)', call('factor', [nm('n')])),
    variable('I(x^2 + 1)', call('I', [bin('+', bin('^', x, nb(2)), nb(1))])),
    variable('f', nm('f')),
    variable('lg', nm('lg')),
    variable('log(x)', call('log', [x])), // a repeated variable is evaluated once
  ];
  const fr = buildModelFrame(vars, dd, 'y ~ …');
  assert.equal(fr.nrow, 4);
  assert.equal(fr.dropped, 4);
  assert.deepEqual(Array.from(fr.rowIndex), [0, 4, 5, 6]);
  assert.equal(fr.values.size, 7);
  close(nums(fr.values.get('y') as Value), [10.5, 11, 13.5, 8.25]);
  close(nums(fr.values.get('log(x)') as Value), [0, 2.0794415416798357, 2.7725887222397811, -Infinity]);
  // scale() used all 7 non-missing x, as model.frame evaluates before na.omit.
  close(nums(fr.values.get('scale(x)') as Value), [
    -0.55090808048009909, 0.62276565619489466, 1.96410706953774472, -0.7185757571479553,
  ]);
  const fn = fr.values.get('factor(n)') as Value;
  assert.ok(fn.kind === 'factor');
  if (fn.kind === 'factor') {
    assert.deepEqual(fn.levels, ['1.5', '10']);
    assert.deepEqual(Array.from(fn.codes), [1, 1, 0, 1]);
  }
  const f = fr.values.get('f') as Value;
  assert.ok(f.kind === 'factor');
  if (f.kind === 'factor') {
    assert.deepEqual(f.levels, ['A', 'B', 'c']);
    assert.deepEqual(Array.from(f.codes), [1, 0, 1, 2]);
  }
  close(nums(fr.values.get('I(x^2 + 1)') as Value), [2, 65, 257, 1]);
  const lg = fr.values.get('lg') as Value;
  assert.ok(lg.kind === 'logical');
  if (lg.kind === 'logical') assert.deepEqual(Array.from(lg.values), [1, 1, 0, 1]);
});

test('buildModelFrame: Inf is kept, NaN is dropped, NA in any matrix column drops the row', () => {
  const t = makeTable('t', [numeric('a', [1, Infinity, Number.NaN, -Infinity, 5]), numeric('b', [1, 2, 3, 4, null])]);
  const fr = buildModelFrame([variable('a', nm('a')), variable('b', nm('b'))], t, 'a ~ b');
  assert.deepEqual(Array.from(fr.rowIndex), [0, 1, 3]);
  close(nums(fr.values.get('a') as Value), [1, Infinity, -Infinity]);
  const fr2 = buildModelFrame(
    [variable('scale(I(cbind))', bin('*', call('scale', [nm('b')]), nb(1)))],
    t,
    'a ~ scale(b)',
  );
  assert.deepEqual(Array.from(fr2.rowIndex), [0, 1, 2, 3]);
  // No variables: every row is kept.
  assert.equal(buildModelFrame([], t, '~ 1').nrow, 5);
});

test('buildModelFrame: no rows left is an error that counts the missing values per variable', () => {
  const t = makeTable('t', [numeric('y', [1, null, 3]), numeric('w', [null, 2, null])]);
  const text = 'y ~ w';
  userError(
    () => buildModelFrame([variable('y', nm('y'), { start: 0, end: 1 }), variable('w', nm('w'), { start: 4, end: 5 })], t, text),
    (e) => {
      assert.equal(e.message, 'no rows left after removing rows with missing values');
      assert.match(e.hint ?? '', /y: 1/);
      assert.match(e.hint ?? '', /w: 2/);
      assert.deepEqual(e.location?.kind === 'text' && e.location.span, { start: 4, end: 5 });
    },
  );
});
