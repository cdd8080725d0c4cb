/**
 * lme4's random-effects rules: find the `( … | … )` terms (findbars), remove them from the
 * fixed part (nobars), expand `||` into one term per column (expandDoubleVerts; a factor on
 * the left stays one block) and `/` in the grouping into nested interactions (expandSlash:
 * `a/b` → `b:a`, `a`).
 */
import { Lmer2JagsError, type Span } from '../errors.js';
import type { BinaryExpr, Expr, Formula } from './ast.js';
import { deparse } from './deparse.js';
import { VariableTable, expandTerms } from './expand.js';
import type { Bar, ExpandedFormula, TermList, Variable } from './terms.js';

function isBar(e: Expr): e is BinaryExpr {
  return e.kind === 'binary' && (e.op === '|' || e.op === '||');
}

function unparen(e: Expr): Expr {
  return e.kind === 'paren' ? unparen(e.expr) : e;
}

/** lme4's nobars: the expression with every bar removed (null when nothing is left). */
export function noBars(e: Expr): Expr | null {
  const inner = unparen(e);
  if (isBar(inner)) return null;
  switch (e.kind) {
    case 'paren': {
      const x = noBars(e.expr);
      return x === null ? null : { ...e, expr: x };
    }
    case 'unary': {
      const x = noBars(e.operand);
      return x === null ? null : { ...e, operand: x };
    }
    case 'binary': {
      const l = noBars(e.left);
      const r = noBars(e.right);
      if (l === null) return r === null ? null : e.op === '-' ? { kind: 'unary', op: '-', operand: r, span: e.span } : r;
      if (r === null) return l;
      return { ...e, left: l, right: r };
    }
    default:
      return e;
  }
}

/** lme4's findbars (before expansion): bars in the order they appear. */
export function findBars(e: Expr): BinaryExpr[] {
  const inner = unparen(e);
  if (isBar(inner)) return [inner];
  switch (e.kind) {
    case 'paren':
      return findBars(e.expr);
    case 'unary':
      return findBars(e.operand);
    case 'binary':
      return [...findBars(e.left), ...findBars(e.right)];
    default:
      return [];
  }
}

/** The grouping expression split by `/` (slashTerms), as a nested list. */
type Slash = Expr | Slash[];

function slashTerms(e: Expr, text: string): Slash {
  const x = unparen(e);
  if (!containsSlash(x)) return x;
  if (x.kind !== 'binary' || x.op !== '/') {
    throw new Lmer2JagsError('cannot read this grouping factor: "/" must join whole factors', {
      location: { kind: 'text', label: 'formula', text, span: x.span },
      hint: 'write (1 | a/b) for b nested in a, or (1 | a:b) for their combinations',
    });
  }
  return [slashTerms(x.left, text), slashTerms(x.right, text)];
}

function containsSlash(e: Expr): boolean {
  switch (e.kind) {
    case 'binary':
      return e.op === '/' || containsSlash(e.left) || containsSlash(e.right);
    case 'paren':
      return containsSlash(e.expr);
    case 'unary':
      return containsSlash(e.operand);
    default:
      return false;
  }
}

/** A grouping expression as a list of factor expressions joined by ':' (left to right). */
type Group = readonly Expr[];

/** lme4's makeInteraction: [[a], b] → b:a then a; deeper nesting recurses. */
function makeInteraction(x: Slash): Group[] {
  if (!Array.isArray(x)) return [flattenColon(x)];
  if (x.length < 2) return x.flatMap(makeInteraction);
  const first = makeInteraction(x[0]);
  const inner = first[0];
  const rest = x.slice(1).flatMap((y) => (Array.isArray(y) ? makeInteraction(y)[0] : flattenColon(y)));
  return [[...rest, ...inner], ...first];
}

function flattenColon(e: Expr): Expr[] {
  const x = unparen(e);
  if (x.kind === 'binary' && x.op === ':') return [...flattenColon(x.left), ...flattenColon(x.right)];
  return [x];
}

function groupVariables(group: Group): Variable[] {
  return group.map((g) => ({ label: deparse(g), expr: g, span: g.span }));
}

function emptySide(span: Span): TermList {
  return { variables: [], terms: [], intercept: false, interceptSpan: span, offsets: [] };
}

export interface ExpandFormulaOptions {
  readonly dataNames?: readonly string[];
}

/** The whole formula: response, fixed terms (R's algebra on nobars), and lme4's bars. */
export function expandFormula(f: Formula, options: ExpandFormulaOptions = {}): ExpandedFormula {
  const text = f.text;
  const fixedVars = new VariableTable();
  const responseIndex = f.lhs ? fixedVars.install(f.lhs) : null;
  const response = responseIndex === null ? null : fixedVars.variables[responseIndex];
  const exclude = response ? [response.label] : [];
  const fixedExpr = noBars(f.rhs);
  // lme4: a RHS of bars only is the intercept-only fixed model.
  const fixed = expandTerms(fixedExpr ?? { kind: 'number', value: 1, integer: false, text: '1', span: f.rhs.span }, fixedVars, {
    text,
    ...(options.dataNames ? { dataNames: options.dataNames } : {}),
    exclude,
  }, responseIndex);

  const bars: Bar[] = [];
  for (const bar of findBars(f.rhs)) {
    const groups = makeInteraction(slashTerms(bar.right, text));
    const lhsVars = new VariableTable();
    const lhs = expandTerms(bar.left, lhsVars, { text });
    if (lhs.offsets.length > 0) {
      throw new Lmer2JagsError('offset() cannot be part of a random-effects term', {
        location: { kind: 'text', label: 'formula', text, span: (lhs.offsets[0] as Expr).span },
        hint: 'move offset(...) to the fixed part: y ~ x + offset(z) + (1 | g)',
      });
    }
    for (const group of groups) {
      const groupLabel = group.map(deparse).join(':');
      const vars = groupVariables(group);
      if (bar.op === '|') {
        bars.push({ lhs, group: vars, groupLabel, label: `${deparse(bar.left)} | ${groupLabel}`, fromDoubleBar: false, span: bar.span });
        continue;
      }
      // `||`: (1 | g) if the LHS has an intercept, then (0 + term | g) for each term label.
      if (lhs.intercept) {
        bars.push({
          lhs: { ...emptySide(bar.span), intercept: true, interceptSpan: null },
          group: vars,
          groupLabel,
          label: `1 | ${groupLabel}`,
          fromDoubleBar: true,
          span: bar.span,
        });
      }
      for (const term of lhs.terms) {
        bars.push({
          lhs: {
            variables: term.vars.map((v) => lhs.variables[v]),
            terms: [{ label: term.label, vars: term.vars.map((_, i) => i), span: term.span }],
            intercept: false,
            interceptSpan: null,
            offsets: [],
          },
          group: vars,
          groupLabel,
          label: `0 + ${term.label} | ${groupLabel}`,
          fromDoubleBar: true,
          span: bar.span,
        });
      }
    }
  }
  return { response, fixed, bars };
}
