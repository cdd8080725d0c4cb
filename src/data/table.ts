/**
 * The data table every reader (CSV, JSON, R dump) produces: named columns of equal length,
 * typed as R would type them after read.csv / type.convert.
 */
import { formatRNumber } from '../util/rformat.js';

/** A numeric column; NaN marks a missing value (NA). */
export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  readonly values: Float64Array;
  /** Every non-missing value is a whole number (R would read an integer column). */
  readonly integer: boolean;
}

/**
 * A factor: 0-based codes into `levels`, -1 for NA. String columns become factors with R's
 * level order (sorted unique values, see `sortLevels`).
 */
export interface FactorColumn {
  readonly kind: 'factor';
  readonly name: string;
  readonly levels: readonly string[];
  readonly codes: Int32Array;
}

/** A logical column: 1 TRUE, 0 FALSE, -1 NA. */
export interface LogicalColumn {
  readonly kind: 'logical';
  readonly name: string;
  readonly values: Int8Array;
}

export type Column = NumericColumn | FactorColumn | LogicalColumn;

export interface DataTable {
  readonly nrow: number;
  /** Column names in file order. */
  readonly names: readonly string[];
  readonly columns: ReadonlyMap<string, Column>;
  /** Where the table came from (a path, or a description like "simulated"). */
  readonly source: string;
  /**
   * For files with one record per line (CSV): the 1-based file line of each data row, for
   * messages that point at a bad row. Absent for other formats.
   */
  readonly lineOf?: (row: number) => number;
}

const collator = new Intl.Collator('en', { numeric: false, sensitivity: 'variant' });

/**
 * R's sort order for factor levels made from strings (as.factor / factor on a character
 * vector in an English locale): collation like `Intl.Collator("en")`, ties broken by code
 * point so the order is total.
 */
export function compareLevels(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Numeric values as R's as.character prints them, used as factor levels of numeric columns. */
export function numberLabel(x: number): string {
  return formatRNumber(x);
}

/** Build a factor from strings (null = NA) with R's level order. */
export function factorFromStrings(name: string, values: readonly (string | null)[]): FactorColumn {
  const uniq = [...new Set(values.filter((v): v is string => v !== null))].sort(compareLevels);
  const index = new Map(uniq.map((l, i) => [l, i]));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    codes[i] = v === null ? -1 : (index.get(v) as number);
  }
  return { kind: 'factor', name, levels: uniq, codes };
}

/** `factor(x)` of a numeric column: levels are the sorted distinct values, printed as R does. */
export function factorFromNumbers(name: string, values: Float64Array): FactorColumn {
  const uniq = [...new Set(Array.from(values).filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
  const index = new Map(uniq.map((l, i) => [l, i]));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    codes[i] = Number.isNaN(v) ? -1 : (index.get(v) as number);
  }
  return { kind: 'factor', name, levels: uniq.map(numberLabel), codes };
}

/** `factor(x)` of a logical column: levels "FALSE", "TRUE" (those present). */
export function factorFromLogical(name: string, values: Int8Array): FactorColumn {
  const present = [false, false];
  for (const v of values) if (v >= 0) present[v] = true;
  const levels = (['FALSE', 'TRUE'] as const).filter((_, i) => present[i]);
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    codes[i] = v < 0 ? -1 : present[0] ? v : 0;
  }
  return { kind: 'factor', name, levels, codes };
}

export function makeTable(source: string, columns: readonly Column[], lineOf?: (row: number) => number): DataTable {
  const nrow = columns.length === 0 ? 0 : columnLength(columns[0]);
  return {
    nrow,
    names: columns.map((c) => c.name),
    columns: new Map(columns.map((c) => [c.name, c])),
    source,
    ...(lineOf ? { lineOf } : {}),
  };
}

export function columnLength(c: Column): number {
  return c.kind === 'factor' ? c.codes.length : c.values.length;
}

export function isMissing(c: Column, i: number): boolean {
  switch (c.kind) {
    case 'numeric':
      return Number.isNaN(c.values[i]);
    case 'factor':
      return c.codes[i] < 0;
    case 'logical':
      return c.values[i] < 0;
  }
}
