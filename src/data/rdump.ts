/**
 * Reads "R dump" files: the data/inits format JAGS reads, and everything R's own `dump()`
 * writes for vectors, arrays, factors and data frames (R 4.2.2), which JAGS rejects but we
 * accept:
 *
 *   x <- c(1.5, 2, NA, -3e-10, Inf)        name = value, "name" <- value, `my var` <- value
 *   grp <-                                  line breaks anywhere; # comments
 *   c(1L, 1L, 2L)
 *   r <- 1:10                               integer ranges (also -3:3, 5:2)
 *   m <- structure(1:6, .Dim = c(2L, 3L))   or dim = 2:3 (column-major, as R stores arrays)
 *   f <- structure(c(2L, 1L), levels = c("a", "b"), class = "factor")
 *   d <- structure(list(x = ..., g = ...), class = "data.frame", row.names = c(NA, -3L))
 *   ".RNG.name" <- "base::Mersenne-Twister"
 *
 * A data frame's columns become variables of their own (as if attached). A hand-written
 * recursive-descent parser; errors point at line:column.
 */

import { Lmer2JagsError, type ErrorLocation } from '../errors.js';
import { locationAt } from './csv.js';
import { type Column, type DataTable, factorFromStrings, makeTable, numberLabel } from './table.js';

/** R's storage type of a dumped vector (a factor is an integer vector with levels). */
export type RType = 'logical' | 'integer' | 'double' | 'character' | 'factor';

/** One variable of an R dump file. */
export interface RDumpValue {
  readonly type: RType;
  /**
   * Column-major values. Numbers (double, integer, logical as 1/0, factor as 1-based codes)
   * in a Float64Array with NaN for NA; strings as an array with null for NA.
   */
  readonly values: Float64Array | readonly (string | null)[];
  /** Array extents from `.Dim` / `dim`, or null for a plain vector. */
  readonly dim: readonly number[] | null;
  /** Stored as integers in R (`1L`, `1:3`, a factor's codes). */
  readonly integer: boolean;
  /** A factor's levels, in R's order; null otherwise. */
  readonly levels: readonly string[] | null;
  /** The 1-based line of the assignment (for messages). */
  readonly line: number;
}

/** Variables by name, in file order. */
export type RDumpData = ReadonlyMap<string, RDumpValue>;

/** A variable `rdumpToTable` did not turn into a column, and why. */
export interface SkippedVariable {
  readonly name: string;
  readonly length: number;
  readonly reason: string;
}

export interface RDumpTable {
  readonly table: DataTable;
  readonly skipped: readonly SkippedVariable[];
}

// ---------------------------------------------------------------------------------------
// Values while parsing

type VType = 'null' | 'logical' | 'integer' | 'double' | 'character';
const RANK: Record<VType, number> = { null: 0, logical: 1, integer: 2, double: 3, character: 4 };

interface Vec {
  readonly kind: 'vec';
  type: VType;
  /** numbers for null/logical/integer/double; strings for character */
  nums: number[] | Float64Array | null;
  strs: (string | null)[] | null;
  dim: number[] | null;
  levels: string[] | null;
  factor: boolean;
}

interface RList {
  readonly kind: 'list';
  readonly names: (string | null)[];
  readonly items: RObj[];
  /** offsets of the items, for messages */
  readonly at: number[];
  dataFrame: boolean;
}

type RObj = Vec | RList;

function vecOf(type: VType, nums: number[] | Float64Array | null, strs: (string | null)[] | null = null): Vec {
  return { kind: 'vec', type, nums, strs, dim: null, levels: null, factor: false };
}

function vecLength(v: Vec): number {
  return v.type === 'character' ? (v.strs as (string | null)[]).length : v.type === 'null' ? 0 : (v.nums as ArrayLike<number>).length;
}

function toStrings(v: Vec): (string | null)[] {
  if (v.type === 'character') return v.strs as (string | null)[];
  const nums = v.nums as ArrayLike<number>;
  const out: (string | null)[] = new Array(nums.length);
  for (let i = 0; i < nums.length; i++) {
    const x = nums[i];
    // NA and NaN are both NaN here; as character both become NA.
    if (Number.isNaN(x)) out[i] = null;
    else if (v.factor && v.levels) out[i] = v.levels[x - 1] ?? null;
    else if (v.type === 'logical') out[i] = x ? 'TRUE' : 'FALSE';
    else out[i] = numberLabel(x, v.type === 'integer'); // c(100000L, "a") is "100000", c(1e5, "a") "1e+05"
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Lexer

const enum Tok {
  EOF,
  Name,
  Str,
  Num,
  Arrow, // <-
  Eq, // =
  LParen,
  RParen,
  Comma,
  Colon,
  Minus,
  Plus,
  Semi,
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c > 127;
}

function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

class Parser {
  private pos = 0;
  // current token
  tok: Tok = Tok.EOF;
  start = 0;
  end = 0;
  num = 0;
  isInt = false;
  str = '';
  /** the current token was a `backquoted` name */
  quotedName = false;

  /** The current token's kind (a call, so that narrowing does not survive `next()`). */
  kind(): Tok {
    return this.tok;
  }

  constructor(
    readonly text: string,
    readonly path: string,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.next();
  }

  fail(message: string, offset: number, hint: string): never {
    throw new Lmer2JagsError(message, { location: this.loc(offset), hint });
  }

  private cursorPos = 0;
  private cursorLine = 1;

  /** The 1-based line of `offset`; offsets must come in increasing order (statements). */
  lineAt(offset: number): number {
    const t = this.text;
    for (let i = this.cursorPos; i < offset; i++) {
      const c = t.charCodeAt(i);
      if (c === 10 || (c === 13 && t.charCodeAt(i + 1) !== 10)) this.cursorLine++;
    }
    this.cursorPos = Math.max(this.cursorPos, offset);
    return this.cursorLine;
  }

  loc(offset: number): ErrorLocation {
    return locationAt(this.path, this.text, offset);
  }

  /** What the current token looks like, for messages. */
  describe(): string {
    if (this.kind() === Tok.EOF) return 'the end of the file';
    return `'${this.text.slice(this.start, Math.min(this.end, this.start + 30))}'`;
  }

  next(): void {
    const t = this.text;
    const n = t.length;
    let p = this.pos;
    // blanks and comments
    for (;;) {
      while (p < n) {
        const c = t.charCodeAt(p);
        if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 0xa0) p++;
        else break;
      }
      if (p < n && t.charCodeAt(p) === 35) {
        while (p < n && t.charCodeAt(p) !== 10 && t.charCodeAt(p) !== 13) p++;
        continue;
      }
      break;
    }
    this.start = p;
    this.quotedName = false;
    if (p >= n) {
      this.tok = Tok.EOF;
      this.end = this.pos = p;
      return;
    }
    const c = t.charCodeAt(p);
    if (isDigit(c) || (c === 46 && isDigit(t.charCodeAt(p + 1)))) {
      this.lexNumber(p);
      return;
    }
    if (isIdentStart(c)) {
      let q = p + 1;
      while (q < n && isIdentChar(t.charCodeAt(q))) q++;
      this.tok = Tok.Name;
      this.str = t.slice(p, q);
      this.end = this.pos = q;
      return;
    }
    switch (c) {
      case 34: // "
      case 39: // '
        this.lexString(p, c);
        return;
      case 96: {
        // `name`
        const q = t.indexOf('`', p + 1);
        if (q < 0) this.fail('unterminated backquoted name', p, 'close the name with a second backquote: `my var`');
        this.tok = Tok.Name;
        this.str = t.slice(p + 1, q);
        this.quotedName = true;
        this.end = this.pos = q + 1;
        return;
      }
      case 60: // <
        if (t.charCodeAt(p + 1) === 45) return this.punct(Tok.Arrow, p, 2);
        if (t.startsWith('<<-', p)) return this.punct(Tok.Arrow, p, 3);
        break;
      case 61:
        if (t.charCodeAt(p + 1) !== 61) return this.punct(Tok.Eq, p, 1);
        break;
      case 40:
        return this.punct(Tok.LParen, p, 1);
      case 41:
        return this.punct(Tok.RParen, p, 1);
      case 44:
        return this.punct(Tok.Comma, p, 1);
      case 58:
        return this.punct(Tok.Colon, p, 1);
      case 45:
        return this.punct(Tok.Minus, p, 1);
      case 43:
        return this.punct(Tok.Plus, p, 1);
      case 59:
        return this.punct(Tok.Semi, p, 1);
      default:
        break;
    }
    const ch = String.fromCodePoint(t.codePointAt(p) as number);
    this.fail(
      `unexpected character '${ch}' in R dump data`,
      p,
      'an R dump file holds assignments like x <- c(1.5, 2, NA); anything else (expressions, function calls other than c(), structure(), list(), numeric(0)) is not data',
    );
  }

  private punct(tok: Tok, p: number, len: number): void {
    this.tok = tok;
    this.end = this.pos = p + len;
  }

  private lexNumber(p: number): void {
    const t = this.text;
    const n = t.length;
    let q = p;
    let value: number;
    if (t.charCodeAt(q) === 48 && (t.charCodeAt(q + 1) | 32) === 120) {
      q += 2;
      const hs = q;
      while (q < n && /[0-9a-fA-F]/.test(t[q])) q++;
      if (q === hs) this.fail('a hexadecimal number needs digits after 0x', p, 'write the number in decimal, e.g. 26 for 0x1A');
      value = parseInt(t.slice(hs, q), 16);
    } else {
      while (q < n && isDigit(t.charCodeAt(q))) q++;
      if (t.charCodeAt(q) === 46) {
        q++;
        while (q < n && isDigit(t.charCodeAt(q))) q++;
      }
      const c = t.charCodeAt(q);
      if (c === 101 || c === 69) {
        let r = q + 1;
        if (t.charCodeAt(r) === 43 || t.charCodeAt(r) === 45) r++;
        if (!isDigit(t.charCodeAt(r))) {
          this.fail(`malformed number '${t.slice(p, r)}': the exponent has no digits`, p, 'write exponents with digits, e.g. 1e-05 or 2.5E+3');
        }
        while (r < n && isDigit(t.charCodeAt(r))) r++;
        q = r;
      }
      value = Number(t.slice(p, q));
    }
    let isInt = false;
    const suffix = t.charCodeAt(q);
    if (suffix === 76) {
      // L: an integer when the value is whole and in range (R makes 1.5L a double)
      q++;
      isInt = Number.isInteger(value) && Math.abs(value) <= 2147483647;
    } else if (suffix === 105) {
      this.fail(`complex number '${t.slice(p, q + 1)}' is not supported`, p, 'data must be real numbers, strings or logical values');
    }
    if (q < n && isIdentChar(t.charCodeAt(q))) {
      let r = q;
      while (r < n && isIdentChar(t.charCodeAt(r))) r++;
      this.fail(`malformed number '${t.slice(p, r)}'`, p, 'numbers look like 3, -1.5, 2e-04, 1e+05 or 7L (integer)');
    }
    this.tok = Tok.Num;
    this.num = value;
    this.isInt = isInt;
    this.end = this.pos = q;
  }

  private lexString(p: number, quote: number): void {
    const t = this.text;
    const n = t.length;
    let q = p + 1;
    let out = '';
    let run = q;
    for (;;) {
      if (q >= n) this.fail('unterminated string', p, `close the string with a matching ${String.fromCharCode(quote)}`);
      const c = t.charCodeAt(q);
      if (c === quote) break;
      if (c !== 92) {
        q++;
        continue;
      }
      out += t.slice(run, q);
      const e = t[q + 1];
      let len = 2;
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
          const m = /^[0-7]{1,3}/.exec(t.slice(q + 1, q + 4)) as RegExpExecArray;
          out += String.fromCharCode(parseInt(m[0], 8));
          len = 1 + m[0].length;
          break;
        }
        case 'a':
          out += '\x07';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case '\\':
        case '"':
        case "'":
        case '`':
        case ' ':
          out += e;
          break;
        case '\n':
          out += '\n';
          break;
        case 'x': {
          const m = /^[0-9a-fA-F]{1,2}/.exec(t.slice(q + 2, q + 4));
          if (!m) this.fail('\\x must be followed by hexadecimal digits', q, 'write e.g. \\x41 for "A"');
          out += String.fromCharCode(parseInt(m[0], 16));
          len = 2 + m[0].length;
          break;
        }
        case 'u':
        case 'U': {
          const max = e === 'u' ? 4 : 8;
          const braced = t[q + 2] === '{';
          const from = q + (braced ? 3 : 2);
          const m = new RegExp(`^[0-9a-fA-F]{1,${max}}`).exec(t.slice(from, from + max));
          if (!m || (braced && t[from + m[0].length] !== '}')) {
            this.fail(`\\${e} must be followed by hexadecimal digits`, q, 'write e.g. \\u00e9 for "é"');
          }
          const cp = parseInt(m[0], 16);
          if (cp > 0x10ffff) this.fail(`\\${e}${m[0]} is not a Unicode character`, q, 'use a code point up to 10FFFF');
          out += String.fromCodePoint(cp);
          len = (braced ? 3 : 2) + m[0].length + (braced ? 1 : 0);
          break;
        }
        default:
          this.fail(`unknown escape '\\${e ?? ''}' in a string`, q, 'R strings allow \\n, \\t, \\\\, \\", \\\', \\xhh and \\uhhhh escapes');
      }
      q += len;
      run = q;
    }
    out += t.slice(run, q);
    this.tok = Tok.Str;
    this.str = out;
    this.end = this.pos = q + 1;
  }

  // -------------------------------------------------------------------------------------
  // Grammar

  expect(tok: Tok, what: string, hint: string): void {
    if (this.kind() !== tok) this.fail(`expected ${what} but found ${this.describe()}`, this.start, hint);
    this.next();
  }

  /** program := (target ('<-' | '=') value ';'*)* */
  program(): Map<string, RDumpValue> {
    const out = new Map<string, RDumpValue>();
    const lines = new Map<string, { line: number; what: string }>();
    let first = true;
    while (this.kind() !== Tok.EOF) {
      if (this.kind() === Tok.Semi) {
        this.next();
        continue;
      }
      const at = this.start;
      if (first && this.kind() === Tok.Name && this.str === 'list' && !this.quotedName) {
        this.fail(
          'this looks like a BUGS data list (list(...)), not an R dump',
          at,
          'write one assignment per variable, e.g. y <- c(1.2, 0.7) and N <- 2L; note that BUGS fills arrays row-major, R dump column-major',
        );
      }
      first = false;
      if (this.kind() !== Tok.Name && this.kind() !== Tok.Str) {
        this.fail(
          `expected a variable name but found ${this.describe()}`,
          at,
          'each statement of an R dump file assigns one variable: name <- value',
        );
      }
      const name = this.str;
      const nameTok = this.tok;
      this.next();
      if (this.kind() !== Tok.Arrow && this.kind() !== Tok.Eq) {
        this.fail(
          `expected '<-' after ${nameTok === Tok.Str ? JSON.stringify(name) : name} but found ${this.describe()}`,
          this.start,
          'each statement of an R dump file assigns one variable: name <- value',
        );
      }
      this.next();
      const valueAt = this.start;
      const value = this.value();
      const lineNo = this.lineAt(at);
      if (value.kind === 'list') {
        if (!value.dataFrame) {
          this.fail(
            `${name} is a list; only vectors, arrays, factors and data frames can be read`,
            valueAt,
            'dump the list elements as separate variables',
          );
        }
        for (let i = 0; i < value.items.length; i++) {
          const col = value.names[i];
          const item = value.items[i];
          if (col === null || col === '') this.fail(`a column of data frame ${name} has no name`, value.at[i], 'name every column');
          if (item.kind !== 'vec' || (item.dim !== null && item.dim.length > 1)) {
            this.fail(`column ${col} of data frame ${name} is not a vector`, value.at[i], 'data frame columns must be plain vectors or factors');
          }
          this.define(out, lines, col, item, lineNo, value.at[i], `column ${col} of data frame ${name}`);
        }
        const lengths = new Set(value.items.map((v) => vecLength(v as Vec)));
        if (lengths.size > 1) this.fail(`the columns of data frame ${name} have different lengths`, valueAt, 'every column needs one value per row');
      } else {
        this.define(out, lines, name, value, lineNo, at, name);
      }
    }
    return out;
  }

  private define(
    out: Map<string, RDumpValue>,
    lines: Map<string, { line: number; what: string }>,
    name: string,
    v: Vec,
    line: number,
    at: number,
    what: string,
  ): void {
    const prev = lines.get(name);
    if (prev !== undefined) {
      this.fail(
        `variable ${name} is defined twice: ${where(prev.what, prev.line)} and ${where(what, line)}`,
        at,
        'keep one definition per variable (a data frame\'s columns count as variables)',
      );
    }
    lines.set(name, { line, what });
    function where(w: string, l: number): string {
      return w === name ? `on line ${l}` : `as ${w} on line ${l}`;
    }
    out.set(name, finish(v, line));
  }

  /** value := unary (':' unary)? */
  value(): RObj {
    const at = this.start;
    const left = this.unary();
    if (this.kind() !== Tok.Colon) return left;
    this.next();
    const rightAt = this.start;
    const right = this.unary();
    return this.range(left, right, at, rightAt);
  }

  private range(a: RObj, b: RObj, at: number, bAt: number): Vec {
    const from = this.scalarNumber(a, at, 'the start of a range a:b');
    const to = this.scalarNumber(b, bAt, 'the end of a range a:b');
    const count = Math.floor(Math.abs(to - from) + 1e-10) + 1;
    if (count > 1e8) this.fail(`the range ${from}:${to} is too long`, at, 'write the values with c(...)');
    const step = to >= from ? 1 : -1;
    const nums = new Array<number>(count);
    for (let i = 0; i < count; i++) nums[i] = from + i * step;
    const integer = Number.isInteger(from) && Math.abs(from) <= 2147483647 && Math.abs(from + (count - 1) * step) <= 2147483647;
    return vecOf(integer ? 'integer' : 'double', nums);
  }

  private scalarNumber(v: RObj, at: number, what: string): number {
    if (v.kind !== 'vec' || v.factor || v.type === 'character' || v.type === 'null' || vecLength(v) !== 1) {
      this.fail(`${what} must be a single number`, at, 'write ranges like 1:10 or -3:3');
    }
    const x = (v.nums as ArrayLike<number>)[0];
    if (!Number.isFinite(x)) this.fail(`${what} must be a finite number`, at, 'write ranges like 1:10 or -3:3');
    return x;
  }

  /** unary := ('-' | '+') unary | primary */
  private unary(): RObj {
    if (this.kind() === Tok.Minus || this.kind() === Tok.Plus) {
      const negate = this.kind() === Tok.Minus;
      const at = this.start;
      this.next();
      return this.applySign(negate, at, this.unary());
    }
    return this.primary();
  }

  /** Unary minus or plus on a parsed value (numbers and logicals only, as in R). */
  private applySign(negate: boolean, at: number, v: RObj): Vec {
    if (v.kind !== 'vec' || v.type === 'character' || v.factor || v.type === 'null') {
      this.fail(`cannot apply unary ${negate ? '-' : '+'} to this value`, at, 'only numbers can be negated');
    }
    if (!negate) return v;
    const src = v.nums as ArrayLike<number>;
    const nums = new Array<number>(src.length);
    // R keeps the sign of a double zero (-0); integers have no -0.
    if (v.type === 'double') for (let i = 0; i < src.length; i++) nums[i] = -src[i];
    else for (let i = 0; i < src.length; i++) nums[i] = 0 - src[i];
    const out = vecOf(v.type === 'logical' ? 'integer' : v.type, nums);
    out.dim = v.dim;
    return out;
  }

  /** primary := number | string | constant | call | '(' value ')' */
  private primary(): RObj {
    const at = this.start;
    switch (this.tok) {
      case Tok.Num: {
        const v = vecOf(this.isInt ? 'integer' : 'double', [this.num]);
        this.next();
        return v;
      }
      case Tok.Str: {
        const v = vecOf('character', null, [this.str]);
        this.next();
        return v;
      }
      case Tok.LParen: {
        this.next();
        const v = this.value();
        this.expect(Tok.RParen, "')'", 'close the parenthesis');
        return v;
      }
      case Tok.Name: {
        const name = this.str;
        if (!this.quotedName) {
          const constant = CONSTANTS.get(name);
          if (constant) {
            this.next();
            return constant();
          }
        }
        this.next();
        if (this.kind() !== Tok.LParen) {
          this.fail(
            `unexpected name '${name}' where a value was expected`,
            at,
            'values are numbers, strings, NA, TRUE/FALSE, Inf, NaN, c(...), structure(...) or a:b; R dump data cannot refer to other variables',
          );
        }
        return this.call(name, at);
      }
      default:
        this.fail(
          `expected a value but found ${this.describe()}`,
          at,
          'values are numbers, strings, NA, TRUE/FALSE, Inf, NaN, c(...), structure(...) or a:b',
        );
    }
  }

  /** args := '(' (arg (',' arg)*)? ')' ; arg := ((name | string) '=')? value */
  private args(fn: string): { names: (string | null)[]; values: RObj[]; at: number[] } {
    const openAt = this.start;
    this.expect(Tok.LParen, "'('", 'a call needs parentheses');
    const names: (string | null)[] = [];
    const values: RObj[] = [];
    const at: number[] = [];
    if (this.kind() === Tok.RParen) {
      this.next();
      return { names, values, at };
    }
    let run: number[] | null = null;
    let runType: VType = 'null';
    for (;;) {
      let argName: string | null = null;
      if (this.kind() === Tok.Name || this.kind() === Tok.Str) {
        // a name followed by '=' names the argument; otherwise it is a value
        const save: { pos: number; tok: Tok; start: number; end: number; str: string; q: boolean } = { pos: this.pos, tok: this.tok, start: this.start, end: this.end, str: this.str, q: this.quotedName };
        const candidate = this.str;
        this.next();
        if (this.kind() === Tok.Eq) {
          argName = candidate;
          this.next();
        } else {
          this.pos = save.pos;
          this.tok = save.tok;
          this.start = save.start;
          this.end = save.end;
          this.str = save.str;
          this.quotedName = save.q;
        }
      }
      const valueAt = this.start;
      let value: RObj;
      if (fn === 'c' && argName === null && (this.kind() === Tok.Num || this.kind() === Tok.Minus)) {
        // Fast path for long numeric vectors, c(1.5, -2, 3L, ...): lone numbers go straight
        // into a run shared by consecutive numbers of one type.
        let negate = false;
        if (this.kind() === Tok.Minus) {
          negate = true;
          this.next();
        }
        if (this.kind() === Tok.Num) {
          const type: VType = this.isInt ? 'integer' : 'double';
          const x = !negate ? this.num : type === 'double' ? -this.num : 0 - this.num;
          this.next();
          const k = this.kind();
          if (k === Tok.Comma || k === Tok.RParen) {
            if (run === null || runType !== type) {
              run = [];
              runType = type;
              names.push(null);
              values.push(vecOf(type, run));
              at.push(valueAt);
            }
            run.push(x);
            if (this.endOfArgument(fn, openAt)) return { names, values, at };
            continue;
          }
          value = vecOf(type, [x]);
        } else {
          value = negate ? this.applySign(true, valueAt, this.unary()) : this.unary();
        }
        if (this.kind() === Tok.Colon) {
          this.next();
          const rightAt = this.start;
          value = this.range(value, this.unary(), valueAt, rightAt);
        }
      } else {
        value = this.value();
      }
      run = null;
      names.push(argName);
      values.push(value);
      at.push(valueAt);
      if (this.endOfArgument(fn, openAt)) return { names, values, at };
    }
  }

  /** After an argument: ',' (true: more follow) or ')' (false: the call ends). */
  private endOfArgument(fn: string, openAt: number): boolean {
    if (this.kind() === Tok.Comma) {
      this.next();
      if (this.kind() === Tok.RParen) this.fail(`${fn}() has an empty argument`, this.start, 'remove the trailing comma');
      return false;
    }
    if (this.kind() !== Tok.RParen) {
      const open = this.loc(openAt);
      const where = open.kind === 'file' ? `line ${open.line}, column ${open.column}` : 'above';
      this.fail(
        `expected ',' or ')' in ${fn}(...) but found ${this.describe()}`,
        this.start,
        `the ${fn}( opened at ${where} is not closed here: separate its arguments with commas and close it with ')'`,
      );
    }
    this.next();
    return true;
  }

  private call(fn: string, at: number): RObj {
    switch (fn) {
      case 'c': {
        const { values, at: where } = this.args(fn);
        return this.combine(values, where);
      }
      case 'list': {
        const { names, values, at: where } = this.args(fn);
        return { kind: 'list', names, items: values, at: where, dataFrame: false };
      }
      case 'structure':
        return this.structure(at);
      case 'numeric':
      case 'double':
      case 'integer':
      case 'logical':
      case 'character': {
        const { values, at: where } = this.args(fn);
        let n = 0;
        if (values.length > 1) this.fail(`${fn}() takes one argument, the length`, at, `write e.g. ${fn}(0)`);
        if (values.length === 1) {
          n = this.scalarNumber(values[0], where[0], `the length in ${fn}()`);
          if (!Number.isInteger(n) || n < 0) this.fail(`the length in ${fn}() must be a non-negative whole number`, where[0], `write e.g. ${fn}(0)`);
        }
        if (fn === 'character') return vecOf('character', null, new Array<string | null>(n).fill(''));
        const type: VType = fn === 'integer' ? 'integer' : fn === 'logical' ? 'logical' : 'double';
        return vecOf(type, new Array<number>(n).fill(0));
      }
      default:
        this.fail(
          `unsupported function ${fn}() in R dump data`,
          at,
          'R dump values are built only from c(), structure(), list(), numeric(0) and a:b; compute the values in R and write them with dump()',
        );
    }
  }

  /** c(...): flatten and coerce as R does (logical < integer < double < character). */
  private combine(values: RObj[], at: number[]): Vec {
    let type: VType = 'null';
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v.kind === 'list') this.fail('a list inside c() is not supported', at[i], 'combine plain values only');
      if (v.factor) this.fail('a factor inside c() is not supported', at[i], 'combine plain values only');
      if (RANK[v.type] > RANK[type]) type = v.type;
    }
    if (type === 'null') return vecOf('null', []);
    if (type === 'character') {
      const strs: (string | null)[] = [];
      for (const v of values) for (const s of toStrings(v as Vec)) strs.push(s);
      return vecOf('character', null, strs);
    }
    let total = 0;
    for (const v of values) total += vecLength(v as Vec);
    const nums = new Float64Array(total);
    let k = 0;
    for (const v of values) {
      const src = (v as Vec).nums;
      if (src === null) continue;
      if (src.length === 1) nums[k++] = src[0];
      else {
        nums.set(src, k);
        k += src.length;
      }
    }
    return vecOf(type, nums);
  }

  private structure(at: number): RObj {
    const { names, values, at: where } = this.args('structure');
    let data: RObj | null = null;
    let dataAt = at;
    let dim: { v: RObj; at: number } | null = null;
    let levels: { v: RObj; at: number } | null = null;
    let cls: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const name = names[i];
      if (name === null || name === '.Data') {
        if (data !== null) this.fail('structure() has more than one data argument', where[i], 'give the data once, then name each attribute: structure(c(...), .Dim = c(2L, 3L))');
        data = values[i];
        dataAt = where[i];
        continue;
      }
      switch (name) {
        case '.Dim':
        case 'dim':
          dim = { v: values[i], at: where[i] };
          break;
        case 'levels':
        case '.Label':
          levels = { v: values[i], at: where[i] };
          break;
        case 'class': {
          const v = values[i];
          if (v.kind !== 'vec' || v.type !== 'character') this.fail('class must be a string vector', where[i], 'write class = "factor"');
          cls = (v.strs as (string | null)[]).filter((s): s is string => s !== null);
          break;
        }
        default:
          // names, dimnames, row.names, and other attributes carry no data we use
          break;
      }
    }
    if (data === null) this.fail('structure() needs the data as its first argument', at, 'write structure(c(...), .Dim = c(2L, 3L))');
    if (data.kind === 'list') {
      if (cls.includes('data.frame')) data.dataFrame = true;
      return data;
    }
    const v: Vec = { ...data };
    if (dim) {
      const d = dim.v;
      if (d.kind !== 'vec' || d.type === 'character' || d.type === 'null' || d.factor) {
        this.fail('.Dim must be a vector of whole numbers', dim.at, 'write .Dim = c(2L, 3L)');
      }
      const ext = Array.from(d.nums as ArrayLike<number>);
      if (ext.length === 0 || ext.some((x) => !Number.isInteger(x) || x < 0)) {
        this.fail('.Dim must be a vector of non-negative whole numbers', dim.at, 'write .Dim = c(2L, 3L)');
      }
      const size = ext.reduce((a, b) => a * b, 1);
      if (size !== vecLength(v)) {
        this.fail(
          `the dimensions ${ext.join(' × ')} make ${size} elements but the data has ${vecLength(v)}`,
          dim.at,
          'the product of .Dim must equal the number of values (filled column-major)',
        );
      }
      v.dim = ext;
    }
    if (cls.includes('factor')) {
      if (!levels || levels.v.kind !== 'vec' || levels.v.type !== 'character') {
        this.fail('a factor needs levels = c("a", "b", ...)', at, 'write structure(c(1L, 2L), levels = c("a", "b"), class = "factor")');
      }
      if (v.type !== 'integer' && v.type !== 'double' && v.type !== 'logical') {
        this.fail('the codes of a factor must be integers', dataAt, 'write structure(c(1L, 2L), levels = c("a", "b"), class = "factor")');
      }
      const lv = (levels.v.strs as (string | null)[]).map((s) => s ?? 'NA');
      const nums = v.nums as ArrayLike<number>;
      for (let i = 0; i < nums.length; i++) {
        const x = nums[i];
        if (!Number.isNaN(x) && (!Number.isInteger(x) || x < 1 || x > lv.length)) {
          this.fail(`factor code ${x} is outside 1..${lv.length} (the number of levels)`, dataAt, 'codes index the levels, starting at 1');
        }
      }
      v.factor = true;
      v.levels = lv;
      v.type = 'integer';
    }
    return v;
  }
}

type Constant = () => Vec;
const CONSTANTS: ReadonlyMap<string, Constant> = new Map<string, Constant>([
  ['TRUE', () => vecOf('logical', [1])],
  ['T', () => vecOf('logical', [1])],
  ['FALSE', () => vecOf('logical', [0])],
  ['F', () => vecOf('logical', [0])],
  ['NA', () => vecOf('logical', [NaN])],
  ['NA_integer_', () => vecOf('integer', [NaN])],
  ['NA_real_', () => vecOf('double', [NaN])],
  ['NA_character_', () => vecOf('character', null, [null])],
  ['NaN', () => vecOf('double', [NaN])],
  ['Inf', () => vecOf('double', [Infinity])],
  ['NULL', () => vecOf('null', [])],
]);

function finish(v: Vec, line: number): RDumpValue {
  const dim = v.dim && v.dim.length > 0 ? v.dim : null;
  if (v.type === 'character') {
    return { type: 'character', values: v.strs as (string | null)[], dim, integer: false, levels: null, line };
  }
  const values = v.nums instanceof Float64Array ? v.nums : Float64Array.from(v.nums ?? []);
  if (v.factor) return { type: 'factor', values, dim, integer: true, levels: v.levels, line };
  const type: RType = v.type === 'null' ? 'logical' : v.type;
  return { type, values, dim, integer: type === 'integer', levels: null, line };
}

/** Parse the text of an R dump file; `path` is used in messages only. */
export function readRDump(text: string, path: string): RDumpData {
  const parser = new Parser(text, path);
  const data = parser.program();
  if (data.size === 0) {
    throw new Lmer2JagsError(`${path} holds no variables`, {
      location: { kind: 'file', path },
      hint: 'an R dump file assigns variables, one per statement: y <- c(1.2, 0.7); write it in R with dump(c("y", "x"), file = "data.R")',
    });
  }
  return data;
}

// ---------------------------------------------------------------------------------------
// To a table

function lengthOf(v: RDumpValue): number {
  return v.values.length;
}

/**
 * The variables of a dump as a data table: the vectors whose length is the most common
 * length above 1 (ties: the longer) become columns, in file order; scalars (n, m), arrays
 * with two or more dimensions and vectors of other lengths are listed in `skipped`.
 */
export function rdumpToTable(data: RDumpData, path: string): RDumpTable {
  const counts = new Map<number, number>();
  for (const v of data.values()) {
    const len = lengthOf(v);
    if (len > 1 && (v.dim === null || v.dim.length === 1)) counts.set(len, (counts.get(len) ?? 0) + 1);
  }
  let nrow = -1;
  let best = 0;
  for (const [len, count] of counts) {
    if (count > best || (count === best && len > nrow)) {
      nrow = len;
      best = count;
    }
  }
  if (nrow < 0) {
    throw new Lmer2JagsError(`no variable in ${path} has more than one value, so there are no data columns`, {
      location: { kind: 'file', path },
      hint: 'an R dump data set holds one vector per variable, all of the same length (one value per observation): y <- c(1.2, 0.7, ...)',
    });
  }
  const columns: Column[] = [];
  const skipped: SkippedVariable[] = [];
  for (const [name, v] of data) {
    const len = lengthOf(v);
    if (v.dim !== null && v.dim.length > 1) {
      skipped.push({ name, length: len, reason: `a ${v.dim.join(' × ')} array, not a column` });
    } else if (len !== nrow) {
      skipped.push({
        name,
        length: len,
        reason: len === 1 ? 'a single value (length 1)' : len === 0 ? 'empty (length 0)' : `length ${len}, not ${nrow} like the data columns`,
      });
    } else {
      columns.push(toColumn(name, v));
    }
  }
  return { table: makeTable(path, columns), skipped };
}

function toColumn(name: string, v: RDumpValue): Column {
  switch (v.type) {
    case 'character':
      return factorFromStrings(name, v.values as readonly (string | null)[]);
    case 'factor': {
      const src = v.values as Float64Array;
      const codes = new Int32Array(src.length);
      for (let i = 0; i < src.length; i++) codes[i] = Number.isNaN(src[i]) ? -1 : src[i] - 1;
      return { kind: 'factor', name, levels: v.levels ?? [], codes };
    }
    case 'logical': {
      const src = v.values as Float64Array;
      const values = new Int8Array(src.length);
      for (let i = 0; i < src.length; i++) values[i] = Number.isNaN(src[i]) ? -1 : src[i] ? 1 : 0;
      return { kind: 'logical', name, values };
    }
    default:
      return { kind: 'numeric', name, values: v.values as Float64Array, integer: v.integer };
  }
}
