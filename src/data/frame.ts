/**
 * The model frame, as R's model.frame builds it for lmer: evaluate each variable of the
 * formula (`x`, `log(x)`, `I(x^2)`, `factor(g)`, `poly(x, 2)`, `scale(x)` …) on the whole
 * data table, then drop every row with a missing value in any of them (na.omit) and drop
 * factor levels no kept row uses (lme4 sets drop.unused.levels = TRUE).
 *
 * Evaluation follows R's semantics: logicals count as 0/1 in arithmetic, NaN is NA,
 * ±Inf is a value, arithmetic on factors is refused, `poly` and `scale` see the full column
 * (before rows are dropped), exactly as model.frame evaluates them.
 */
import { Lmer2JagsError, nearNames, type Span } from '../errors.js';
import type { CallArg, CallExpr, Expr } from '../formula/ast.js';
import type { Variable } from '../formula/terms.js';
import { dropUnusedLevels, numberLabel, numericLevels, rowPlace, type DataTable } from './table.js';
import type { FactorValue, Value } from './values.js';
import { orthogonalPolynomials, rawPolynomials } from '../model/poly.js';
import { formatRNumber } from '../util/rformat.js';

export interface ModelFrame {
  /** Rows kept. */
  readonly nrow: number;
  /** 0-based table row of each kept row. */
  readonly rowIndex: Int32Array;
  /** Rows removed by na.omit. */
  readonly dropped: number;
  /** Keyed by Variable.label, subset to kept rows, unused factor levels dropped. */
  readonly values: ReadonlyMap<string, Value>;
}

// ---------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------

/**
 * An intermediate value. Numbers are vectors (length n, or 1 for a constant) or matrices
 * (n × ncol, column-major); factors and logicals have length n or 1; strings are literals.
 * `int` marks numbers R would hold as an integer vector (an integer column, `2L`, a logical in
 * arithmetic, and what R's integer arithmetic keeps integer): their factor levels print in fixed
 * notation ("100000"), a double's as R prints doubles ("1e+05").
 */
type NumEv = {
  readonly t: 'num';
  readonly v: Float64Array;
  readonly ncol: number | null;
  readonly colnames: readonly string[] | null;
  readonly int: boolean;
};
type Ev =
  | NumEv
  | { readonly t: 'lgl'; readonly v: Int8Array }
  | { readonly t: 'fac'; readonly levels: readonly string[]; readonly codes: Int32Array }
  | { readonly t: 'str'; readonly s: string };

interface Ctx {
  readonly table: DataTable;
  readonly text: string;
  readonly n: number;
}

const SUPPORTED_FUNCTIONS = [
  'I',
  'log',
  'log2',
  'log10',
  'log1p',
  'exp',
  'sqrt',
  'abs',
  'scale',
  'factor',
  'as.factor',
  'as.numeric',
  'poly',
  'offset',
] as const;

function fail(ctx: Ctx, message: string, span: Span, hint?: string): Lmer2JagsError {
  return new Lmer2JagsError(message, {
    location: { kind: 'text', label: 'formula', text: ctx.text, span },
    ...(hint === undefined ? {} : { hint }),
  });
}

function num(v: Float64Array, int = false): NumEv {
  return { t: 'num', v, ncol: null, colnames: null, int };
}

/** The index of the first ±Inf in v, or -1 (NaN is NA, not infinite). */
function firstInfinite(v: Float64Array): number {
  for (let i = 0; i < v.length; i++) if (v[i] === Infinity || v[i] === -Infinity) return i;
  return -1;
}

function scalarNum(x: number, int = false): Ev {
  return num(Float64Array.of(x), int);
}

/** R's integers: whole numbers within ±2147483647 (-2147483648 is NA_integer_). */
const INT_MAX = 2147483647;

function evLength(e: Ev): number {
  switch (e.t) {
    case 'num':
      return e.v.length;
    case 'lgl':
      return e.v.length;
    case 'fac':
      return e.codes.length;
    case 'str':
      return 1;
  }
}

/** What an expression is, for messages: "'f' is a factor". */
function describe(expr: Expr, ctx: Ctx): string {
  return `'${ctx.text.slice(expr.span.start, expr.span.end)}'`;
}

function evaluate(expr: Expr, ctx: Ctx): Ev {
  switch (expr.kind) {
    case 'number':
      // 2L is an integer; R makes 1.5L (and anything out of range) a double.
      return scalarNum(expr.value, expr.integer && Number.isInteger(expr.value) && Math.abs(expr.value) <= INT_MAX);
    case 'string':
      return { t: 'str', s: expr.value };
    case 'paren':
      return evaluate(expr.expr, ctx);
    case 'name':
      return evaluateName(expr.name, expr.backquoted, expr.span, ctx);
    case 'unary':
      return evaluateUnary(expr.op, expr.operand, expr.span, ctx);
    case 'binary':
      return evaluateBinary(expr.op, expr.left, expr.right, expr.opSpan, ctx);
    case 'call':
      return evaluateCall(expr, ctx);
  }
}

function evaluateName(name: string, backquoted: boolean, span: Span, ctx: Ctx): Ev {
  if (!backquoted) {
    // R's reserved words can never name a column unless backquoted.
    switch (name) {
      case 'TRUE':
        return { t: 'lgl', v: Int8Array.of(1) };
      case 'FALSE':
        return { t: 'lgl', v: Int8Array.of(0) };
      case 'NA':
        return { t: 'lgl', v: Int8Array.of(-1) };
      case 'Inf':
        return scalarNum(Number.POSITIVE_INFINITY);
      case 'NaN':
        return scalarNum(Number.NaN);
    }
  }
  const column = ctx.table.columns.get(name);
  if (column) {
    switch (column.kind) {
      case 'numeric':
        return num(column.values, column.integer);
      case 'factor':
        return { t: 'fac', levels: column.levels, codes: column.codes };
      case 'logical':
        return { t: 'lgl', v: column.values };
    }
  }
  // Base R variables that a column of the same name would mask.
  if (name === 'T') return { t: 'lgl', v: Int8Array.of(1) };
  if (name === 'F') return { t: 'lgl', v: Int8Array.of(0) };
  if (name === 'pi') return scalarNum(Math.PI);
  const names = ctx.table.names;
  const near = nearNames(name, names);
  let hint: string;
  if (near.length > 0) {
    hint = `did you mean ${near.map((c) => `'${c}'`).join(' or ')}?`;
  } else if (names.length === 0) {
    hint = 'the data has no columns';
  } else if (names.length <= 12) {
    hint = `the data's columns are: ${names.join(', ')}`;
  } else {
    hint = `the data has ${names.length} columns (${names.slice(0, 8).join(', ')}, …); check the spelling`;
  }
  throw fail(ctx, `unknown variable '${name}' in formula`, span, hint);
}

/** Numbers from numbers or logicals (TRUE = 1); factors and strings are refused. */
function asNumber(e: Ev, expr: Expr, what: string, ctx: Ctx): NumEv {
  switch (e.t) {
    case 'num':
      return e;
    case 'lgl': {
      // R's arithmetic treats a logical as an integer (TRUE + TRUE is 2L).
      const v = new Float64Array(e.v.length);
      for (let i = 0; i < v.length; i++) v[i] = e.v[i] < 0 ? Number.NaN : e.v[i];
      return num(v, true);
    }
    case 'fac':
      throw fail(
        ctx,
        `${what} is not meaningful for factors: ${describe(expr, ctx)} is a factor`,
        expr.span,
        `use as.numeric(${ctx.text.slice(expr.span.start, expr.span.end)}) for its level codes 1..k, or leave the factor untransformed`,
      );
    case 'str':
      throw fail(ctx, `${what} needs numbers, not the string ${describe(expr, ctx)}`, expr.span);
  }
}

/** Logical values from logicals or numbers (non-zero = TRUE, NaN = NA). */
function asLogical(e: Ev, expr: Expr, what: string, ctx: Ctx): Int8Array {
  switch (e.t) {
    case 'lgl':
      return e.v;
    case 'num': {
      if (e.ncol !== null) throw fail(ctx, `${what} of a matrix is not supported`, expr.span);
      const out = new Int8Array(e.v.length);
      for (let i = 0; i < out.length; i++) out[i] = Number.isNaN(e.v[i]) ? -1 : e.v[i] !== 0 ? 1 : 0;
      return out;
    }
    case 'fac':
      throw fail(ctx, `${what} is not meaningful for factors: ${describe(expr, ctx)} is a factor`, expr.span);
    case 'str':
      throw fail(ctx, `${what} needs logical values, not the string ${describe(expr, ctx)}`, expr.span);
  }
}

/** The length of an element-wise result of operands of lengths a and b (R recycling). */
function recycledLength(a: number, b: number, span: Span, ctx: Ctx): number {
  if (a === b) return a;
  if (a === 0 || b === 0) return 0;
  const long = Math.max(a, b);
  const short = Math.min(a, b);
  if (long % short !== 0) {
    throw fail(ctx, `the operands have lengths ${a} and ${b}, which do not fit together`, span);
  }
  return long;
}

type NumOp = (x: number, y: number) => number;

/** R's %% for doubles: the result has the sign of the divisor. */
function rMod(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y) || y === 0 || !Number.isFinite(x)) return Number.NaN;
  if (!Number.isFinite(y)) return x === 0 || (x > 0) === (y > 0) ? x : y;
  const r = x - Math.floor(x / y) * y;
  // Guard against rounding putting r on the wrong side of 0 or equal to y.
  return Math.abs(r) >= Math.abs(y) ? 0 : r;
}

function rIntDiv(x: number, y: number): number {
  return Math.floor(x / y);
}

/** R's x^y: 1^y and x^0 are 1 even for NA. */
function rPow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  return x ** y;
}

/** The operators R's arithmetic keeps integer when both operands are integers (not / or ^). */
const INTEGER_OPS: ReadonlySet<string> = new Set(['+', '-', '*', '%%', '%/%']);

const ARITH: Readonly<Record<string, NumOp>> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '^': rPow,
  '%%': rMod,
  '%/%': rIntDiv,
};

const COMPARE: Readonly<Record<string, (c: number) => boolean>> = {
  '==': (c) => c === 0,
  '!=': (c) => c !== 0,
  '<': (c) => c < 0,
  '>': (c) => c > 0,
  '<=': (c) => c <= 0,
  '>=': (c) => c >= 0,
};

function arithmetic(op: string, left: Expr, right: Expr, opSpan: Span, ctx: Ctx): Ev {
  const what = `'${op}'`;
  const a = asNumber(evaluate(left, ctx), left, what, ctx);
  const b = asNumber(evaluate(right, ctx), right, what, ctx);
  return elementwise(a, b, ARITH[op], opSpan, ctx, a.int && b.int && INTEGER_OPS.has(op));
}

/** Element-wise op with R's recycling; a matrix operand gives the result its shape. */
function elementwise(
  a: NumEv,
  b: NumEv,
  f: NumOp,
  span: Span,
  ctx: Ctx,
  int = false,
): Ev {
  if (a.ncol !== null && b.ncol !== null && (a.ncol !== b.ncol || a.v.length !== b.v.length)) {
    throw fail(ctx, 'the two matrices have different dimensions', span);
  }
  const len = recycledLength(a.v.length, b.v.length, span, ctx);
  const out = new Float64Array(len);
  const la = a.v.length;
  const lb = b.v.length;
  for (let i = 0; i < len; i++) out[i] = f(a.v[la === len ? i : i % la], b.v[lb === len ? i : i % lb]);
  if (int) {
    // R's integer arithmetic: a result past ±2147483647 is NA ("NAs produced by integer
    // overflow"), and so is x %/% 0L (a double division would give ±Inf).
    for (let i = 0; i < len; i++) {
      const x = out[i];
      if (!(x >= -INT_MAX && x <= INT_MAX)) out[i] = Number.NaN;
      else if (x === 0) out[i] = 0; // integers have no -0
    }
  }
  const shape = a.ncol !== null && a.v.length === len ? a : b.ncol !== null && b.v.length === len ? b : null;
  return { t: 'num', v: out, ncol: shape ? shape.ncol : null, colnames: shape ? shape.colnames : null, int: int && shape === null };
}

function comparison(op: string, left: Expr, right: Expr, opSpan: Span, ctx: Ctx): Ev {
  const a = evaluate(left, ctx);
  const b = evaluate(right, ctx);
  const test = COMPARE[op];
  if (a.t === 'fac' || b.t === 'fac' || a.t === 'str' || b.t === 'str') {
    // Factors compare by their level labels, as R does (== and != only).
    if (op !== '==' && op !== '!=') {
      const culprit = a.t === 'fac' || a.t === 'str' ? left : right;
      throw fail(
        ctx,
        `'${op}' is not meaningful for factors or strings: ${describe(culprit, ctx)} is not numeric`,
        opSpan,
        'compare factors with == or != against a level name, e.g. I(g == "A")',
      );
    }
    if (a.t === 'fac' && b.t === 'fac') {
      const sa = [...a.levels].sort().join('\u0000');
      const sb = [...b.levels].sort().join('\u0000');
      if (sa !== sb) throw fail(ctx, 'the two factors have different level sets', opSpan);
    }
    const la = labelsOf(a, left, ctx);
    const lb = labelsOf(b, right, ctx);
    const len = recycledLength(la.length, lb.length, opSpan, ctx);
    const out = new Int8Array(len);
    for (let i = 0; i < len; i++) {
      const x = la[la.length === len ? i : i % la.length];
      const y = lb[lb.length === len ? i : i % lb.length];
      out[i] = x === null || y === null ? -1 : test(x === y ? 0 : 1) ? 1 : 0;
    }
    return { t: 'lgl', v: out };
  }
  const na = asNumber(a, left, `'${op}'`, ctx);
  const nb = asNumber(b, right, `'${op}'`, ctx);
  if (na.ncol !== null || nb.ncol !== null) {
    throw fail(ctx, `comparing a matrix with '${op}' is not supported`, opSpan);
  }
  const len = recycledLength(na.v.length, nb.v.length, opSpan, ctx);
  const out = new Int8Array(len);
  for (let i = 0; i < len; i++) {
    const x = na.v[na.v.length === len ? i : i % na.v.length];
    const y = nb.v[nb.v.length === len ? i : i % nb.v.length];
    out[i] = Number.isNaN(x) || Number.isNaN(y) ? -1 : test(x < y ? -1 : x > y ? 1 : 0) ? 1 : 0;
  }
  return { t: 'lgl', v: out };
}

/** Values as the character strings R compares factors by (null = NA). */
function labelsOf(e: Ev, expr: Expr, ctx: Ctx): (string | null)[] {
  switch (e.t) {
    case 'fac':
      return Array.from(e.codes, (c) => (c < 0 ? null : e.levels[c]));
    case 'str':
      return [e.s];
    case 'num':
      if (e.ncol !== null) throw fail(ctx, 'comparing a matrix is not supported', expr.span);
      return Array.from(e.v, (x) => (Number.isNaN(x) ? null : numberLabel(x, e.int)));
    case 'lgl':
      return Array.from(e.v, (x) => (x < 0 ? null : x ? 'TRUE' : 'FALSE'));
  }
}

function logicalOp(op: '&' | '|', left: Expr, right: Expr, opSpan: Span, ctx: Ctx): Ev {
  const a = asLogical(evaluate(left, ctx), left, `'${op}'`, ctx);
  const b = asLogical(evaluate(right, ctx), right, `'${op}'`, ctx);
  const len = recycledLength(a.length, b.length, opSpan, ctx);
  const out = new Int8Array(len);
  for (let i = 0; i < len; i++) {
    const x = a[a.length === len ? i : i % a.length];
    const y = b[b.length === len ? i : i % b.length];
    if (op === '&') out[i] = x === 0 || y === 0 ? 0 : x < 0 || y < 0 ? -1 : 1;
    else out[i] = x === 1 || y === 1 ? 1 : x < 0 || y < 0 ? -1 : 0;
  }
  return { t: 'lgl', v: out };
}

function evaluateBinary(op: string, left: Expr, right: Expr, opSpan: Span, ctx: Ctx): Ev {
  if (op in ARITH) return arithmetic(op, left, right, opSpan, ctx);
  if (op in COMPARE) return comparison(op, left, right, opSpan, ctx);
  if (op === '&' || op === '|') return logicalOp(op, left, right, opSpan, ctx);
  if (op === '&&' || op === '||') {
    throw fail(ctx, `'${op}' compares single values only`, opSpan, `use '${op[0]}' for element-wise logic`);
  }
  if (op === ':') {
    throw fail(
      ctx,
      "':' inside a function call is not supported",
      opSpan,
      'write interactions outside calls (a:b), or compute the variable in the data',
    );
  }
  throw fail(
    ctx,
    `the operator '${op}' is not supported inside a function call`,
    opSpan,
    'supported: + - * / ^ %% %/%, comparisons == != < > <= >=, and & | !',
  );
}

function evaluateUnary(op: string, operand: Expr, span: Span, ctx: Ctx): Ev {
  const e = evaluate(operand, ctx);
  if (op === '!') {
    if (e.t === 'num' && e.ncol !== null) throw fail(ctx, "'!' of a matrix is not supported", span);
    const v = asLogical(e, operand, "'!'", ctx);
    return { t: 'lgl', v: v.map((x) => (x < 0 ? -1 : 1 - x)) };
  }
  const x = asNumber(e, operand, `unary '${op}'`, ctx);
  if (op === '+') return x;
  // Unary minus keeps an integer an integer (and integers have no -0).
  return { t: 'num', v: x.v.map((y) => (x.int && y === 0 ? 0 : -y)), ncol: x.ncol, colnames: x.colnames, int: x.int };
}

// ---------------------------------------------------------------------------------------
// Function calls
// ---------------------------------------------------------------------------------------

/**
 * R's argument matching, simplified: exact names first, then the remaining formals by
 * position. `positional` formals may be given by position; the others only by name.
 */
function matchArgs(
  call: CallExpr,
  positional: readonly string[],
  namedOnly: readonly string[],
  ctx: Ctx,
): Map<string, CallArg> {
  const out = new Map<string, CallArg>();
  const all = [...positional, ...namedOnly];
  for (const arg of call.args) {
    if (arg.name === null) continue;
    if (!all.includes(arg.name)) {
      throw fail(
        ctx,
        `${call.fn}() has no argument '${arg.name}'`,
        arg.span,
        all.length > 0 ? `${call.fn}() takes: ${all.join(', ')}` : undefined,
      );
    }
    if (out.has(arg.name)) throw fail(ctx, `argument '${arg.name}' is given twice`, arg.span);
    out.set(arg.name, arg);
  }
  const free = positional.filter((f) => !out.has(f));
  for (const arg of call.args) {
    if (arg.name !== null) continue;
    const formal = free.shift();
    if (formal === undefined) {
      const hint =
        call.fn === 'poly'
          ? 'poly() of several variables is not supported; give one variable and the degree'
          : `${call.fn}() takes: ${all.join(', ')}`;
      throw fail(ctx, `too many arguments to ${call.fn}()`, arg.span, hint);
    }
    out.set(formal, arg);
  }
  return out;
}

function required(call: CallExpr, args: Map<string, CallArg>, name: string, ctx: Ctx): CallArg {
  const a = args.get(name);
  if (!a) throw fail(ctx, `${call.fn}() needs the argument '${name}'`, call.span);
  return a;
}

/** A single number (integer when `integer`), from an argument. */
function scalarArg(arg: CallArg, what: string, ctx: Ctx): number {
  const e = evaluate(arg.value, ctx);
  if ((e.t !== 'num' && e.t !== 'lgl') || evLength(e) !== 1) {
    throw fail(ctx, `${what} must be a single number`, arg.value.span);
  }
  const x = e.t === 'num' ? e.v[0] : e.v[0] < 0 ? Number.NaN : e.v[0];
  if (Number.isNaN(x)) throw fail(ctx, `${what} must not be NA`, arg.value.span);
  return x;
}

/** A single TRUE/FALSE, from an argument. */
function flagArg(arg: CallArg | undefined, fallback: boolean, what: string, ctx: Ctx): boolean {
  if (!arg) return fallback;
  const e = evaluate(arg.value, ctx);
  if ((e.t !== 'num' && e.t !== 'lgl') || evLength(e) !== 1 || (e.t === 'num' && e.ncol !== null)) {
    throw fail(ctx, `${what} must be TRUE or FALSE`, arg.value.span);
  }
  const x = e.t === 'num' ? e.v[0] : e.v[0] < 0 ? Number.NaN : e.v[0];
  if (Number.isNaN(x)) throw fail(ctx, `${what} must be TRUE or FALSE, not NA`, arg.value.span);
  return x !== 0;
}

const MATH: Readonly<Record<string, (x: number) => number>> = {
  log2: Math.log2,
  log10: Math.log10,
  log1p: Math.log1p,
  exp: Math.exp,
  sqrt: Math.sqrt,
  abs: Math.abs,
};

/** A math function of numbers; the result is a double unless `int` (abs() of an integer). */
function mapNum(x: NumEv, f: (y: number) => number, int = false): Ev {
  return { t: 'num', v: x.v.map(f), ncol: x.ncol, colnames: x.colnames, int: int && x.int };
}

function evaluateCall(call: CallExpr, ctx: Ctx): Ev {
  const fn = call.fn;
  switch (fn) {
    case 'I': {
      const args = matchArgs(call, ['x'], [], ctx);
      return evaluate(required(call, args, 'x', ctx).value, ctx);
    }
    case 'log': {
      const args = matchArgs(call, ['x', 'base'], [], ctx);
      const xArg = required(call, args, 'x', ctx);
      const x = numericArgument(call, xArg, ctx);
      const baseArg = args.get('base');
      if (!baseArg) return mapNum(x, Math.log);
      const base = scalarArg(baseArg, 'the base of log()', ctx);
      if (base === 10) return mapNum(x, Math.log10);
      if (base === 2) return mapNum(x, Math.log2);
      const lb = Math.log(base);
      return mapNum(x, (y) => Math.log(y) / lb);
    }
    case 'log2':
    case 'log10':
    case 'log1p':
    case 'exp':
    case 'sqrt':
    case 'abs': {
      const args = matchArgs(call, ['x'], [], ctx);
      const x = numericArgument(call, required(call, args, 'x', ctx), ctx);
      // abs() of an integer is an integer; the others give doubles.
      return mapNum(x, MATH[fn], fn === 'abs');
    }
    case 'scale':
      return evaluateScale(call, ctx);
    case 'factor':
    case 'as.factor': {
      const args = matchArgs(call, ['x'], [], ctx);
      return toFactor(call, required(call, args, 'x', ctx), fn === 'factor', ctx);
    }
    case 'as.numeric': {
      const args = matchArgs(call, ['x'], [], ctx);
      const xArg = required(call, args, 'x', ctx);
      const e = evaluate(xArg.value, ctx);
      if (e.t === 'fac') {
        return num(Float64Array.from(e.codes, (c) => (c < 0 ? Number.NaN : c + 1)));
      }
      const x = asNumber(e, xArg.value, 'as.numeric()', ctx);
      if (x.ncol !== null) {
        throw fail(ctx, 'as.numeric() of a matrix would not give one value per row', call.span);
      }
      // as.numeric() makes a double: as.numeric(100000L) prints as 1e+05.
      return num(x.v);
    }
    case 'poly':
      return evaluatePoly(call, ctx);
    case 'offset': {
      const args = matchArgs(call, ['object'], [], ctx);
      const x = numericArgument(call, required(call, args, 'object', ctx), ctx);
      if (x.ncol !== null) throw fail(ctx, 'offset() needs a single numeric column, not a matrix', call.span);
      return x;
    }
    default:
      throw fail(
        ctx,
        `unsupported function '${fn}' in formula`,
        call.fnSpan,
        `supported functions: ${SUPPORTED_FUNCTIONS.map((f) => `${f}()`).join(', ')}; or add the transformed variable to the data`,
      );
  }
}

/** The numeric argument of a math function; factors get a message naming the function. */
function numericArgument(call: CallExpr, arg: CallArg, ctx: Ctx): NumEv {
  const e = evaluate(arg.value, ctx);
  if (e.t === 'fac') {
    const x = ctx.text.slice(arg.value.span.start, arg.value.span.end);
    throw fail(
      ctx,
      `${call.fn}() is not meaningful for factors: '${x}' is a factor`,
      call.span,
      `${call.fn}() needs a numeric variable; as.numeric(${x}) gives the factor's level codes 1..k`,
    );
  }
  return asNumber(e, arg.value, `${call.fn}()`, ctx);
}

function evaluateScale(call: CallExpr, ctx: Ctx): Ev {
  const args = matchArgs(call, ['x', 'center', 'scale'], [], ctx);
  const xArg = required(call, args, 'x', ctx);
  const x = numericArgument(call, xArg, ctx);
  const ncol = x.ncol ?? 1;
  const rows = x.v.length / ncol;
  const centerArg = args.get('center');
  const scaleArg = args.get('scale');
  // center / scale: TRUE, FALSE, or a number (for a single column).
  const option = (arg: CallArg | undefined, what: string): boolean | number => {
    if (!arg) return true;
    const e = evaluate(arg.value, ctx);
    if (e.t === 'lgl' && e.v.length === 1 && e.v[0] >= 0) return e.v[0] === 1;
    if (e.t === 'num' && e.v.length === 1 && ncol === 1 && !Number.isNaN(e.v[0])) return e.v[0];
    throw fail(ctx, `'${what}' of scale() must be TRUE, FALSE or a single number`, arg.value.span);
  };
  const center = option(centerArg, 'center');
  const scaleOpt = option(scaleArg, 'scale');
  if (center === true || scaleOpt === true) {
    const k = firstInfinite(x.v);
    if (k >= 0) {
      // R: the mean (or SD) is not finite, every value becomes NaN, and na.omit leaves no rows.
      throw fail(
        ctx,
        `scale(): ${describe(xArg.value, ctx)} is ${formatRNumber(x.v[k])}${rows === ctx.n ? ` on ${rowPlace(ctx.table, k % rows)}` : ''}, so its ${center === true ? 'mean' : 'SD'} is not finite and scale() would give NaN on every row (R then stops with "0 (non-NA) cases")`,
        xArg.value.span,
        'lme4 needs finite numbers: fix that value in the data, or write NA there so that the row is dropped',
      );
    }
  }
  const out = new Float64Array(x.v.length);
  for (let j = 0; j < ncol; j++) {
    const off = j * rows;
    let m = 0;
    if (center === true) {
      let s = 0;
      let k = 0;
      for (let i = 0; i < rows; i++) {
        const y = x.v[off + i];
        if (!Number.isNaN(y)) {
          s += y;
          k++;
        }
      }
      m = s / k;
    } else if (typeof center === 'number') {
      m = center;
    }
    for (let i = 0; i < rows; i++) out[off + i] = x.v[off + i] - m;
    let sd = 1;
    if (scaleOpt === true) {
      // R: sqrt(sum(v^2) / max(1, n - 1)) over the non-missing (centred) values.
      let ss = 0;
      let k = 0;
      for (let i = 0; i < rows; i++) {
        const y = out[off + i];
        if (!Number.isNaN(y)) {
          ss += y * y;
          k++;
        }
      }
      sd = Math.sqrt(ss / Math.max(1, k - 1));
      if (!(sd > 0) || !Number.isFinite(sd)) {
        throw fail(
          ctx,
          `scale() cannot standardise ${describe(xArg.value, ctx)}: it has no spread (all its values are equal or missing)`,
          call.span,
          'remove scale(), or use a variable that varies',
        );
      }
    } else if (typeof scaleOpt === 'number') {
      sd = scaleOpt;
    }
    if (sd !== 1) for (let i = 0; i < rows; i++) out[off + i] /= sd;
  }
  return { t: 'num', v: out, ncol, colnames: x.colnames ?? new Array<string>(ncol).fill(''), int: false };
}

function evaluatePoly(call: CallExpr, ctx: Ctx): Ev {
  const args = matchArgs(call, ['x', 'degree'], ['raw'], ctx);
  const xArg = required(call, args, 'x', ctx);
  const x = numericArgument(call, xArg, ctx);
  if (x.ncol !== null) throw fail(ctx, 'poly() of a matrix is not supported', xArg.span);
  const degreeArg = args.get('degree');
  const degree = degreeArg ? scalarArg(degreeArg, "poly()'s degree", ctx) : 1;
  const where = degreeArg ? degreeArg.value.span : call.span;
  if (!Number.isInteger(degree) || degree < 1) {
    throw fail(ctx, "poly(): 'degree' must be a whole number of at least 1", where);
  }
  const raw = flagArg(args.get('raw'), false, "poly()'s raw", ctx);
  if (x.v.length !== ctx.n) {
    throw fail(ctx, 'poly() needs a variable of the data, not a constant', xArg.span);
  }
  if (!raw) {
    const k = firstInfinite(x.v);
    if (k >= 0) {
      throw fail(
        ctx,
        `poly(): ${describe(xArg.value, ctx)} is ${formatRNumber(x.v[k])} on ${rowPlace(ctx.table, k)}; R's poly() refuses infinite values ("NA/NaN/Inf in foreign function call (arg 1)")`,
        xArg.value.span,
        'lme4 needs finite numbers: fix that value in the data, or write NA there (then remove the row too: poly() refuses NA as well)',
      );
    }
  }
  const result = raw ? rawPolynomials(x.v, degree) : orthogonalPolynomials(x.v, degree);
  if ('error' in result) {
    const isNa = result.error.startsWith('missing values');
    throw fail(
      ctx,
      `poly(): ${result.error}`,
      isNa ? xArg.value.span : where,
      isNa
        ? 'R computes poly() on the whole column before dropping incomplete rows, so it refuses missing values: remove those rows from the data, or use raw = TRUE'
        : `choose a degree below the number of distinct values of ${describe(xArg.value, ctx)}`,
    );
  }
  return {
    t: 'num',
    v: result.values,
    ncol: degree,
    colnames: Array.from({ length: degree }, (_, j) => String(j + 1)),
    int: false,
  };
}

/** factor() / as.factor(): numbers sort numerically, logicals give FALSE/TRUE. */
function toFactor(call: CallExpr, arg: CallArg, dropLevels: boolean, ctx: Ctx): Ev {
  const e = evaluate(arg.value, ctx);
  switch (e.t) {
    case 'fac':
      return dropLevels ? dropUnusedLevels(e) : e;
    case 'lgl': {
      const present = [false, false];
      for (const x of e.v) if (x >= 0) present[x] = true;
      const levels = (['FALSE', 'TRUE'] as const).filter((_, i) => present[i]);
      const codes = Int32Array.from(e.v, (x) => (x < 0 ? -1 : present[0] ? x : 0));
      return { t: 'fac', levels, codes };
    }
    case 'num': {
      if (e.ncol !== null) throw fail(ctx, `${call.fn}() of a matrix is not supported`, call.span);
      return { t: 'fac', ...numericLevels(e.v, e.int) };
    }
    case 'str':
      return { t: 'fac', levels: [e.s], codes: Int32Array.of(0) };
  }
}

function toValue(e: Ev, v: Variable, ctx: Ctx): Value {
  if (e.t === 'str') {
    throw fail(ctx, `'${v.label}' is a string constant, not a variable`, v.span, 'name a column of the data');
  }
  const rows = e.t === 'num' && e.ncol !== null ? e.v.length / e.ncol : evLength(e);
  if (rows !== ctx.n) {
    throw fail(
      ctx,
      `'${v.label}' is a constant, not a column of the data (it has ${rows} value${rows === 1 ? '' : 's'}, the data ${ctx.n} rows)`,
      v.span,
      'use 1 or 0 for the intercept, or name a column of the data',
    );
  }
  switch (e.t) {
    case 'num':
      if (e.ncol === null) return { kind: 'numeric', values: e.v, integer: e.int };
      return { kind: 'matrix', ncol: e.ncol, values: e.v, colnames: e.colnames ?? new Array<string>(e.ncol).fill('') };
    case 'lgl':
      return { kind: 'logical', values: e.v };
    case 'fac':
      return { kind: 'factor', levels: e.levels, codes: e.codes };
  }
}

/** Evaluate one model-frame variable on every row of the table, as model.frame does. */
export function evaluateVariable(v: Variable, table: DataTable, formulaText: string): Value {
  const ctx: Ctx = { table, text: formulaText, n: table.nrow };
  return toValue(evaluate(v.expr, ctx), v, ctx);
}

// ---------------------------------------------------------------------------------------
// The frame: na.omit and dropping unused levels
// ---------------------------------------------------------------------------------------

/** Mark the rows where `value` is missing; returns how many rows that is (each row once). */
function missingAt(value: Value, n: number, missing: Uint8Array): number {
  let count = 0;
  switch (value.kind) {
    case 'numeric': {
      const v = value.values;
      for (let i = 0; i < n; i++) {
        if (v[i] !== v[i]) {
          missing[i] = 1;
          count++;
        }
      }
      break;
    }
    case 'matrix': {
      const own = new Uint8Array(n);
      for (let j = 0; j < value.ncol; j++) {
        for (let i = 0; i < n; i++) if (Number.isNaN(value.values[j * n + i])) own[i] = 1;
      }
      for (let i = 0; i < n; i++) {
        if (own[i]) {
          missing[i] = 1;
          count++;
        }
      }
      break;
    }
    case 'factor':
      for (let i = 0; i < n; i++) {
        if (value.codes[i] < 0) {
          missing[i] = 1;
          count++;
        }
      }
      break;
    case 'logical':
      for (let i = 0; i < n; i++) {
        if (value.values[i] < 0) {
          missing[i] = 1;
          count++;
        }
      }
      break;
  }
  return count;
}

function subset(value: Value, rows: Int32Array, n: number): Value {
  const m = rows.length;
  // No row dropped: the values as they are (only unused factor levels go).
  if (m === n) return value.kind === 'factor' ? dropUnusedLevels(value) : value;
  switch (value.kind) {
    case 'numeric': {
      const out = new Float64Array(m);
      for (let i = 0; i < m; i++) out[i] = value.values[rows[i]];
      return { kind: 'numeric', values: out, integer: value.integer };
    }
    case 'matrix': {
      const out = new Float64Array(m * value.ncol);
      for (let j = 0; j < value.ncol; j++) {
        for (let i = 0; i < m; i++) out[j * m + i] = value.values[j * n + rows[i]];
      }
      return { kind: 'matrix', ncol: value.ncol, values: out, colnames: value.colnames };
    }
    case 'factor': {
      const codes = new Int32Array(m);
      for (let i = 0; i < m; i++) codes[i] = value.codes[rows[i]];
      const f: FactorValue = { kind: 'factor', levels: value.levels, codes };
      return dropUnusedLevels(f);
    }
    case 'logical': {
      const out = new Int8Array(m);
      for (let i = 0; i < m; i++) out[i] = value.values[rows[i]];
      return { kind: 'logical', values: out };
    }
  }
}

/**
 * model.frame(…, na.action = na.omit, drop.unused.levels = TRUE): evaluate every variable
 * on the full table, drop rows with a missing value in any of them, subset, and drop
 * factor levels no remaining row uses.
 */
export function buildModelFrame(vars: readonly Variable[], table: DataTable, formulaText: string): ModelFrame {
  const n = table.nrow;
  const evaluated = new Map<string, { readonly variable: Variable; readonly value: Value }>();
  for (const v of vars) {
    if (!evaluated.has(v.label)) evaluated.set(v.label, { variable: v, value: evaluateVariable(v, table, formulaText) });
  }
  const missing = new Uint8Array(n);
  const counts: { variable: Variable; count: number }[] = [];
  let anyMissing = false;
  for (const { variable, value } of evaluated.values()) {
    const count = missingAt(value, n, missing);
    if (count > 0) {
      counts.push({ variable, count });
      anyMissing = true;
    }
  }
  let kept = n;
  if (anyMissing) {
    kept = 0;
    for (let i = 0; i < n; i++) if (!missing[i]) kept++;
  }
  if (kept === 0) {
    if (n === 0) {
      throw new Lmer2JagsError(`the data (${table.source}) has no rows`, {
        hint: 'check that the file has a header line and at least one data row',
      });
    }
    const worst = counts.reduce((a, b) => (b.count > a.count ? b : a), counts[0]);
    const list = counts.map((c) => `${c.variable.label}: ${c.count}`).join(', ');
    throw new Lmer2JagsError('no rows left after removing rows with missing values', {
      location: { kind: 'text', label: 'formula', text: formulaText, span: worst.variable.span },
      hint: `every one of the ${n} rows has a missing value in some variable of the formula (rows with missing values per variable: ${list}); fix the data, or leave out the variable with the most missing values`,
    });
  }
  const rowIndex = new Int32Array(kept);
  if (anyMissing) {
    for (let i = 0, k = 0; i < n; i++) if (!missing[i]) rowIndex[k++] = i;
  } else {
    for (let i = 0; i < n; i++) rowIndex[i] = i;
  }
  const values = new Map<string, Value>();
  for (const [label, { value }] of evaluated) values.set(label, subset(value, rowIndex, n));
  return { nrow: kept, rowIndex, dropped: n - kept, values };
}
