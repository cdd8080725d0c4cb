/**
 * Evaluated model-frame variables: what `log(x)`, `factor(g)`, `poly(x, 2)`, `I(x > 0)` …
 * evaluate to on a data table. frame.ts produces them; design.ts turns them into columns.
 */

/** A numeric vector (NaN = NA). */
export interface NumericValue {
  readonly kind: 'numeric';
  readonly values: Float64Array;
  /**
   * R holds it as an integer vector (an integer column, or integer arithmetic on one), so
   * factor(x) and a grouping by x label its levels in fixed notation: "100000", not "1e+05".
   */
  readonly integer: boolean;
}

/** A numeric matrix such as poly(x, 2) or scale(x): n × ncol, column-major. */
export interface MatrixValue {
  readonly kind: 'matrix';
  readonly ncol: number;
  readonly values: Float64Array;
  /** Column suffixes model.matrix appends to the variable label ("1", "2" for poly; "" for scale). */
  readonly colnames: readonly string[];
}

/** A factor: 0-based codes (-1 = NA) into levels. */
export interface FactorValue {
  readonly kind: 'factor';
  readonly levels: readonly string[];
  readonly codes: Int32Array;
}

/** A logical vector: 1 TRUE, 0 FALSE, -1 NA. model.matrix codes it like a factor (xTRUE). */
export interface LogicalValue {
  readonly kind: 'logical';
  readonly values: Int8Array;
}

export type Value = NumericValue | MatrixValue | FactorValue | LogicalValue;

export function valueLength(v: Value): number {
  switch (v.kind) {
    case 'numeric':
      return v.values.length;
    case 'matrix':
      return v.ncol === 0 ? 0 : v.values.length / v.ncol;
    case 'factor':
      return v.codes.length;
    case 'logical':
      return v.values.length;
  }
}
