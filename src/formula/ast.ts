/**
 * The formula AST: what the peggy grammar (grammar.peggy) produces. Every node carries the
 * span of source text it came from, so any later error can point at it with a caret.
 */
import type { Span } from '../errors.js';

export type { Span };

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '^' | ':'
  | '|' | '||'
  | '==' | '!=' | '<' | '>' | '<=' | '>='
  | '&' | '&&'
  /** `%in%`, `%%`, `%/%` and any other `%op%`: the op text including the percent signs. */
  | `%${string}%`;

export type UnaryOp = '-' | '+' | '!';

export interface NameExpr {
  readonly kind: 'name';
  readonly name: string;
  /** Written as `` `my var` `` in the source. */
  readonly backquoted: boolean;
  readonly span: Span;
}

export interface NumberExpr {
  readonly kind: 'number';
  readonly value: number;
  /** Written with an `L` suffix (R integer). */
  readonly integer: boolean;
  readonly text: string;
  readonly span: Span;
}

export interface StringExpr {
  readonly kind: 'string';
  readonly value: string;
  readonly span: Span;
}

export interface CallArg {
  /** For `name = value` arguments. */
  readonly name: string | null;
  readonly value: Expr;
  readonly span: Span;
}

export interface CallExpr {
  readonly kind: 'call';
  readonly fn: string;
  readonly fnSpan: Span;
  readonly args: readonly CallArg[];
  readonly span: Span;
}

export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly opSpan: Span;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
  readonly span: Span;
}

export interface ParenExpr {
  readonly kind: 'paren';
  readonly expr: Expr;
  readonly span: Span;
}

export type Expr = NameExpr | NumberExpr | StringExpr | CallExpr | BinaryExpr | UnaryExpr | ParenExpr;

export interface Formula {
  readonly kind: 'formula';
  /** The response; null for a one-sided formula (`~ x`). */
  readonly lhs: Expr | null;
  readonly rhs: Expr;
  readonly tildeSpan: Span;
  readonly span: Span;
  /** The whole source text the spans refer to. */
  readonly text: string;
}
