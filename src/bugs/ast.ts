/**
 * The syntax tree of a BUGS model file as JAGS reads it (grammar.peggy builds it).
 *
 *   var x[N, 2], y;                     optional declarations (dimensions)
 *   model {
 *     for (i in 1:N) {                  loops over a range, nested freely
 *       y[i] ~ dnorm(mu[i], tau) T(0,)  stochastic relation, optional truncation
 *       mu[i] <- a + b * x[i]           deterministic relation (also `=`)
 *       logit(p[i]) <- eta[i]           a link function on the left
 *     }
 *   }
 *
 * Every node records where it is in the file (1-based line and column, 0-based offsets).
 */

/** A position range in the model file. */
export interface Loc {
  /** 0-based offsets, [start, end). */
  readonly start: number;
  readonly end: number;
  /** 1-based line and column of `start`. */
  readonly line: number;
  readonly column: number;
}

export type Expr = NumberExpr | VarExpr | CallExpr | UnaryExpr | BinaryExpr;

export interface NumberExpr {
  readonly kind: 'number';
  readonly value: number;
  readonly loc: Loc;
}

/** `name` or `name[i, 1:K, ]`: an index that is null stands for the whole extent. */
export interface VarExpr {
  readonly kind: 'var';
  readonly name: string;
  readonly indices: readonly (IndexExpr | null)[] | null;
  readonly loc: Loc;
}

/** An index: a single value, or a range `lo:hi`. */
export type IndexExpr = { readonly kind: 'at'; readonly expr: Expr; readonly loc: Loc } | RangeExpr;

export interface RangeExpr {
  readonly kind: 'range';
  readonly lo: Expr;
  readonly hi: Expr;
  readonly loc: Loc;
}

export interface CallExpr {
  readonly kind: 'call';
  readonly fn: string;
  readonly fnLoc: Loc;
  readonly args: readonly Expr[];
  readonly loc: Loc;
}

export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: '-' | '+' | '!';
  readonly operand: Expr;
  readonly loc: Loc;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '^' | '>' | '>=' | '<' | '<=' | '==' | '!=' | '&&' | '||' | `%${string}%`;

export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly opLoc: Loc;
  readonly left: Expr;
  readonly right: Expr;
  readonly loc: Loc;
}

export type Relation = ForLoop | StochasticRelation | DeterministicRelation;

export interface ForLoop {
  readonly kind: 'for';
  readonly counter: string;
  readonly counterLoc: Loc;
  readonly range: RangeExpr;
  readonly body: readonly Relation[];
  readonly loc: Loc;
}

/** Bounds of `T(lo, hi)` (truncation) or `I(lo, hi)` (the older censoring form); null = open. */
export interface Bounds {
  readonly kind: 'T' | 'I';
  readonly lower: Expr | null;
  readonly upper: Expr | null;
  readonly loc: Loc;
}

export interface StochasticRelation {
  readonly kind: 'stochastic';
  readonly lhs: VarExpr;
  readonly dist: string;
  readonly distLoc: Loc;
  readonly args: readonly Expr[];
  readonly bounds: Bounds | null;
  readonly loc: Loc;
}

export interface DeterministicRelation {
  readonly kind: 'deterministic';
  readonly lhs: VarExpr;
  /** A link function applied to the left-hand side (`logit(p[i]) <- …`), or null. */
  readonly link: string | null;
  readonly linkLoc: Loc | null;
  readonly rhs: Expr;
  readonly loc: Loc;
}

export interface Declaration {
  readonly name: string;
  readonly dims: readonly Expr[];
  readonly loc: Loc;
}

/** A block the bundled engine does not run (the `data { }` block), kept to refuse it by place. */
export interface OtherBlock {
  readonly kind: string;
  readonly loc: Loc;
}

export interface ModelFile {
  readonly declarations: readonly Declaration[];
  readonly dataBlock: OtherBlock | null;
  readonly relations: readonly Relation[];
  /** Where the `model` keyword is. */
  readonly loc: Loc;
}
