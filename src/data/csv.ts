/**
 * CSV → DataTable, read the way R's `read.csv` (default arguments) reads it, typed the way
 * `type.convert` types it. Checked against R 4.2.2:
 *
 * - first record is the header; comma separator; `"` quotes with `""` for a literal quote;
 *   quoted fields may hold commas and line breaks; LF, CRLF or lone CR line ends; the last
 *   line's line end is optional; a UTF-8 byte-order mark is ignored; empty lines are skipped.
 * - a quote may also open inside a field and text may follow a closing quote (`"ab"c` is
 *   `abc`), as R's scanner allows.
 * - missing values: the field `NA` (quoted or not, exact case, no surrounding spaces) is NA
 *   in every column; an empty or all-blank field is NA in numeric and logical columns but
 *   stays the string "" (or the blanks) in a string column.
 * - typing per column: all missing → logical NA; every value one of `T F TRUE FALSE` →
 *   logical (R does not count `true`/`True` as logical); every value an R number (see
 *   `parseRNumber`) → numeric; otherwise strings → factor with R's level order. Quoted
 *   fields are typed like unquoted ones ("12" is the number 12).
 * - names: kept as written (like `check.names = FALSE`, which the project's fixtures use, so
 *   `my var` stays `my var` and is written `` `my var` `` in a formula); unquoted header
 *   names are trimmed; an empty name becomes `X` and a repeated name gets `.1`, `.2`, … as
 *   R's make.unique would.
 * - a header with one field fewer than every data row means the first column holds row
 *   names (what `write.table(sep = ",")` writes): R drops it into row.names, so do we.
 *
 * Deliberate differences from R, in favour of a clear error over a silent guess:
 * - ragged rows are an error (R's `fill = TRUE` pads short rows with NA and silently treats
 *   a consistent extra trailing comma as a row-names column, shifting every column);
 * - numbers are parsed correctly rounded; R's own strtod can differ in the last bit for
 *   some inputs with exponents (e.g. "123.456e-2").
 *
 * The scanner is hand-written over the decoded string: `csv-parse` took about 1.5 s for a
 * 30 MB, 1,000,000-row file before any typing, too close to the 3 s budget (bench/csv-load).
 */

import { Lmer2JagsError, type ErrorLocation } from '../errors.js';
import { type Column, type DataTable, factorFromStrings, makeTable } from './table.js';

/** What `parseCsv` returns: the table and things worth telling the user. */
export interface CsvResult {
  readonly table: DataTable;
  /** Notes such as renamed columns or a row-names column that was dropped. */
  readonly notes: readonly string[];
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
const SPACE = 32;
const TAB = 9;

// ---------------------------------------------------------------------------------------
// Locations

/** The 1-based line and column of `offset` in `text`, and that line's text. */
export function locationAt(path: string, text: string, offset: number): ErrorLocation {
  const at = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { kind: 'file', path, line, column: at - lineStart + 1, lineText: lineTextAt(text, lineStart) };
}

/** The text of the line that starts at `lineStart` (without its line end). */
export function lineTextAt(text: string, lineStart: number): string {
  let end = lineStart;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c === LF || c === CR) break;
    end++;
  }
  return text.slice(lineStart, end);
}

function lineStartOf(text: string, offset: number): number {
  let i = Math.min(offset, text.length);
  while (i > 0) {
    const c = text.charCodeAt(i - 1);
    if (c === LF || c === CR) break;
    i--;
  }
  return i;
}

// ---------------------------------------------------------------------------------------
// Numbers as R's type.convert reads them

/** How `parseRNumber` classified the last field it looked at. */
export const NumberStatus = {
  /** Not a number: the column is not numeric. */
  invalid: 0,
  /** A number that R reads as a double. */
  double: 1,
  /** A decimal integer literal within R's integer range (R would read an integer). */
  integer: 2,
  /** Empty or only blanks: missing in a numeric column. */
  blank: 3,
} as const;

/** Status of the last `parseRNumber` call (kept out of the return value for speed). */
export let numberStatus: number = NumberStatus.invalid;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

function isBlankChar(c: number): boolean {
  // R's isspace in the C locale: space, \t, \n, \v, \f, \r
  return c === SPACE || (c >= 9 && c <= 13);
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Case-insensitive: does text[p, q) equal the lower-case ASCII word `w`? */
function wordIs(text: string, p: number, q: number, w: string): boolean {
  if (q - p !== w.length) return false;
  for (let i = 0; i < w.length; i++) if (lower(text.charCodeAt(p + i)) !== w.charCodeAt(i)) return false;
  return true;
}

/**
 * The number in text[start, end) as R's `type.convert` reads it, or NaN with
 * `numberStatus` = invalid or blank. Accepted (all checked with R 4.2.2): optional blanks
 * around; optional sign; decimal digits with an optional point (`5.`, `.5`) and an optional
 * exponent whose digits may be missing (`1e` and `1e+` read as 1); hexadecimal `0x1A`,
 * `0x1.8p1` (without a `p` exponent R ignores the point: `0x1.8` is 24); `Inf`, `inf`,
 * `Infinity`, `NaN`, `nan` in any case, except that an unsigned word starting with
 * upper-case `NA` (`NAN`) is not a number. Not accepted: `1L`, `1d5`, `1,5`, `e5`, `.`.
 * The bare `NA` is a missing value and handled by the caller.
 */
export function parseRNumber(text: string, start: number, end: number): number {
  let p = start;
  let q = end;
  while (p < q && isBlankChar(text.charCodeAt(p))) p++;
  while (q > p && isBlankChar(text.charCodeAt(q - 1))) q--;
  if (p === q) {
    numberStatus = NumberStatus.blank;
    return NaN;
  }
  numberStatus = NumberStatus.invalid;
  let c = text.charCodeAt(p);
  let negative = false;
  const signed = c === 45 || c === 43;
  if (signed) {
    negative = c === 45;
    p++;
    if (p === q) return NaN;
    c = text.charCodeAt(p);
  }
  const isDigit = c >= 48 && c <= 57;
  if (!isDigit && c !== 46) {
    // Inf / Infinity / NaN, any case; R tests for "NA" (case-sensitive) before the sign.
    if (!signed && c === 78 && text.charCodeAt(p + 1) === 65) return NaN;
    let v: number;
    if (wordIs(text, p, q, 'inf') || wordIs(text, p, q, 'infinity')) v = Infinity;
    else if (wordIs(text, p, q, 'nan')) v = NaN;
    else return NaN;
    numberStatus = NumberStatus.double;
    return negative ? -v : v;
  }
  if (c === 48 && p + 1 < q && lower(text.charCodeAt(p + 1)) === 120) return parseHex(text, p + 2, q, negative);

  // Decimal: digits [. digits] [e|E [sign] digits*]
  const numStart = p;
  let mantissa = 0;
  let sig = 0; // significant digits accumulated (leading zeros skipped)
  let dropped = 0; // digits before the point beyond the exact range
  let fracDigits = 0;
  let anyDigit = false;
  let simple = true; // fits the exact fast path
  while (p < q) {
    c = text.charCodeAt(p);
    if (c < 48 || c > 57) break;
    anyDigit = true;
    if (sig < 15) {
      mantissa = mantissa * 10 + (c - 48);
      if (mantissa !== 0) sig++;
    } else {
      dropped++;
      simple = false;
    }
    p++;
  }
  let hasPoint = false;
  if (p < q && c === 46) {
    hasPoint = true;
    p++;
    while (p < q) {
      c = text.charCodeAt(p);
      if (c < 48 || c > 57) break;
      anyDigit = true;
      if (sig < 15) {
        mantissa = mantissa * 10 + (c - 48);
        if (mantissa !== 0) sig++;
        fracDigits++;
      } else simple = false;
      p++;
    }
  }
  if (!anyDigit) return NaN;
  const mantissaEnd = p;
  let exponent = 0;
  let hasExponent = false;
  let expDigits = false;
  if (p < q && (c === 101 || c === 69)) {
    hasExponent = true;
    p++;
    let expNegative = false;
    if (p < q) {
      c = text.charCodeAt(p);
      if (c === 45 || c === 43) {
        expNegative = c === 45;
        p++;
      }
    }
    while (p < q) {
      c = text.charCodeAt(p);
      if (c < 48 || c > 57) break;
      expDigits = true;
      if (exponent < 100000) exponent = exponent * 10 + (c - 48);
      p++;
    }
    if (expNegative) exponent = -exponent;
  }
  if (p !== q) return NaN;

  if (!hasPoint && !hasExponent && simple) {
    // A decimal integer literal; R's integer range is ±2147483647 (the most negative int is
    // NA), and R reads "3 " (trailing blanks) as a double but " 3" as an integer.
    const v = negative ? 0 - mantissa : mantissa;
    numberStatus = v >= -2147483647 && v <= 2147483647 && q === end ? NumberStatus.integer : NumberStatus.double;
    return v;
  }
  numberStatus = NumberStatus.double;
  const scale = exponent + dropped - fracDigits;
  if (simple && scale >= -22 && scale <= 22) {
    const v = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
    return negative ? -v : v;
  }
  // Long mantissa or large exponent: let the correctly rounded library parser do it.
  let literal = text.slice(numStart, mantissaEnd);
  if (expDigits) literal += `e${exponent}`;
  const v = Number(literal);
  return negative ? -v : v;
}

/** R's hexadecimal numbers, after the `0x`. */
function parseHex(text: string, p: number, q: number, negative: boolean): number {
  let mantissa = 0;
  let fracDigits = 0;
  let consumed = false;
  let inFraction = false;
  let c = 0;
  while (p < q) {
    c = text.charCodeAt(p);
    const l = lower(c);
    let d = -1;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (l >= 97 && l <= 102) d = l - 87;
    else if (c === 46 && !inFraction) {
      inFraction = true;
      consumed = true;
      p++;
      continue;
    } else break;
    consumed = true;
    mantissa = mantissa * 16 + d;
    if (inFraction) fracDigits++;
    p++;
  }
  if (!consumed) return NaN;
  let v = mantissa;
  if (p < q && lower(c) === 112) {
    p++;
    let expNegative = false;
    if (p < q) {
      c = text.charCodeAt(p);
      if (c === 45 || c === 43) {
        expNegative = c === 45;
        p++;
      }
    }
    let exponent = 0;
    while (p < q) {
      c = text.charCodeAt(p);
      if (c < 48 || c > 57) break;
      if (exponent < 100000) exponent = exponent * 10 + (c - 48);
      p++;
    }
    if (expNegative) exponent = -exponent;
    v = mantissa * Math.pow(2, exponent - 4 * fracDigits);
  }
  if (p !== q) return NaN;
  numberStatus = NumberStatus.double;
  return negative ? -v : v;
}

// ---------------------------------------------------------------------------------------
// Scanning

/**
 * Every field of every record, in file order: field k spans text[start[k], end[k]), or, when
 * start[k] < 0, is the unquoted string side[-start[k] - 1] (fields with `""` escapes, text
 * after a closing quote, or CRLF inside quotes).
 */
interface Scan {
  start: Int32Array;
  end: Int32Array;
  side: string[];
  nfield: number;
  /** First field index of each record; recFirst[nrec] = nfield. */
  recFirst: Int32Array;
  /** 1-based file line where each record starts. */
  recLine: Int32Array;
  /** Text offset where each record starts. */
  recPos: Int32Array;
  nrec: number;
}

function grow(a: Int32Array, need: number): Int32Array {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function unterminated(path: string, text: string, openPos: number): Lmer2JagsError {
  const loc = locationAt(path, text, openPos);
  return new Lmer2JagsError(
    `unterminated quoted field: the quote opened at line ${loc.kind === 'file' ? loc.line : '?'} is never closed`,
    {
      location: loc,
      hint: 'close the quoted field with a second `"`; a quote inside a quoted field is written twice (`""`)',
    },
  );
}

/** Result slots of `slowField` (to avoid allocating). */
let slowPos = 0;
let slowLine = 0;

/**
 * A field that needs unescaping: starting at `pos` (the field's first character), with
 * quotes opening anywhere, `""` inside quotes as a literal quote, text after a closing quote
 * appended, CRLF inside quotes read as LF. Sets slowPos (the separator or line end after the
 * field) and slowLine.
 */
function slowField(text: string, pos: number, line: number, path: string): string {
  const n = text.length;
  let out = '';
  let runStart = pos;
  while (pos < n) {
    const c = text.charCodeAt(pos);
    if (c === COMMA || c === LF || c === CR) break;
    if (c !== QUOTE) {
      pos++;
      continue;
    }
    out += text.slice(runStart, pos);
    const openPos = pos;
    pos++;
    runStart = pos;
    for (;;) {
      if (pos >= n) throw unterminated(path, text, openPos);
      const d = text.charCodeAt(pos);
      if (d === QUOTE) {
        out += text.slice(runStart, pos);
        if (text.charCodeAt(pos + 1) === QUOTE) {
          out += '"';
          pos += 2;
          runStart = pos;
          continue;
        }
        pos++;
        runStart = pos;
        break;
      }
      if (d === LF) line++;
      else if (d === CR) {
        out += text.slice(runStart, pos);
        if (text.charCodeAt(pos + 1) === LF) pos++;
        out += '\n';
        line++;
        runStart = pos + 1;
      }
      pos++;
    }
  }
  out += text.slice(runStart, pos);
  slowPos = pos;
  slowLine = line;
  return out;
}

function scanCsv(text: string, path: string): Scan {
  const n = text.length;
  let pos = n > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let cap = Math.max(1024, Math.min(1 << 22, n >> 3));
  let start: Int32Array = new Int32Array(cap);
  let end: Int32Array = new Int32Array(cap);
  let recCap = 1024;
  let recFirst: Int32Array = new Int32Array(recCap);
  let recLine: Int32Array = new Int32Array(recCap);
  let recPos: Int32Array = new Int32Array(recCap);
  const side: string[] = [];
  let nf = 0;
  let nrec = 0;
  let ncol = -1;

  while (pos < n) {
    let c = text.charCodeAt(pos);
    // Empty lines are skipped; so are lines of blanks when there is more than one column
    // (with one column such a line is a blank field, as in R).
    if (c === LF) {
      pos++;
      line++;
      continue;
    }
    if (c === CR) {
      pos++;
      if (pos < n && text.charCodeAt(pos) === LF) pos++;
      line++;
      continue;
    }
    if ((c === SPACE || c === TAB) && ncol !== 1) {
      let p = pos + 1;
      while (p < n && (text.charCodeAt(p) === SPACE || text.charCodeAt(p) === TAB)) p++;
      if (p >= n || text.charCodeAt(p) === LF || text.charCodeAt(p) === CR) {
        pos = p;
        continue;
      }
    }
    if (nrec + 1 >= recCap) {
      recCap *= 2;
      recFirst = grow(recFirst, recCap);
      recLine = grow(recLine, recCap);
      recPos = grow(recPos, recCap);
    }
    recFirst[nrec] = nf;
    recLine[nrec] = line;
    recPos[nrec] = pos;
    nrec++;
    for (;;) {
      if (nf >= cap) {
        cap *= 2;
        start = grow(start, cap);
        end = grow(end, cap);
      }
      c = pos < n ? text.charCodeAt(pos) : -1;
      if (c === QUOTE) {
        const q = text.indexOf('"', pos + 1);
        if (q < 0) throw unterminated(path, text, pos);
        const after = q + 1 < n ? text.charCodeAt(q + 1) : -1;
        let simple = after === COMMA || after === LF || after === CR || after === -1;
        let lines = 0;
        for (let k = pos + 1; k < q; k++) {
          const d = text.charCodeAt(k);
          if (d === LF) lines++;
          else if (d === CR) {
            simple = false;
            break;
          }
        }
        if (simple) {
          start[nf] = pos + 1;
          end[nf] = q;
          nf++;
          line += lines;
          pos = q + 1;
        } else {
          side.push(slowField(text, pos, line, path));
          start[nf] = -side.length;
          end[nf] = 0;
          nf++;
          pos = slowPos;
          line = slowLine;
        }
      } else {
        const s = pos;
        while (pos < n) {
          c = text.charCodeAt(pos);
          if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
          pos++;
        }
        if (pos < n && c === QUOTE) {
          side.push(slowField(text, s, line, path));
          start[nf] = -side.length;
          end[nf] = 0;
          nf++;
          pos = slowPos;
          line = slowLine;
        } else {
          start[nf] = s;
          end[nf] = pos;
          nf++;
        }
      }
      if (pos >= n) break;
      c = text.charCodeAt(pos);
      pos++;
      if (c === COMMA) continue;
      // line end
      if (c === CR && pos < n && text.charCodeAt(pos) === LF) pos++;
      line++;
      break;
    }
    if (ncol < 0) ncol = nf;
  }
  recFirst[nrec] = nf;
  return { start, end, side, nfield: nf, recFirst, recLine, recPos, nrec };
}

/** The header's names as written: unquoted names trimmed of blanks, quoted ones kept. */
function headerNames(text: string, scan: Scan, ncol: number): string[] {
  const rawNames: string[] = [];
  for (let j = 0; j < ncol; j++) {
    const k = scan.recFirst[0] + j;
    const s = scan.start[k];
    const quoted = s > 0 && text.charCodeAt(s - 1) === QUOTE;
    const t = fieldText(text, scan, k);
    rawNames.push(quoted || s < 0 ? t : t.replace(/^[ \t]+|[ \t]+$/g, ''));
  }
  return rawNames;
}

// ---------------------------------------------------------------------------------------
// The fast path: a header, then rows of plain numbers

/**
 * A CSV whose data rows are all plain decimal numbers (optional sign, digits, optional point
 * and exponent; no blanks, quotes, NA or empty fields), each row with the header's number of
 * fields and ending in LF or CRLF: parsed in one pass, each number as parseRNumber parses it
 * (the same arithmetic, so the same bits) and each column typed as typeColumn types it. Null
 * at the first thing that is not so; the general reader then starts over.
 */
function parsePlainNumeric(text: string, path: string): CsvResult | null {
  const n = text.length;
  const bodyStart = text.indexOf('\n') + 1;
  if (bodyStart <= 0 || bodyStart >= n) return null;
  const headerText = text.slice(0, bodyStart);
  // A quoted name may hold a line break, and then the header is not one line.
  let quotes = 0;
  for (let i = 0; i < bodyStart; i++) if (headerText.charCodeAt(i) === QUOTE) quotes++;
  if (quotes % 2 !== 0) return null;
  const headerScan = scanCsv(headerText, path);
  if (headerScan.nrec !== 1) return null;
  const ncol = headerScan.recFirst[1] - headerScan.recFirst[0];
  if (ncol < 2) return null;
  // Room for about as many rows as the first row's length suggests (grown when short).
  const firstEnd = text.indexOf('\n', bodyStart);
  const firstLength = (firstEnd < 0 ? n : firstEnd + 1) - bodyStart;
  let cap = Math.max(16, Math.ceil(((n - bodyStart) / Math.max(1, firstLength)) * 1.1));
  let cols: Float64Array[] = Array.from({ length: ncol }, () => new Float64Array(cap));
  const integer = new Uint8Array(ncol).fill(1);
  const state = { pos: bodyStart, integer: true };
  let row = 0;
  while (state.pos < n) {
    const c0 = text.charCodeAt(state.pos);
    if (c0 === LF || c0 === CR) {
      // Only line ends may follow the last row.
      for (let i = state.pos; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c !== LF && c !== CR) return null;
      }
      break;
    }
    if (row === cap) {
      cap *= 2;
      cols = cols.map((col) => {
        const bigger = new Float64Array(cap);
        bigger.set(col);
        return bigger;
      });
    }
    for (let j = 0; j < ncol; j++) {
      const v = plainNumber(text, state, n);
      if (v !== v) return null;
      cols[j][row] = v;
      if (!state.integer) integer[j] = 0;
      const c = state.pos < n ? text.charCodeAt(state.pos) : LF;
      if (j < ncol - 1) {
        if (c !== COMMA) return null;
        state.pos++;
      } else if (c === LF) state.pos++;
      else if (c === CR && text.charCodeAt(state.pos + 1) === LF) state.pos += 2;
      else if (state.pos < n) return null;
    }
    row++;
  }
  if (row === 0) return null;
  const notes: string[] = [];
  const names = fixNames(headerNames(headerText, headerScan, ncol), notes);
  const columns: Column[] = cols.map((col, j) => ({
    kind: 'numeric',
    name: names[j],
    values: col.length === row ? col : col.slice(0, row),
    integer: integer[j] === 1,
  }));
  const headerLine = 1;
  return { table: makeTable(path, columns, (r) => headerLine + 1 + r), notes };
}

/**
 * The plain number at state.pos (parseRNumber's grammar without blanks, hex or words), moving
 * state.pos past it and setting state.integer; NaN when there is none.
 */
function plainNumber(text: string, state: { pos: number; integer: boolean }, n: number): number {
  let p = state.pos;
  let c = p < n ? text.charCodeAt(p) : -1;
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = ++p < n ? text.charCodeAt(p) : -1;
  }
  const numStart = p;
  let mantissa = 0;
  let sig = 0;
  let dropped = 0;
  let fracDigits = 0;
  let anyDigit = false;
  let simple = true;
  while (c >= 48 && c <= 57) {
    anyDigit = true;
    if (sig < 15) {
      mantissa = mantissa * 10 + (c - 48);
      if (mantissa !== 0) sig++;
    } else {
      dropped++;
      simple = false;
    }
    c = ++p < n ? text.charCodeAt(p) : -1;
  }
  let hasPoint = false;
  if (c === 46) {
    hasPoint = true;
    c = ++p < n ? text.charCodeAt(p) : -1;
    while (c >= 48 && c <= 57) {
      anyDigit = true;
      if (sig < 15) {
        mantissa = mantissa * 10 + (c - 48);
        if (mantissa !== 0) sig++;
        fracDigits++;
      } else simple = false;
      c = ++p < n ? text.charCodeAt(p) : -1;
    }
  }
  if (!anyDigit) return NaN;
  let exponent = 0;
  let hasExponent = false;
  if (c === 101 || c === 69) {
    hasExponent = true;
    c = ++p < n ? text.charCodeAt(p) : -1;
    let expNegative = false;
    if (c === 45 || c === 43) {
      expNegative = c === 45;
      c = ++p < n ? text.charCodeAt(p) : -1;
    }
    let expDigits = false;
    while (c >= 48 && c <= 57) {
      expDigits = true;
      if (exponent < 100000) exponent = exponent * 10 + (c - 48);
      c = ++p < n ? text.charCodeAt(p) : -1;
    }
    // "1e" is 1 to R; leave such rarities to the general reader.
    if (!expDigits) return NaN;
    if (expNegative) exponent = -exponent;
  }
  const end = p;
  state.pos = p;
  if (!hasPoint && !hasExponent && simple) {
    const v = negative ? 0 - mantissa : mantissa;
    state.integer = v >= -2147483647 && v <= 2147483647;
    return v;
  }
  state.integer = false;
  const scale = exponent + dropped - fracDigits;
  if (simple && scale >= -22 && scale <= 22) {
    const v = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
    return negative ? -v : v;
  }
  const v = Number(text.slice(numStart, end));
  return negative ? -v : v;
}

// ---------------------------------------------------------------------------------------
// Names

/**
 * Header names: unquoted names trimmed; an empty name becomes "X"; repeats get ".1", ".2", …
 * skipping names already taken (R's make.unique).
 */
function fixNames(raw: readonly string[], notes: string[]): string[] {
  const base = raw.map((r) => (r === '' ? 'X' : r));
  const taken = new Set(base);
  const seen = new Set<string>();
  const counter = new Map<string, number>();
  const out: string[] = [];
  for (let i = 0; i < base.length; i++) {
    let name = base[i];
    if (seen.has(name)) {
      let k = counter.get(name) ?? 1;
      while (taken.has(`${name}.${k}`)) k++;
      counter.set(name, k + 1);
      name = `${name}.${k}`;
      taken.add(name);
    }
    seen.add(name);
    out.push(name);
    if (name !== raw[i]) {
      notes.push(
        raw[i] === ''
          ? `column ${i + 1} has no name in the header; calling it "${name}"`
          : `column ${i + 1} repeats the name "${raw[i]}"; calling it "${name}"`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Typing

interface FieldSource {
  readonly text: string;
  readonly scan: Scan;
}

function isNA(t: string, s: number, e: number): boolean {
  return e - s === 2 && t.charCodeAt(s) === 78 && t.charCodeAt(s + 1) === 65;
}

/** Numeric column, or null when some field is not an R number. */
function tryNumeric(
  src: FieldSource,
  first: number,
  stride: number,
  nrow: number,
): { values: Float64Array; integer: boolean; present: number } | null {
  const { text, scan } = src;
  const { start, end, side } = scan;
  const values = new Float64Array(nrow);
  let integer = true;
  let present = 0;
  for (let r = 0, k = first; r < nrow; r++, k += stride) {
    let t = text;
    let s = start[k];
    let e = end[k];
    if (s < 0) {
      t = side[-s - 1];
      s = 0;
      e = t.length;
    }
    if (s === e || isNA(t, s, e)) {
      values[r] = NaN;
      continue;
    }
    const v = parseRNumber(t, s, e);
    const st = numberStatus;
    if (st === NumberStatus.invalid) return null;
    if (st === NumberStatus.blank) {
      values[r] = NaN;
      continue;
    }
    if (st !== NumberStatus.integer) integer = false;
    present++;
    values[r] = v;
  }
  return { values, integer, present };
}

function logicalCode(t: string, s: number, e: number): number {
  const len = e - s;
  const c = t.charCodeAt(s);
  if (len === 1) return c === 84 ? 1 : c === 70 ? 0 : -2;
  if (len === 4 && t.startsWith('TRUE', s)) return 1;
  if (len === 5 && t.startsWith('FALSE', s)) return 0;
  return -2;
}

function isBlank(t: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!isBlankChar(t.charCodeAt(i))) return false;
  return true;
}

/** Logical column (T/F/TRUE/FALSE, NA, blanks), or null. */
function tryLogical(src: FieldSource, first: number, stride: number, nrow: number): Int8Array | null {
  const { text, scan } = src;
  const { start, end, side } = scan;
  const values = new Int8Array(nrow);
  for (let r = 0, k = first; r < nrow; r++, k += stride) {
    let t = text;
    let s = start[k];
    let e = end[k];
    if (s < 0) {
      t = side[-s - 1];
      s = 0;
      e = t.length;
    }
    if (s === e || isNA(t, s, e) || isBlank(t, s, e)) {
      values[r] = -1;
      continue;
    }
    const code = logicalCode(t, s, e);
    if (code < 0) return null;
    values[r] = code;
  }
  return values;
}

function stringsOf(src: FieldSource, first: number, stride: number, nrow: number): (string | null)[] {
  const { text, scan } = src;
  const { start, end, side } = scan;
  const out: (string | null)[] = new Array(nrow);
  for (let r = 0, k = first; r < nrow; r++, k += stride) {
    const s = start[k];
    if (s < 0) {
      const str = side[-s - 1];
      out[r] = str === 'NA' ? null : str;
    } else {
      const e = end[k];
      out[r] = isNA(text, s, e) ? null : text.slice(s, e);
    }
  }
  return out;
}

function typeColumn(name: string, src: FieldSource, first: number, stride: number, nrow: number): Column {
  const num = tryNumeric(src, first, stride, nrow);
  if (num && num.present > 0) return { kind: 'numeric', name, values: num.values, integer: num.integer };
  const logical = tryLogical(src, first, stride, nrow);
  if (logical) return { kind: 'logical', name, values: logical };
  return factorFromStrings(name, stringsOf(src, first, stride, nrow));
}

// ---------------------------------------------------------------------------------------
// The reader

function fieldText(text: string, scan: Scan, k: number): string {
  const s = scan.start[k];
  return s < 0 ? scan.side[-s - 1] : text.slice(s, scan.end[k]);
}

function raggedError(text: string, path: string, scan: Scan, r: number, ncol: number, expected: number): Lmer2JagsError {
  const count = scan.recFirst[r + 1] - scan.recFirst[r];
  const line = scan.recLine[r];
  const lineStart = lineStartOf(text, scan.recPos[r]);
  const lineText = lineTextAt(text, lineStart);
  let column: number | undefined;
  if (count > expected) {
    // Point at the first surplus field when it starts on the record's first line.
    const s = scan.start[scan.recFirst[r] + expected];
    if (s > 0 && s - lineStart <= lineText.length) column = s - lineStart + 1;
  } else {
    column = lineText.length + 1;
  }
  const others = expected === ncol ? `the header has ${ncol}` : `the other rows have ${expected}`;
  let multiline = false;
  for (let k = scan.recFirst[r]; k < scan.recFirst[r + 1] && !multiline; k++) multiline = fieldText(text, scan, k).includes('\n');
  const hint = multiline
    ? 'a quoted field in this row runs over several lines: check for a quote that is opened but not closed where intended (a literal quote inside a quoted field is written "")'
    : count > expected
      ? `every row needs exactly ${expected} comma-separated fields; a value that contains a comma must be quoted ("a,b"), and a row must not end with an extra comma`
      : `every row needs exactly ${expected} comma-separated fields; write a missing value as NA or leave it empty between commas (1,,3)`;
  return new Lmer2JagsError(`line ${line} has ${count} field${count === 1 ? '' : 's'} but ${others}`, {
    location: { kind: 'file', path, line, ...(column === undefined ? {} : { column }), lineText },
    hint,
  });
}

/**
 * Parse CSV text (already decoded) into a DataTable; `path` is used in messages only. Files of
 * plain numbers (the common case for large data) take a one-pass fast path that gives the same
 * table; anything else (quotes in the data, NA, strings, blank fields, ragged rows, row names)
 * goes through the general scanner. `general: true` forces the general scanner (for tests).
 */
export function parseCsv(text: string, path: string, options: { general?: boolean } = {}): CsvResult {
  if (!options.general) {
    const fast = parsePlainNumeric(text, path);
    if (fast) return fast;
  }
  const scan = scanCsv(text, path);
  const notes: string[] = [];
  if (scan.nrec === 0) {
    throw new Lmer2JagsError(`${path} is empty: there is no header line`, {
      location: { kind: 'file', path },
      hint: 'a CSV data file starts with a header line of column names, then one line per observation',
    });
  }
  const ncol = scan.recFirst[1] - scan.recFirst[0];
  const headerLine = scan.recLine[0];
  if (scan.nrec === 1) {
    throw new Lmer2JagsError(`${path} has a header line but no data rows`, {
      location: { kind: 'file', path, line: headerLine, lineText: lineTextAt(text, lineStartOf(text, scan.recPos[0])) },
      hint: 'add one line per observation after the header',
    });
  }
  if (ncol === 1 && text.indexOf(',') < 0 && text.indexOf('\t', scan.recPos[0]) >= 0) {
    const lineText = lineTextAt(text, lineStartOf(text, scan.recPos[0]));
    if (lineText.includes('\t')) {
      throw new Lmer2JagsError(`${path} looks tab-separated, not comma-separated`, {
        location: { kind: 'file', path, line: headerLine, lineText },
        hint: 'save the data as comma-separated values (CSV), e.g. write.csv(d, "data.csv", row.names = FALSE) in R',
      });
    }
  }

  // Field counts: all rows must match the header, or all have one more (row names).
  let expected = ncol;
  let rowNames = false;
  const countOf = (r: number): number => scan.recFirst[r + 1] - scan.recFirst[r];
  if (countOf(1) === ncol + 1) {
    let all = true;
    let lastAllEmpty = true;
    for (let r = 1; r < scan.nrec && all; r++) {
      if (countOf(r) !== ncol + 1) all = false;
      else {
        const k = scan.recFirst[r] + ncol;
        if (fieldText(text, scan, k).trim() !== '') lastAllEmpty = false;
      }
    }
    if (all && lastAllEmpty) {
      const line = scan.recLine[1];
      const lineText = lineTextAt(text, lineStartOf(text, scan.recPos[1]));
      throw new Lmer2JagsError(`every data row has an extra empty field at the end (line ${line} has ${ncol + 1} fields but the header has ${ncol})`, {
        location: { kind: 'file', path, line, column: lineText.length, lineText },
        hint: 'remove the trailing comma from each row (R would silently read the first column as row names and shift the others)',
      });
    }
    if (all) {
      rowNames = true;
      expected = ncol + 1;
      notes.push(`the header has one name fewer than the data rows, so the first column is taken as row names and ignored (as read.csv does)`);
    }
  }
  for (let r = 1; r < scan.nrec; r++) {
    if (countOf(r) !== expected) throw raggedError(text, path, scan, r, ncol, expected);
  }

  const names = fixNames(headerNames(text, scan, ncol), notes);

  const nrow = scan.nrec - 1;
  const src: FieldSource = { text, scan };
  const base = scan.recFirst[1] + (rowNames ? 1 : 0);
  const columns: Column[] = [];
  for (let j = 0; j < ncol; j++) columns.push(typeColumn(names[j], src, base + j, expected, nrow));

  const lines = scan.recLine.slice(1, scan.nrec);
  const lineOf = (row: number): number => lines[row];
  return { table: makeTable(path, columns, lineOf), notes };
}
