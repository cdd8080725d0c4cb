/**
 * The IR: ModelSpec, built from formula + data (build.ts). Readonly data with no behaviour;
 * everything downstream (templates, lmer, the sampler, verify) reads only this.
 */
import type { Span } from '../errors.js';

/** One column of a model matrix (fixed X or a random term's LHS), with where it came from. */
export interface MatrixColumn {
  /** R's column name, e.g. "(Intercept)", "Days", "recipeB:temp", "poly(x, 2)1". */
  readonly name: string;
  /** The formula span of the term that made this column. */
  readonly span: Span;
}

export interface FixedEffects {
  /** Column names after the rank check: exactly names(fixef(lmer(...))). */
  readonly columns: readonly MatrixColumn[];
  /** n × p, column-major. */
  readonly X: Float64Array;
  readonly hasIntercept: boolean;
  /** Columns dropped by the rank check, in model.matrix order. */
  readonly dropped: readonly string[];
}

/**
 * A random-effects term `(lhs | group)` after lme4's expansion (`||`, `/`), in lme4's order
 * (decreasing number of levels when it reorders).
 */
export interface RandomTerm {
  /** 'scalar' for a single column (e.g. `(1|g)`), 'vector' for several correlated columns. */
  readonly kind: 'scalar' | 'vector';
  /** lme4's grouping name: "Subject", "cask:batch", "dept:service". */
  readonly group: string;
  /** The term as lme4 deparses it: "Days | Subject", "0 + x | g", "1 | cask:batch". */
  readonly label: string;
  /** The grouping factor's variable names: ["Subject"], ["cask", "batch"]. */
  readonly factors: readonly string[];
  /** Levels in lme4's order (observed combinations only for interactions). */
  readonly levels: readonly string[];
  /** For each observation, its 0-based level index. */
  readonly index: Int32Array;
  /** LHS columns: lme4's cnms, e.g. ["(Intercept)", "Days"]. */
  readonly columns: readonly MatrixColumn[];
  /** n × q LHS model matrix, column-major. */
  readonly Z: Float64Array;
  /** True when the term came from expanding `||`. */
  readonly fromDoubleBar: boolean;
  /** The `( ... | ... )` span in the formula this term came from. */
  readonly span: Span;
}

/** Location and spread of the data, used to scale vague priors. */
export interface DataScales {
  readonly response: { readonly mean: number; readonly sd: number; readonly min: number; readonly max: number };
  /** One entry per fixed-effect column: its SD (0 for the intercept). */
  readonly fixed: readonly { readonly name: string; readonly mean: number; readonly sd: number }[];
}

export interface RowAccounting {
  /** Rows in the data table. */
  readonly total: number;
  /** Rows used (after na.omit). */
  readonly used: number;
  /** Rows dropped for missing values. */
  readonly dropped: number;
  /** 0-based data-table row of each observation. */
  readonly rowIndex: Int32Array;
}

export interface ModelSpec {
  readonly kind: 'lmm';
  /** The formula text as given. */
  readonly formula: string;
  readonly response: { readonly name: string; readonly values: Float64Array; readonly span: Span };
  /** Number of observations used. */
  readonly nobs: number;
  readonly fixed: FixedEffects;
  readonly random: readonly RandomTerm[];
  /** Sum of offset() terms, or null when there is none. */
  readonly offset: Float64Array | null;
  /** Prior weights, or null (all 1). */
  readonly weights: Float64Array | null;
  readonly rows: RowAccounting;
  readonly scales: DataScales;
  /** Messages lme4 would print while building the model (e.g. rank-deficiency drops). */
  readonly messages: readonly string[];
}
