/**
 * Formula + data → ModelSpec: parse, expand (R's term algebra and lme4's bars), evaluate the
 * model frame with na.omit, build X with R's contrasts and lme4's rank check, build each
 * random term's grouping factor and LHS columns, check them as lme4 does, and order them as
 * lme4 does (by decreasing number of levels, when a later term has more levels).
 */
import { Lmer2JagsError, type ErrorLocation, type Span } from '../errors.js';
import type { Expr, Formula } from '../formula/ast.js';
import { expandFormula } from '../formula/bars.js';
import { deparse } from '../formula/deparse.js';
import { parseFormula } from '../formula/parse.js';
import type { TermList, Variable } from '../formula/terms.js';
import { buildModelFrame, type ModelFrame } from '../data/frame.js';
import { rowPlace, type DataTable } from '../data/table.js';
import type { Value } from '../data/values.js';
import { formatRNumber } from '../util/rformat.js';
import { dropRankDeficient, groupingFactor, modelMatrix, type DesignMatrix } from './design.js';
import type { DataScales, ModelSpec, RandomTerm } from './spec.js';

export interface BuildOptions {
  /** A data column of prior weights (lmer's `weights =`). */
  readonly weights?: string;
  /** A data column used as an offset (lmer's `offset =`), added to any offset() terms. */
  readonly offset?: string;
}

function at(f: Formula, span: Span): ErrorLocation {
  return { kind: 'text', label: 'formula', text: f.text, span };
}

function nameVariable(name: string, span: Span): Variable {
  const expr: Expr = { kind: 'name', name, backquoted: true, span };
  return { label: `\u0000arg:${name}`, expr, span };
}

function numericValues(v: Value): Float64Array | null {
  if (v.kind === 'numeric') return v.values;
  if (v.kind === 'matrix' && v.ncol === 1) return v.values;
  return null;
}

function meanSd(x: Float64Array): { mean: number; sd: number } {
  const n = x.length;
  if (n === 0) return { mean: 0, sd: 0 };
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i] - mean) ** 2;
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

/** Where the response stops being a number: the first data line whose value is not numeric. */
function describeNonNumeric(table: DataTable, name: string, frame: ModelFrame, v: Value): { where: string; line?: number } {
  if (v.kind === 'factor') {
    for (let i = 0; i < v.codes.length; i++) {
      const level = v.levels[v.codes[i]];
      if (level !== undefined && Number.isNaN(Number(level.trim() === '' ? NaN : level))) {
        const row = frame.rowIndex[i];
        const line = table.lineOf?.(row);
        return { where: `${line !== undefined ? `line ${line}` : `row ${row + 1}`} has "${level}"`, ...(line !== undefined ? { line } : {}) };
      }
    }
    return { where: `${name} is a factor` };
  }
  return { where: `${name} is ${v.kind === 'logical' ? 'logical (TRUE/FALSE)' : 'a matrix'}` };
}

// ---------------------------------------------------------------------------------------
// Non-finite values. R's na.omit drops rows with NA or NaN but keeps ±Inf (log(0), 1/0, an
// "Inf" in the data), and lme4 then refuses them: "NA/NaN/Inf in 'y'" for the response,
// "NA/NaN/Inf in foreign function call (arg 1)" for the fixed-effects model matrix (its rank
// check), "objective in x0 returns NA" for random-effect columns, offsets and weights.
// ---------------------------------------------------------------------------------------

/** Where the value sits, and what lme4 says about it. */
type Role = 'response' | 'fixed' | 'random' | 'offset';

const LME4_SAYS: Readonly<Record<Role, string>> = {
  response: "NA/NaN/Inf in 'y'",
  fixed: 'NA/NaN/Inf in foreign function call (arg 1)',
  random: 'objective in x0 returns NA',
  offset: 'objective in x0 returns NA',
};

/** The first index at which v is not finite, or -1. */
function firstNonFinite(v: Float64Array): number {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x - x !== 0) return i; // ±Inf and NaN
  }
  return -1;
}

/** The expression inside parentheses, `I(...)` and `offset(...)`. */
function unwrap(expr: Expr): Expr {
  let e = expr;
  for (;;) {
    if (e.kind === 'paren') e = e.expr;
    else if (e.kind === 'call' && (e.fn === 'offset' || e.fn === 'I') && e.args.length === 1 && e.args[0].name === null) e = e.args[0].value;
    else return e;
  }
}

/** The data column an expression names directly (`x`, `(x)`, `offset(x)`), or null. */
function directColumn(expr: Expr, table: DataTable): string | null {
  const e = unwrap(expr);
  return e.kind === 'name' && table.columns.has(e.name) ? e.name : null;
}

/** "z = 0, w = 2": the data columns an expression uses, at one table row. */
function inputsAt(expr: Expr, table: DataTable, row: number): string {
  const names: string[] = [];
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'name':
        if (table.columns.has(e.name) && !names.includes(e.name)) names.push(e.name);
        return;
      case 'paren':
        return walk(e.expr);
      case 'unary':
        return walk(e.operand);
      case 'binary':
        walk(e.left);
        return walk(e.right);
      case 'call':
        for (const a of e.args) walk(a.value);
        return;
      default:
        return;
    }
  };
  walk(expr);
  return names
    .slice(0, 4)
    .map((name) => {
      const c = table.columns.get(name)!;
      const shown =
        c.kind === 'numeric'
          ? Number.isNaN(c.values[row]) ? 'NA' : formatRNumber(c.values[row])
          : c.kind === 'factor'
            ? c.codes[row] < 0 ? 'NA' : JSON.stringify(c.levels[c.codes[row]])
            : c.values[row] < 0 ? 'NA' : c.values[row] ? 'TRUE' : 'FALSE';
      return `${name} = ${shown}`;
    })
    .join(', ');
}

/**
 * The error for a non-finite value at observation `obs` (a model-frame row): what (the role
 * and the variable, the value, lme4's words), where (the data line for a value read from a
 * column, else the formula span of the expression that produced it), and what to do.
 */
function nonFiniteError(
  f: Formula,
  table: DataTable,
  frame: ModelFrame,
  obs: number,
  value: number,
  role: Role,
  what: string,
  source: { readonly expr: Expr; readonly span: Span } | null,
): Lmer2JagsError {
  const row = frame.rowIndex[obs];
  const place = rowPlace(table, row);
  const shown = formatRNumber(value);
  const column = source ? directColumn(source.expr, table) : null;
  const line = table.lineOf?.(row);
  const roleText =
    role === 'response' ? '' : role === 'fixed' ? ' in the fixed-effects model matrix' : role === 'random' ? ' in random-effect columns' : ' in offsets';
  let detail = '';
  if (source && column === null) {
    const inputs = inputsAt(source.expr, table, row);
    if (inputs !== '') detail = ` (where ${inputs})`;
  }
  const message = `${what} is ${shown} on ${place}${detail}; lme4 refuses non-finite values${roleText} ("${LME4_SAYS[role]}")`;
  let location: ErrorLocation;
  if (source === null || (column !== null && line !== undefined)) {
    location = line !== undefined ? { kind: 'file', path: table.source, line } : { kind: 'file', path: table.source };
  } else {
    location = at(f, source.span);
  }
  let hint: string;
  if (source !== null && column === null) {
    const e = unwrap(source.expr);
    const logOf = e.kind === 'call' && e.fn === 'log' && e.args.length === 1 ? f.text.slice(e.args[0].value.span.start, e.args[0].value.span.end) : null;
    hint =
      `the expression gives ${shown} there (log() of 0 is -Inf, a division by 0 is ±Inf, exp() or a power can overflow): ` +
      `change the transformation${logOf !== null ? `, e.g. log(${logOf} + 1)` : ''}, or remove such rows from the data; R's na.omit drops rows with NA or NaN, but not ±Inf`;
  } else {
    hint = "lmer needs finite numbers: correct the value, or write NA there so that the row is dropped (R's na.omit drops rows with NA or NaN, but not ±Inf)";
  }
  return new Lmer2JagsError(message, { location, hint });
}

/**
 * A model matrix (X, or a random term's LHS) must be finite. Finds the first observation with a
 * non-finite entry, and the variable of that column's term that is not finite there (or, when
 * every variable is finite, says the product overflows).
 */
function checkFiniteMatrix(
  m: DesignMatrix,
  terms: TermList,
  frame: ModelFrame,
  f: Formula,
  table: DataTable,
  role: 'fixed' | 'random',
  barLabel: string | null,
): void {
  const name = (kind: string, label: string) =>
    barLabel === null ? `the fixed-effects ${kind} '${label}'` : `the ${kind} '${label}' of the random-effects term (${barLabel})`;
  const n = m.nrow;
  let obs = -1;
  let col = -1;
  for (let j = 0; j < m.columns.length; j++) {
    const k = firstNonFinite(m.values.subarray(j * n, obs < 0 ? (j + 1) * n : j * n + obs));
    if (k >= 0) {
      obs = k;
      col = j;
    }
  }
  if (obs < 0) return;
  const value = m.values[col * n + obs];
  const term = terms.terms[m.assign[col] - 1];
  for (const vi of term ? term.vars : []) {
    const v = terms.variables[vi];
    const val = frame.values.get(v.label);
    if (!val || (val.kind !== 'numeric' && val.kind !== 'matrix')) continue;
    const ncol = val.kind === 'matrix' ? val.ncol : 1;
    for (let c = 0; c < ncol; c++) {
      const x = val.values[c * n + obs];
      if (x - x !== 0) throw nonFiniteError(f, table, frame, obs, x, role, name('variable', v.label), v);
    }
  }
  // Every part is finite: their product overflows.
  const span = m.columns[col].span;
  throw new Lmer2JagsError(
    `${name('column', m.columns[col].name)} is ${formatRNumber(value)} on ${rowPlace(table, frame.rowIndex[obs])}: the product of its finite parts overflows; lme4 refuses non-finite values ("${LME4_SAYS[role]}")`,
    { location: at(f, span), hint: 'rescale the variables of this interaction (e.g. divide by 1000), or use scale()' },
  );
}

export function buildModelSpec(formulaText: string, table: DataTable, options: BuildOptions = {}): ModelSpec {
  const f = parseFormula(formulaText);
  if (f.lhs === null) {
    throw new Lmer2JagsError('the formula has no response', {
      location: at(f, { start: 0, end: f.tildeSpan.end }),
      hint: 'put the response before ~, e.g. "y ~ x + (1 | g)"',
    });
  }
  if (f.lhs.kind === 'call' && f.lhs.fn === 'cbind') {
    throw new Lmer2JagsError('cbind() responses are binomial models (glmer), which lmer2jags does not support', {
      location: at(f, f.lhs.span),
      hint: 'model a proportion with lmer, e.g. I(successes / trials) ~ ..., or fit the binomial model with glmer in R',
    });
  }
  const ex = expandFormula(f, { dataNames: table.names });
  if (ex.bars.length === 0) {
    throw new Lmer2JagsError('No random effects terms specified in formula', {
      location: at(f, f.rhs.span),
      hint: 'add a random-effects term such as (1 | group); a model without one is a linear model (lm), not lmer',
    });
  }

  // Every variable the model uses, deduplicated by label: na.omit looks at all of them.
  const byLabel = new Map<string, Variable>();
  const add = (v: Variable) => {
    if (!byLabel.has(v.label)) byLabel.set(v.label, v);
  };
  if (ex.response) add(ex.response);
  ex.fixed.variables.forEach(add);
  for (const bar of ex.bars) {
    bar.lhs.variables.forEach(add);
    bar.group.forEach(add);
  }
  const extra: { weights?: Variable; offset?: Variable } = {};
  for (const key of ['weights', 'offset'] as const) {
    const col = options[key];
    if (col === undefined) continue;
    if (!table.columns.has(col)) {
      throw new Lmer2JagsError(`the ${key} column '${col}' is not in the data`, {
        location: { kind: 'file', path: table.source },
        hint: `columns are: ${table.names.join(', ')}`,
      });
    }
    extra[key] = nameVariable(col, { start: 0, end: 0 });
    add(extra[key] as Variable);
  }
  const frame = buildModelFrame([...byLabel.values()], table, f.text);
  const n = frame.nrow;

  // Response.
  const response = ex.response as Variable;
  const yValue = frame.values.get(response.label) as Value;
  const y = numericValues(yValue);
  if (y === null) {
    const bad = describeNonNumeric(table, response.label, frame, yValue);
    throw new Lmer2JagsError(`the response ${response.label} is not numeric: ${bad.where}`, {
      location: at(f, response.span),
      hint: 'lmer needs a numeric response; fix the data, or pick a numeric column',
    });
  }
  const badY = firstNonFinite(y);
  if (badY >= 0) throw nonFiniteError(f, table, frame, badY, y[badY], 'response', `the response '${response.label}'`, response);

  // Fixed effects.
  const design = modelMatrix(ex.fixed, frame);
  checkFiniteMatrix(design, ex.fixed, frame, f, table, 'fixed', null);
  const ranked = dropRankDeficient(design);
  const messages: string[] = [];
  if (ranked.message) messages.push(ranked.message);
  const X = ranked.matrix;

  // Offsets and weights.
  let offset: Float64Array | null = null;
  const addOffset = (values: Float64Array) => {
    offset ??= new Float64Array(n);
    for (let i = 0; i < n; i++) offset[i] += values[i];
  };
  for (const o of ex.fixed.offsets) {
    const v = frame.values.get(deparse(o)) as Value;
    const vals = numericValues(v);
    if (vals === null) {
      throw new Lmer2JagsError('an offset must be numeric', { location: at(f, o.span), hint: 'offset() takes a numeric variable, e.g. offset(log(exposure))' });
    }
    const bad = firstNonFinite(vals);
    if (bad >= 0) throw nonFiniteError(f, table, frame, bad, vals[bad], 'offset', `the offset '${deparse(o)}'`, { expr: o, span: o.span });
    addOffset(vals);
  }
  if (extra.offset) {
    const vals = numericValues(frame.values.get(extra.offset.label) as Value);
    if (vals === null) {
      throw new Lmer2JagsError(`the offset column '${options.offset}' is not numeric`, { location: { kind: 'file', path: table.source }, hint: 'pick a numeric column' });
    }
    const bad = firstNonFinite(vals);
    if (bad >= 0) throw nonFiniteError(f, table, frame, bad, vals[bad], 'offset', `the offset column '${options.offset}'`, null);
    addOffset(vals);
  }
  if (offset !== null) {
    // Finite offsets can still add up to ±Inf.
    const sum: Float64Array = offset;
    const bad = firstNonFinite(sum);
    if (bad >= 0) {
      throw new Lmer2JagsError(`the sum of the offsets is ${formatRNumber(sum[bad])} on ${rowPlace(table, frame.rowIndex[bad])}; lme4 refuses non-finite values in offsets ("${LME4_SAYS.offset}")`, {
        location: { kind: 'file', path: table.source, ...(table.lineOf ? { line: table.lineOf(frame.rowIndex[bad]) } : {}) },
        hint: 'the offsets are finite but their sum overflows: rescale them',
      });
    }
  }
  let weights: Float64Array | null = null;
  if (extra.weights) {
    const vals = numericValues(frame.values.get(extra.weights.label) as Value);
    let bad = -1;
    if (vals !== null) {
      for (let i = 0; i < n && bad < 0; i++) if (!(vals[i] >= 0 && vals[i] < Infinity)) bad = i;
    }
    if (vals === null || bad >= 0) {
      // lme4: "all(weights >= 0) is not TRUE" for negative weights, "objective in x0 returns NA" for Inf.
      const line = bad >= 0 ? table.lineOf?.(frame.rowIndex[bad]) : undefined;
      const which = vals === null ? '' : `: it is ${formatRNumber(vals[bad])} on ${rowPlace(table, frame.rowIndex[bad])}`;
      throw new Lmer2JagsError(`the weights column '${options.weights}' must hold finite non-negative numbers${which}`, {
        location: { kind: 'file', path: table.source, ...(line !== undefined ? { line } : {}) },
        hint: 'weights are prior weights: larger means more precise observations',
      });
    }
    weights = vals;
  }

  // Random terms.
  let random: RandomTerm[] = ex.bars.map((bar) => {
    const g = groupingFactor(bar.group, bar.groupLabel, frame);
    const Z = modelMatrix(bar.lhs, frame);
    if (Z.columns.length === 0) {
      throw new Lmer2JagsError(`the random-effects term for ${bar.groupLabel} has no columns`, {
        location: at(f, bar.span),
        hint: 'its left side removes everything; write (1 | g) for a random intercept',
      });
    }
    checkFiniteMatrix(Z, bar.lhs, frame, f, table, 'random', bar.label);
    return {
      kind: Z.columns.length === 1 ? 'scalar' : 'vector',
      group: bar.groupLabel,
      label: bar.label,
      factors: bar.group.map((v) => v.label),
      levels: g.levels,
      index: g.index,
      columns: Z.columns,
      Z: Z.values,
      fromDoubleBar: bar.fromDoubleBar,
      span: bar.span,
    } satisfies RandomTerm;
  });

  // lme4 (mkReTrms): reorder by decreasing number of levels when some later term has more.
  const nl = random.map((t) => t.levels.length);
  if (nl.some((v, i) => i > 0 && v > nl[i - 1])) {
    const ascending = nl.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v || a.i - b.i);
    random = ascending.reverse().map(({ i }) => random[i]);
  }

  // lme4's checks (lmerControl defaults: check.nlev.gtr.1, check.nobs.vs.nlev, check.nobs.vs.nRE).
  for (const t of random) {
    if (t.levels.length < 2) {
      throw new Lmer2JagsError('grouping factors must have > 1 sampled level', {
        location: at(f, t.span),
        hint: `${t.group} has ${t.levels.length === 1 ? `only the level "${t.levels[0]}"` : 'no levels'} in the rows used; a random effect needs at least 2 groups`,
      });
    }
  }
  const tooMany = random.filter((t) => t.levels.length >= n).map((t) => t.group);
  if (tooMany.length > 0) {
    throw new Lmer2JagsError(`number of levels of each grouping factor must be < number of observations (problems: ${[...new Set(tooMany)].join(', ')})`, {
      location: at(f, random.find((t) => t.levels.length >= n)!.span),
      hint: 'each group needs several observations; with one observation per group the random effect is confounded with the residual',
    });
  }
  for (const t of random) {
    const q = t.levels.length * t.columns.length;
    if (q >= n) {
      throw new Lmer2JagsError(
        `number of observations (=${n}) <= number of random effects (=${q}) for term (${t.label}); the random-effects parameters and the residual variance (or scale parameter) are probably unidentifiable`,
        { location: at(f, t.span), hint: 'use fewer random-effect columns for this grouping factor, or more data' },
      );
    }
  }

  const yStats = meanSd(y);
  let ymin = Infinity;
  let ymax = -Infinity;
  for (let i = 0; i < n; i++) {
    ymin = Math.min(ymin, y[i]);
    ymax = Math.max(ymax, y[i]);
  }
  const scales: DataScales = {
    response: { ...yStats, min: ymin, max: ymax },
    fixed: X.columns.map((c, j) => {
      const s = meanSd(X.values.subarray(j * n, (j + 1) * n));
      return { name: c.name, mean: s.mean, sd: c.name === '(Intercept)' ? 0 : s.sd };
    }),
  };

  return {
    kind: 'lmm',
    formula: formulaText,
    response: { name: response.label, values: Float64Array.from(y), span: response.span },
    nobs: n,
    fixed: {
      columns: X.columns,
      X: X.values,
      hasIntercept: ex.fixed.intercept,
      dropped: ranked.dropped,
    },
    random,
    offset,
    weights,
    rows: { total: table.nrow, used: n, dropped: frame.dropped, rowIndex: frame.rowIndex },
    scales,
    messages,
  };
}
