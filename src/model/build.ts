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
import type { Variable } from '../formula/terms.js';
import { buildModelFrame, type ModelFrame } from '../data/frame.js';
import type { DataTable } from '../data/table.js';
import type { Value } from '../data/values.js';
import { dropRankDeficient, groupingFactor, modelMatrix } from './design.js';
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

  // Fixed effects.
  const design = modelMatrix(ex.fixed, frame);
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
    addOffset(vals);
  }
  if (extra.offset) {
    const vals = numericValues(frame.values.get(extra.offset.label) as Value);
    if (vals === null) {
      throw new Lmer2JagsError(`the offset column '${options.offset}' is not numeric`, { location: { kind: 'file', path: table.source }, hint: 'pick a numeric column' });
    }
    addOffset(vals);
  }
  let weights: Float64Array | null = null;
  if (extra.weights) {
    const vals = numericValues(frame.values.get(extra.weights.label) as Value);
    if (vals === null || vals.some((w) => w < 0 || !Number.isFinite(w))) {
      throw new Lmer2JagsError(`the weights column '${options.weights}' must hold finite non-negative numbers`, {
        location: { kind: 'file', path: table.source },
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
