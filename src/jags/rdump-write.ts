/**
 * Writes data and inits files in the "R dump" dialect that JAGS 4.3.1 reads.
 *
 * JAGS's reader is stricter than R: it accepts `name <- 3.5`, `name <- c(1, NA, 2)`,
 * `name <- structure(c(...), .Dim = c(3L, 2L))` and integers with an `L` suffix, but it
 * rejects several things R's own `dump()` writes: `1:3`, `dim = c(...)`, `=` for assignment,
 * `Inf` / `NaN` / `TRUE`, empty vectors `c()`, string vectors, and exponents without a sign
 * (`1e5` is a syntax error, `1e+05` is fine). So we write our own:
 *
 * - every double in its shortest exact form (at most 17 significant digits, parses back to the
 *   same bits), printed fixed or scientific as R would choose for that single number
 *   (`100000` becomes `1e+05`, `0.001` stays `0.001`), exponents always signed and at least
 *   two digits (`2.5e-07`, `1e+300`), and `-0` kept as `-0`;
 * - integers as `5L` (a value beyond R's 32-bit integer range is written as a double, which
 *   JAGS reads the same way since it stores every value as a double);
 * - NA for missing values (NaN in a Float64Array, `null` or NaN in a plain array);
 * - arrays column-major in `structure(c(...), .Dim = c(...L))`;
 * - strings only as scalars (JAGS uses them for `.RNG.name`), double-quoted, no escapes;
 * - names bare when they are plain BUGS names, double-quoted when they start with a dot
 *   (`".RNG.name" <- "base::Mersenne-Twister"`, `".RNG.seed" <- 123`), as the JAGS manual
 *   writes them.
 *
 * Values reach this writer after the data readers have validated them, so a non-finite
 * number or a malformed entry is our bug, reported with `assert` naming the variable.
 */

import { assert } from '../errors.js';

/** One variable of a data or inits file. */
export interface RDumpEntry {
  /** A BUGS variable name (letters, digits, `.`, `_`; not starting with a digit or `_`). */
  readonly name: string;
  /**
   * The values, column-major for arrays. NaN (or `null` in a plain array) is NA.
   * Strings are allowed only as a single scalar value (e.g. `.RNG.name`).
   */
  readonly values: Float64Array | Int32Array | readonly (number | null)[] | readonly string[];
  /** Array extents (column-major). Omit for a vector or a scalar. */
  readonly dim?: readonly number[];
  /**
   * Write whole numbers with the `L` suffix. Defaults to true for an Int32Array and false
   * otherwise; when true every non-missing value must be a whole number.
   */
  readonly integer?: boolean;
}

const PLAIN_NAME = /^[A-Za-z][A-Za-z0-9._]*$/;
const DOTTED_NAME = /^\.[A-Za-z.][A-Za-z0-9._]*$/;
const INT32_MAX = 2147483647;

/** Renders entries as one R-dump text, one `name <- value` line per entry, in the given order. */
export function writeRDump(entries: readonly RDumpEntry[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const entry of entries) {
    assert(!seen.has(entry.name), `R dump: variable "${entry.name}" is written twice`);
    seen.add(entry.name);
    out += `${formatName(entry.name)} <- ${formatValue(entry)}\n`;
  }
  // JAGS 4.3.1 stops with ".RNG.seed supplied but RNG type not set" otherwise.
  assert(!(seen.has('.RNG.seed') || seen.has('.RNG.state')) || seen.has('.RNG.name'),
    'R dump: .RNG.seed / .RNG.state need .RNG.name in the same inits file');
  return out;
}

/** One entry's right-hand side (`3.5`, `c(1, NA)`, `structure(...)`, `"text"`). */
export function formatValue(entry: RDumpEntry): string {
  const { name, values } = entry;
  const n = values.length;
  assert(n > 0, `R dump: variable "${name}" has no values (JAGS cannot read c())`);

  if (isStringArray(values)) {
    assert(n === 1 && (entry.dim === undefined || entry.dim.every((d) => d === 1)),
      `R dump: variable "${name}" is a string vector; JAGS only reads single strings`);
    const s = values[0];
    assert(!/["\\\n\r]/.test(s), `R dump: string value of "${name}" contains a quote, backslash or newline`);
    return `"${s}"`;
  }

  const dim = checkDim(name, n, entry.dim);
  const integer = entry.integer ?? values instanceof Int32Array;
  const parts = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number | null;
    parts[i] = formatElement(name, i, v, integer);
  }
  if (dim === undefined) return n === 1 ? parts[0] : `c(${parts.join(', ')})`;
  return `structure(c(${parts.join(', ')}), .Dim = c(${dim.map((d) => `${d}L`).join(', ')}))`;
}

/** The name as JAGS reads it: bare, or double-quoted when it starts with a dot. */
export function formatName(name: string): string {
  if (PLAIN_NAME.test(name)) return name;
  assert(DOTTED_NAME.test(name), `R dump: "${name}" is not a valid BUGS variable name`);
  return `"${name}"`;
}

/**
 * A finite double in the shortest form that reads back to the same value, chosen between
 * fixed and scientific notation the way R prints a single number (fixed unless scientific
 * is strictly shorter); exponents are signed with at least two digits; -0 stays "-0".
 */
export function formatDouble(x: number): string {
  assert(Number.isFinite(x), `formatDouble: ${x} is not finite`);
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digit string that round-trips.
  const s = Math.abs(x).toExponential();
  const ePos = s.indexOf('e');
  const digits = s.slice(0, ePos).replace('.', '');
  const exp = Number(s.slice(ePos + 1));
  const nd = digits.length;

  let fixed: string;
  if (exp >= 0) {
    fixed = nd <= exp + 1 ? digits + '0'.repeat(exp + 1 - nd) : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    fixed = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const sci = `${digits[0]}${nd > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return sign + (fixed.length <= sci.length ? fixed : sci);
}

function formatElement(name: string, i: number, v: number | null, integer: boolean): string {
  if (v === null || Number.isNaN(v)) return 'NA';
  assert(typeof v === 'number', `R dump: element ${i + 1} of "${name}" is not a number`);
  assert(Number.isFinite(v), `R dump: element ${i + 1} of "${name}" is ${v}; JAGS data must be finite or NA`);
  if (integer) {
    assert(Number.isInteger(v), `R dump: element ${i + 1} of integer variable "${name}" is ${v}, not a whole number`);
    if (Math.abs(v) <= INT32_MAX) return `${v === 0 ? 0 : v}L`;
  }
  return formatDouble(v);
}

function checkDim(name: string, n: number, dim: readonly number[] | undefined): readonly number[] | undefined {
  if (dim === undefined) return undefined;
  assert(dim.length > 0, `R dump: variable "${name}" has an empty dim`);
  let prod = 1;
  for (const d of dim) {
    assert(Number.isInteger(d) && d >= 1 && d <= INT32_MAX, `R dump: variable "${name}" has a bad extent ${d}`);
    prod *= d;
  }
  assert(prod === n, `R dump: variable "${name}" has ${n} values but dim ${dim.join('x')} needs ${prod}`);
  // A one-dimensional array is just a vector to JAGS.
  return dim.length === 1 ? undefined : dim;
}

function isStringArray(values: RDumpEntry['values']): values is readonly string[] {
  return Array.isArray(values) && values.length > 0 && typeof values[0] === 'string';
}
