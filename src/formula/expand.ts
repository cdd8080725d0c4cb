/**
 * R's term algebra (terms.formula): `+ : * / %in% ^ -`, `0`/`1`/`-1`, `offset()`, with terms
 * ordered by degree and labelled by variable order, exactly as R's model.c encodes them.
 * A term is a set of variables, held as a bit set (bigint) over the variable list.
 */
import { Lmer2JagsError, assert, type Span } from '../errors.js';
import type { Expr } from './ast.js';
import { deparse } from './deparse.js';
import type { Term, TermList, Variable } from './terms.js';

interface RawTerm {
  readonly bits: bigint;
  readonly span: Span;
}

/** Variables shared between several expansions (the response, the fixed part, the bars). */
export class VariableTable {
  readonly variables: Variable[] = [];
  private readonly byLabel = new Map<string, number>();

  install(expr: Expr): number {
    const label = deparse(expr);
    const known = this.byLabel.get(label);
    if (known !== undefined) return known;
    this.variables.push({ label, expr, span: expr.span });
    this.byLabel.set(label, this.variables.length - 1);
    return this.variables.length - 1;
  }

  indexOf(label: string): number | undefined {
    return this.byLabel.get(label);
  }
}

export interface ExpandOptions {
  /** The formula text the spans point into (for error messages). */
  readonly text: string;
  /** Column names of the data, for `.` (all other columns). */
  readonly dataNames?: readonly string[];
  /** Labels to leave out of `.` (the response). */
  readonly exclude?: readonly string[];
}

/**
 * The most terms one side of a formula may expand to. R's term algebra is exponential
 * (a*b*c*… of k variables is 2^k − 1 terms); past a few thousand columns no mixed model is
 * fitted anyway, and without a bound a short formula could take minutes and gigabytes.
 */
export const MAX_TERMS = 4096;

class Encoder {
  intercept = true;
  interceptSpan: Span | null = null;
  readonly offsets: Expr[] = [];

  constructor(
    readonly vars: VariableTable,
    readonly options: ExpandOptions,
  ) {}

  private fail(message: string, span: Span, hint?: string): never {
    throw new Lmer2JagsError(message, {
      location: { kind: 'text', label: 'formula', text: this.options.text, span },
      ...(hint ? { hint } : {}),
    });
  }

  /** R's EncodeVars: the terms an expression stands for. `keep` is false under a minus. */
  encode(e: Expr, keep: boolean): RawTerm[] {
    switch (e.kind) {
      case 'paren':
        return this.encode(e.expr, keep);
      case 'number':
        if (e.value === 1 || e.value === 0) {
          this.intercept = (e.value === 1) === keep;
          this.interceptSpan = e.span;
          return [];
        }
        return this.fail(`the number ${e.text} cannot be a term`, e.span, 'only 1 (intercept) and 0 or -1 (no intercept) are allowed; for arithmetic on a variable use I(), e.g. I(2 * x)');
      case 'string':
        return this.fail('a string cannot be a term', e.span, 'use a column name (backquote names with spaces: `my var`)');
      case 'name':
        if (e.name === '.' && !e.backquoted) return this.dot(e);
        return [{ bits: 1n << BigInt(this.vars.install(e)), span: e.span }];
      case 'call':
        if (e.fn === 'offset') {
          if (e.args.length !== 1 || e.args[0].name !== null) {
            this.fail('offset() takes one argument', e.span, 'write offset(x) or offset(log(x))');
          }
          if (keep) this.offsets.push(e);
          return [];
        }
        return [{ bits: 1n << BigInt(this.vars.install(e)), span: e.span }];
      case 'unary':
        if (e.op === '+') return this.encode(e.operand, keep);
        if (e.op === '-') {
          // `-x` with nothing before it deletes from nothing; `-1` drops the intercept.
          this.encode(e.operand, !keep);
          return [];
        }
        return this.fail("'!' is not a formula operator", e.span, 'for a logical predictor write I(!x)');
      case 'binary':
        return this.binary(e);
    }
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>): RawTerm[] {
    const span = e.span;
    switch (e.op) {
      case '+':
        return this.bounded(trim([...this.encode(e.left, true), ...this.encode(e.right, true)]), span);
      case '-': {
        const left = this.encode(e.left, true);
        const right = this.encode(e.right, false);
        const gone = new Set(right.map((t) => t.bits));
        return left.filter((t) => !gone.has(t.bits));
      }
      case ':':
        return this.interact(this.encode(e.left, true), this.encode(e.right, true), span);
      case '*': {
        const l = this.encode(e.left, true);
        const r = this.encode(e.right, true);
        return this.bounded(trim([...l, ...r, ...this.interact(l, r, span)]), span);
      }
      case '%in%': {
        const l = this.encode(e.left, true);
        const all = union(this.encode(e.right, true));
        return trim(l.map((t) => ({ bits: t.bits | all, span })));
      }
      case '/': {
        const l = this.encode(e.left, true);
        const all = union(l);
        const r = this.encode(e.right, true);
        return trim([...l, ...r.map((t) => ({ bits: t.bits | all, span }))]);
      }
      case '^': {
        const power = e.right.kind === 'paren' ? e.right.expr : e.right;
        if (power.kind !== 'number' || !Number.isInteger(power.value) || power.value < 1) {
          return this.fail('the power of a term must be a whole number of at least 1', e.right.span, 'e.g. (a + b + c)^2 for all main effects and two-way interactions; for x squared use I(x^2)');
        }
        const base = this.encode(e.left, true);
        let result = base;
        for (let i = 1; i < power.value; i++) {
          const next = this.bounded(trim([...result, ...this.interact(result, base, span)]), span);
          // Past the number of variables in the base the powers add nothing: (a+b)^1e9 = (a+b)^2.
          if (next.length === result.length) break;
          result = next;
        }
        return result;
      }
      case '|':
      case '||':
        return this.fail('a random-effects term must be added to the formula with +', e.span, 'write it in parentheses and add it: y ~ x + (1 | g)');
      default:
        return this.fail(`'${e.op}' is not a formula operator here`, e.opSpan, `to compute a new variable, wrap it in I(): I(${deparse(e)})`);
    }
  }

  /** All products of a left and a right term, refusing an expansion past MAX_TERMS. */
  private interact(left: readonly RawTerm[], right: readonly RawTerm[], span: Span): RawTerm[] {
    if (left.length * right.length > MAX_TERMS * 64) this.tooMany(left.length * right.length, span);
    return this.bounded(interact(left, right, span), span);
  }

  private bounded(terms: RawTerm[], span: Span): RawTerm[] {
    if (terms.length > MAX_TERMS) this.tooMany(terms.length, span);
    return terms;
  }

  private tooMany(count: number, span: Span): never {
    return this.fail(
      `this part of the formula expands to ${count} or more terms (the limit is ${MAX_TERMS})`,
      span,
      'a*b*c*… of k variables makes 2^k − 1 terms: write the interactions you need, e.g. (a + b + c)^2 for main effects and two-way interactions',
    );
  }

  private dot(e: Expr): RawTerm[] {
    const names = this.options.dataNames;
    if (!names) return this.fail("'.' needs a data set to expand to", e.span, 'pass --data FILE, or list the variables');
    const exclude = new Set(this.options.exclude ?? []);
    const out: RawTerm[] = [];
    for (const name of names) {
      const expr: Expr = { kind: 'name', name, backquoted: false, span: e.span };
      if (exclude.has(deparse(expr))) continue;
      out.push({ bits: 1n << BigInt(this.vars.install(expr)), span: e.span });
    }
    return out;
  }
}

function trim(terms: readonly RawTerm[]): RawTerm[] {
  const seen = new Set<bigint>();
  const out: RawTerm[] = [];
  for (const t of terms) {
    if (t.bits === 0n || seen.has(t.bits)) continue;
    seen.add(t.bits);
    out.push(t);
  }
  return out;
}

function interact(left: readonly RawTerm[], right: readonly RawTerm[], span: Span): RawTerm[] {
  const out: RawTerm[] = [];
  for (const l of left) for (const r of right) out.push({ bits: l.bits | r.bits, span });
  return trim(out);
}

function union(terms: readonly RawTerm[]): bigint {
  return terms.reduce((acc, t) => acc | t.bits, 0n);
}

function bitIndices(bits: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; bits > 0n; i++, bits >>= 1n) if (bits & 1n) out.push(i);
  return out;
}

/**
 * Expand one side of a formula (no bars in it) into R's term list. Variables are installed in
 * `vars`, which the caller may share between several expansions so that labels index one list.
 */
export function expandTerms(e: Expr | null, vars: VariableTable, options: ExpandOptions, responseIndex: number | null = null): TermList {
  const enc = new Encoder(vars, options);
  let raw = e === null ? [] : enc.encode(e, true);
  if (responseIndex !== null) {
    const rbits = 1n << BigInt(responseIndex);
    raw = raw.filter((t) => t.bits !== rbits);
  }
  // R orders terms by degree, otherwise keeping their order (a stable sort).
  const ordered = raw
    .map((t, i) => ({ t, i, degree: bitIndices(t.bits).length }))
    .sort((a, b) => a.degree - b.degree || a.i - b.i);
  const used = new Set<number>();
  for (const { t } of ordered) for (const v of bitIndices(t.bits)) used.add(v);
  for (const off of enc.offsets) used.add(vars.install(off));
  // The variables of this term list, in first-appearance order, re-indexed.
  const order = [...used].sort((a, b) => a - b);
  const remap = new Map(order.map((v, i) => [v, i]));
  const variables = order.map((v) => vars.variables[v]);
  const terms: Term[] = ordered.map(({ t }) => {
    const idx = bitIndices(t.bits);
    assert(idx.length > 0, 'empty term survived trim');
    return {
      label: idx.map((v) => vars.variables[v].label).join(':'),
      vars: idx.map((v) => remap.get(v) as number),
      span: t.span,
    };
  });
  return {
    variables,
    terms,
    intercept: enc.intercept,
    interceptSpan: enc.interceptSpan,
    offsets: enc.offsets,
  };
}
