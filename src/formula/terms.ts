/**
 * Expanded terms: what R's terms.formula makes of a formula's right-hand side, plus lme4's
 * random-effects bars. Produced by expand.ts (R's term algebra) and bars.ts (lme4's rules).
 */
import type { Span } from '../errors.js';
import type { Expr } from './ast.js';

/**
 * A variable of the model frame: a bare name (`x`) or a call (`log(x)`, `I(x^2)`,
 * `poly(x, 2)`, `factor(g)`). `label` is R's deparsed text, which model.matrix uses to name
 * columns; two occurrences with the same label are the same variable.
 */
export interface Variable {
  readonly label: string;
  readonly expr: Expr;
  readonly span: Span;
}

/** A term: an interaction of one or more variables (a main effect has one). */
export interface Term {
  /** R's term label: variable labels joined by ":" in variable order, e.g. "recipe:temp". */
  readonly label: string;
  /** Indices into TermList.variables, ascending (R's bit-set order). */
  readonly vars: readonly number[];
  /** Span of the source text that produced this term (first occurrence). */
  readonly span: Span;
}

/** A right-hand side after R's term algebra (no bars in it). */
export interface TermList {
  /** Variables in order of first appearance (R's `variables` attribute, response excluded). */
  readonly variables: readonly Variable[];
  /** Terms ordered by degree, then by first appearance (R's term.labels order). */
  readonly terms: readonly Term[];
  readonly intercept: boolean;
  /** The span that set the intercept (a `0`, `-1` or `1`), for messages. */
  readonly interceptSpan: Span | null;
  /** `offset(...)` expressions, which are not terms. */
  readonly offsets: readonly Expr[];
}

/** A random-effects term `(lhs | group)` as lme4's findbars + expandDoubleVerts leave it. */
export interface Bar {
  /** The LHS (`1`, `x`, `0 + x`, `f`): model.matrix(~ lhs) makes its columns. */
  readonly lhs: TermList;
  /** The grouping factor: its variables (one for `g`, two for `a:b`), in interaction order. */
  readonly group: readonly Variable[];
  /** lme4's name for the grouping factor: "Subject", "cask:batch". */
  readonly groupLabel: string;
  /** The term as lme4 deparses it: "Days | Subject", "0 + x | g", "1 | cask:batch". */
  readonly label: string;
  readonly fromDoubleBar: boolean;
  /** The source span of the `( ... | ... )` (or the whole term it was expanded from). */
  readonly span: Span;
}

export interface ExpandedFormula {
  readonly response: Variable | null;
  /** The fixed-effects part: the RHS with every bar removed (lme4's nobars). */
  readonly fixed: TermList;
  /** Random-effects bars in formula order (lme4 reorders later, by number of levels). */
  readonly bars: readonly Bar[];
}
