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
  /**
   * R would store the column as integers: read.csv reads a column whose every value is written
   * as a whole number within ±2147483647 (no decimal point or exponent) as an integer vector.
   * It matters for factor levels: as.character(100000L) is "100000", of the double 1e5 "1e+05".
   */
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

/**
 * Numeric values as R's as.character prints them, used as factor levels of numeric columns: a
 * double with 15 significant digits in the shorter of fixed and scientific notation ("1e+05"),
 * an integer always in fixed notation ("100000").
 */
export function numberLabel(x: number, integer = false): string {
  return integer ? String(x) : formatRNumber(x);
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

/**
 * factor() of numbers: levels are the sorted distinct values as R's as.character prints them.
 * For a double vector that is 15 significant digits, the shorter of fixed and scientific
 * notation ("1e+05" for 100000), and values that print alike share a level, as in R. For an
 * R integer vector (`integer`: every value whole and within ±2147483647, e.g. a read.csv column
 * of whole numbers) it is always fixed notation: 100000 is "100000".
 */
export function numericLevels(values: Float64Array, integer = false): { levels: string[]; codes: Int32Array } {
  return integerLevels(values, integer ? String : integerLabel) ?? generalLevels(values, integer);
}

/**
 * numericLevels for whole numbers (below 1e15 in size, so distinct values print distinctly) whose
 * range is not much wider than the data: a direct lookup table instead of hashing every value.
 * Null when the values do not qualify.
 */
function integerLevels(values: Float64Array, label: (x: number) => string): { levels: string[]; codes: Int32Array } | null {
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x !== x) continue;
    if (x !== Math.floor(x) || x > 1e15 || x < -1e15) return null;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (!(max >= min) || max - min >= Math.max(4 * n, 1024)) return null;
  const slot = new Int32Array(max - min + 1).fill(-1);
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x === x) slot[x - min] = 0;
  }
  const levels: string[] = [];
  for (let s = 0; s < slot.length; s++) {
    if (slot[s] === 0) {
      slot[s] = levels.length;
      levels.push(label(min + s));
    }
  }
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = values[i];
    codes[i] = x === x ? slot[x - min] : -1;
  }
  return { levels, codes };
}

/**
 * formatRNumber(x) for a whole number below 1e15 in size, without its general machinery:
 * fixed notation unless R's scientific form is narrower ("1e+05" for 100000, "1.2e+07" for
 * 12000000; ties go to fixed).
 */
export function integerLabel(x: number): string {
  const fixed = String(x);
  const neg = x < 0 ? 1 : 0;
  const digits = fixed.length - neg;
  let tz = 0;
  while (tz < digits - 1 && fixed.charCodeAt(fixed.length - 1 - tz) === 48) tz++;
  const nsig = digits - tz;
  const sciWidth = neg + (nsig > 1 ? nsig + 1 : 1) + 4;
  if (neg + digits <= sciWidth) return fixed;
  const d = fixed.slice(neg, neg + nsig);
  return `${neg ? '-' : ''}${d[0]}${nsig > 1 ? `.${d.slice(1)}` : ''}e+${String(digits - 1).padStart(2, '0')}`;
}

function generalLevels(values: Float64Array, integer: boolean): { levels: string[]; codes: Int32Array } {
  const uniq = [...new Set(values)].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const levels: string[] = [];
  const levelOf = new Map<number, number>();
  const labelIndex = new Map<string, number>();
  for (const u of uniq) {
    const label = numberLabel(u, integer);
    let k = labelIndex.get(label);
    if (k === undefined) {
      k = levels.length;
      levels.push(label);
      labelIndex.set(label, k);
    }
    levelOf.set(u, k);
  }
  const codes = Int32Array.from(values, (x) => (Number.isNaN(x) ? -1 : (levelOf.get(x) as number)));
  return { levels, codes };
}

/** `factor(x)` of a numeric column (`integer`: an R integer column, see numericLevels). */
export function factorFromNumbers(name: string, values: Float64Array, integer = false): FactorColumn {
  return { kind: 'factor', name, ...numericLevels(values, integer) };
}

/** factor(f, exclude = NA): keep only the levels that occur, in their order. */
export function dropUnusedLevels<T extends { readonly levels: readonly string[]; readonly codes: Int32Array }>(f: T): T {
  const used = new Uint8Array(f.levels.length);
  for (const c of f.codes) if (c >= 0) used[c] = 1;
  if (used.every((u) => u === 1)) return f;
  const map = new Int32Array(f.levels.length).fill(-1);
  const levels: string[] = [];
  f.levels.forEach((l, i) => {
    if (used[i]) {
      map[i] = levels.length;
      levels.push(l);
    }
  });
  return { ...f, levels, codes: f.codes.map((c) => (c < 0 ? -1 : map[c])) };
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

/**
 * Where a row (0-based) of a table is, for messages: "line 5 of data.csv" when the table knows
 * its file lines (CSV), else "row 4 of the data (data.json)".
 */
export function rowPlace(table: DataTable, row: number): string {
  const line = table.lineOf?.(row);
  return line !== undefined ? `line ${line} of ${table.source}` : `row ${row + 1} of the data (${table.source})`;
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
