/**
 * CODA files as JAGS 4.3.1 writes them (`coda *, stem(prefix)`), read and written.
 *
 * - `<stem>index.txt`: one line per monitored scalar node, `name first last`, single spaces,
 *   `first`/`last` 1-based line numbers into every chain file (all chains share the index).
 * - `<stem>chain<k>.txt`: lines `iteration  value` (two spaces), one node's block after
 *   another in index order; array elements column-major (`b[1,1]`, `b[2,1]`, `b[1,2]`, …).
 *   Iteration numbers are absolute (burn-in and adaptation count) and step by the thinning.
 * - Values are printed by C++'s `ostream << double` with default settings, i.e. C's `%g` with
 *   6 significant digits (ties on the exact binary value go to the even digit, as glibc
 *   does): `246.861`, `6.58283e-05`, `1e+06`, `100000`, `-0`; non-finite values as `NA`,
 *   `NaN`, `Inf`, `-Inf`. JAGS leaves out a node that is NA in any iteration of any chain.
 *
 * The reader validates structure and reports bad files as Lmer2JagsError with file:line.
 * The writer reproduces JAGS's bytes for the same numbers (checked on real JAGS output).
 */

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { assert, Lmer2JagsError } from '../errors.js';

/** One index line: a node and its 1-based, inclusive line range in each chain file. */
export interface CodaIndexEntry {
  readonly name: string;
  readonly first: number;
  readonly last: number;
}

/** One node's draws in one chain. */
export interface CodaNodeDraws {
  /** Absolute iteration numbers, as written. */
  readonly iterations: Uint32Array;
  readonly values: Float64Array;
}

/** One chain file's content: per node name, its draws. */
export type CodaChain = ReadonlyMap<string, CodaNodeDraws>;

/** A whole CODA output: node names in index order, and one map per chain. */
export interface CodaOutput {
  readonly names: readonly string[];
  readonly chains: readonly CodaChain[];
}

// ---------------------------------------------------------------------------------------------
// Number formatting: C's %g with precision 6.

const POW5_CACHE: bigint[] = [];

/**
 * A double as `ostream << x` prints it with default flags (C `%.6g`): 6 significant digits,
 * fixed notation when the decimal exponent is in [-4, 6), scientific otherwise, trailing zeros
 * removed, exponent signed with at least two digits. Non-finite values as JAGS writes them.
 */
export function formatCodaNumber(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const ax = Math.abs(x);
  // toExponential(5) rounds the exact value to 6 digits, but breaks exact ties upwards;
  // glibc's printf breaks them to even. Fix the (rare) exact ties.
  let s = ax.toExponential(5);
  if (mayBeTie(ax) && isExactTie(ax)) {
    const ePos = s.indexOf('e');
    const lastDigit = s.charCodeAt(ePos - 1) - 48;
    if (lastDigit % 2 === 1) s = decrementLastDigit(s, ePos);
  }
  const ePos = s.indexOf('e');
  const exp = Number(s.slice(ePos + 1));
  const digits = s.slice(0, ePos).replace('.', ''); // exactly 6 digits
  let body: string;
  if (exp < -4 || exp >= 6) {
    const frac = stripZeros(digits.slice(1));
    body = `${digits[0]}${frac ? `.${frac}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp >= 0) {
    const frac = stripZeros(digits.slice(exp + 1));
    body = `${digits.slice(0, exp + 1)}${frac ? `.${frac}` : ''}`;
  } else {
    body = `0.${'0'.repeat(-exp - 1)}${stripZeros(digits)}`;
  }
  return sign + body;
}

function stripZeros(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--;
  return s.slice(0, end);
}

/** "1.23457e+06" → "1.23456e+06" (the last mantissa digit is odd, so no borrow is needed). */
function decrementLastDigit(s: string, ePos: number): string {
  return s.slice(0, ePos - 1) + String.fromCharCode(s.charCodeAt(ePos - 1) - 1) + s.slice(ePos);
}

/**
 * A cheap filter for isExactTie. A tie is a 7-digit decimal d·10^k that is exactly a double.
 * For k < 0 that needs 5^-k to divide d, leaving an integer mantissa below 10^7 (at most 24
 * significant bits, so the low 29 of the 52 fraction bits are zero); for k >= 0 the value is
 * a whole number of at least 10^6. Random draws almost never pass.
 */
function mayBeTie(ax: number): boolean {
  f64[0] = ax;
  return (u32[LO] & 0x1fffffff) === 0 || (ax >= 1e6 && Number.isInteger(ax));
}

/**
 * Is the positive double exactly halfway between two 6-significant-digit decimals? That needs
 * its exact decimal expansion to have 7 significant digits ending in 5. toExponential(6) gives
 * the correctly rounded 7-digit form; when it ends in 5, confirm exactness with integers.
 */
function isExactTie(ax: number): boolean {
  const s7 = ax.toExponential(6);
  const ePos = s7.indexOf('e');
  if (s7.charCodeAt(ePos - 1) !== 53 /* '5' */) return false;
  const d = BigInt(s7.slice(0, ePos).replace('.', '')); // value = d * 10^(e-6)
  const k = Number(s7.slice(ePos + 1)) - 6;
  const { mant, exp2 } = decompose(ax); // value = mant * 2^exp2
  // Compare mant * 2^exp2 with d * 10^k = d * 2^k * 5^k, clearing negative powers.
  let lhs = mant;
  let rhs = d;
  const p2 = exp2 - k; // move all powers of two to the left side
  if (p2 >= 0) lhs <<= BigInt(p2);
  else rhs <<= BigInt(-p2);
  if (k >= 0) rhs *= pow5(k);
  else lhs *= pow5(-k);
  return lhs === rhs;
}

function pow5(k: number): bigint {
  let v = POW5_CACHE[k];
  if (v === undefined) {
    v = 5n ** BigInt(k);
    POW5_CACHE[k] = v;
  }
  return v;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the low 32-bit word of a double in `u32` (0 on little-endian machines). */
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** A positive finite double as mant * 2^exp2 with an integer mantissa. */
function decompose(ax: number): { mant: bigint; exp2: number } {
  f64[0] = ax;
  const lo = u32[LO];
  const hi = u32[1 - LO];
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mant: frac, exp2: -1074 };
  return { mant: frac | (1n << 52n), exp2: biased - 1075 };
}

/** 10^k for k = 0 … 22, each exactly a double. */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** sixDigits' result: the 6 digits as an integer in [100000, 999999], and the decimal exponent. */
let sixM = 0;
let sixE = 0;

/**
 * The 6 significant digits of a finite, nonzero |x| and its decimal exponent (into sixM and
 * sixE, so that no object is made per number), or false when the quick way cannot be sure: the
 * scaled value comes from one correctly rounded multiplication or division by an exact power
 * of ten, so its error is below 1.2e-10, and any fraction within 1e-6 of one half (a possible
 * tie) goes to the exact path.
 */
function sixDigits(ax: number): boolean {
  let e = Math.floor(Math.log10(ax));
  for (let attempt = 0; attempt < 2; attempt++) {
    const k = 5 - e;
    if (k > 22 || k < -22) return false;
    const t = k >= 0 ? ax * POW10[k] : ax / POW10[-k];
    if (t < 99999.5) {
      e--;
      continue;
    }
    if (t >= 999999.5) {
      e++;
      continue;
    }
    const fl = Math.floor(t);
    const frac = t - fl;
    if (Math.abs(frac - 0.5) < 1e-6) return false;
    const m = frac > 0.5 ? fl + 1 : fl;
    if (m > 999999) return false;
    sixM = m;
    sixE = e;
    return true;
  }
  return false;
}

const DIGITS = new Uint8Array(6);

/** Writes the decimal digits of a non-negative integer at buf[pos]; returns the new position. */
function writeUint(buf: Uint8Array, pos: number, n: number): number {
  if (n < 10) {
    buf[pos] = 48 + n;
    return pos + 1;
  }
  let len = 0;
  for (let t = n; t > 0; t = Math.floor(t / 10)) len++;
  for (let i = len - 1, t = n; i >= 0; i--, t = Math.floor(t / 10)) buf[pos + i] = 48 + (t % 10);
  return pos + len;
}

/** Writes s (ASCII) at buf[pos]; returns the new position. */
function writeAscii(buf: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[pos + i] = s.charCodeAt(i);
  return pos + s.length;
}

/**
 * Writes formatCodaNumber(x) into buf at pos and returns the new position; `rounded[at]`
 * receives the value the text stands for (what a reader of the file gets back). Most draws
 * take an integer path that writes the bytes directly; non-finite values, zeros, extreme
 * exponents and possible ties go through formatCodaNumber.
 */
export function encodeCodaNumber(x: number, buf: Uint8Array, pos: number, rounded: Float64Array, at: number): number {
  const ax = Math.abs(x);
  if (!(Number.isFinite(x) && x !== 0 && sixDigits(ax))) {
    const text = formatCodaNumber(x);
    rounded[at] = parseCodaValue(text) as number;
    return writeAscii(buf, pos, text);
  }
  const m = sixM;
  const e = sixE;
  const k = e - 5;
  const mag = k >= 0 ? m * POW10[k] : m / POW10[-k];
  rounded[at] = x < 0 ? -mag : mag;
  if (x < 0) buf[pos++] = 45; // '-'
  // m < 10^6: int32 arithmetic.
  for (let i = 5, t = m | 0; i >= 0; i--) {
    const q = (t / 10) | 0;
    DIGITS[i] = 48 + t - q * 10;
    t = q;
  }
  let last = 5;
  while (last > 0 && DIGITS[last] === 48) last--;
  if (e < -4 || e >= 6) {
    buf[pos++] = DIGITS[0];
    if (last > 0) {
      buf[pos++] = 46; // '.'
      for (let i = 1; i <= last; i++) buf[pos++] = DIGITS[i];
    }
    buf[pos++] = 101; // 'e'
    buf[pos++] = e < 0 ? 45 : 43;
    const ae = Math.abs(e);
    if (ae < 10) buf[pos++] = 48;
    return writeUint(buf, pos, ae);
  }
  if (e >= 0) {
    for (let i = 0; i <= e; i++) buf[pos++] = DIGITS[i];
    if (last > e) {
      buf[pos++] = 46;
      for (let i = e + 1; i <= last; i++) buf[pos++] = DIGITS[i];
    }
    return pos;
  }
  buf[pos++] = 48; // '0'
  buf[pos++] = 46;
  for (let i = 0; i < -e - 1; i++) buf[pos++] = 48;
  for (let i = 0; i <= last; i++) buf[pos++] = DIGITS[i];
  return pos;
}

/** The longest line encodeCodaChain writes: a 10-digit iteration, two spaces, a number, \n. */
/** Room a block needs per line: the longest iteration number and value, two spaces and a newline. */
export const CODA_MAX_LINE = 40;
const MAX_LINE = CODA_MAX_LINE;

/**
 * One node's block of a chain file (its lines `iteration  value`), and its values as the block
 * holds them.
 */
export function encodeCodaBlock(iterations: Uint32Array | CodaPrefixes, values: Float64Array): { bytes: Buffer; rounded: Float64Array } {
  const prefixes = iterations instanceof CodaPrefixes ? iterations : new CodaPrefixes(iterations);
  const buf = Buffer.allocUnsafe(Math.max(1, values.length * MAX_LINE));
  const rounded = new Float64Array(values.length);
  const end = encodeCodaBlockInto(prefixes, values, buf, 0, rounded);
  return { bytes: buf.subarray(0, end), rounded };
}

/**
 * encodeCodaBlock into OUT from position POS (which must leave values.length × CODA_MAX_LINE
 * bytes of room), the rounded values into ROUNDED; returns the position after the block.
 */
export function encodeCodaBlockInto(prefixes: CodaPrefixes, values: Float64Array, out: Uint8Array, pos: number, rounded: Float64Array): number {
  assert(prefixes.count === values.length && rounded.length === values.length, 'CODA block: unequal iterations and values');
  assert(out.length - pos >= values.length * MAX_LINE, 'CODA block: too little room');
  const { bytes: pb, offsets } = prefixes;
  for (let t = 0; t < values.length; t++) {
    for (let i = offsets[t], end = offsets[t + 1]; i < end; i++) out[pos++] = pb[i];
    pos = encodeCodaNumber(values[t], out, pos, rounded, t);
    out[pos++] = 10;
  }
  return pos;
}

/**
 * The line starts `iteration  ` of a block, formatted once: every node of a monitor has the
 * same iterations.
 */
export class CodaPrefixes {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  readonly count: number;
  constructor(iterations: Uint32Array) {
    this.count = iterations.length;
    this.bytes = new Uint8Array(iterations.length * 12);
    this.offsets = new Uint32Array(iterations.length + 1);
    let pos = 0;
    for (let t = 0; t < iterations.length; t++) {
      pos = writeUint(this.bytes, pos, iterations[t]);
      this.bytes[pos++] = 32;
      this.bytes[pos++] = 32;
      this.offsets[t + 1] = pos;
    }
  }
}

/**
 * One chain file's bytes (the same as formatCodaChain's text), and each node's values as the
 * file holds them (rounded to 6 significant digits, as a reader gets them back).
 */
export function encodeCodaChain(names: readonly string[], chain: CodaChain): { bytes: Buffer; rounded: Map<string, CodaNodeDraws> } {
  let lines = 0;
  for (const name of names) {
    const node = chain.get(name);
    assert(node !== undefined, `CODA chain: node ${name} is missing`);
    assert(node.iterations.length === node.values.length, `CODA chain: ${name} has unequal iterations and values`);
    lines += node.values.length;
  }
  const buf = Buffer.allocUnsafe(Math.max(1, lines * MAX_LINE));
  const rounded = new Map<string, CodaNodeDraws>();
  let pos = 0;
  for (const name of names) {
    const node = chain.get(name)!;
    const { iterations, values } = node;
    const out = new Float64Array(values.length);
    for (let t = 0; t < values.length; t++) {
      pos = writeUint(buf, pos, iterations[t]);
      buf[pos++] = 32;
      buf[pos++] = 32;
      pos = encodeCodaNumber(values[t], buf, pos, out, t);
      buf[pos++] = 10;
    }
    rounded.set(name, { iterations, values: out });
  }
  return { bytes: buf.subarray(0, pos), rounded };
}

/** Each node's number of draws, after checking every chain holds every node at that length. */
function checkedLengths(coda: CodaOutput): number[] {
  assert(coda.chains.length > 0, 'CODA: no chains to write');
  const lengths = coda.names.map((name) => {
    const n = coda.chains[0].get(name)?.values.length;
    assert(n !== undefined, `CODA: node ${name} is missing from chain 1`);
    return n;
  });
  coda.chains.forEach((chain, k) => {
    assert(chain.size === coda.names.length, `CODA: chain ${k + 1} has ${chain.size} nodes, expected ${coda.names.length}`);
    coda.names.forEach((name, i) => {
      const node = chain.get(name);
      assert(node !== undefined && node.values.length === lengths[i], `CODA: node ${name} differs in length in chain ${k + 1}`);
    });
  });
  return lengths;
}

/**
 * Writes `<stem>index.txt` and `<stem>chain<k>.txt` (as writeCoda) and returns the output as
 * a reader of those files would get it back: the same names and iterations, the values
 * rounded to the 6 significant digits written.
 */
export function writeCodaFiles(stem: string, coda: CodaOutput): { paths: string[]; written: CodaOutput } {
  const lengths = checkedLengths(coda);
  const paths = [`${stem}index.txt`, ...coda.chains.map((_, k) => `${stem}chain${k + 1}.txt`)];
  writeFileSync(paths[0], formatCodaIndex(coda.names, lengths));
  const chains: CodaChain[] = [];
  coda.chains.forEach((chain, k) => {
    const { bytes, rounded } = encodeCodaChain(coda.names, chain);
    writeFileSync(paths[k + 1], bytes);
    chains.push(rounded);
  });
  return { paths, written: { names: coda.names, chains } };
}

// ---------------------------------------------------------------------------------------------
// Writing.

/** The index file's text for the given names and per-node draw counts (in that order). */
export function formatCodaIndex(names: readonly string[], lengths: readonly number[]): string {
  assert(names.length === lengths.length, 'CODA index: names and lengths differ in length');
  let line = 0;
  let out = '';
  for (let i = 0; i < names.length; i++) {
    out += `${names[i]} ${line + 1} ${line + lengths[i]}\n`;
    line += lengths[i];
  }
  return out;
}

/** One chain file's text: each named node's block, in the order of `names`. */
export function formatCodaChain(names: readonly string[], chain: CodaChain): string {
  const parts: string[] = [];
  for (const name of names) {
    const node = chain.get(name);
    assert(node !== undefined, `CODA chain: node ${name} is missing`);
    assert(node.iterations.length === node.values.length, `CODA chain: ${name} has unequal iterations and values`);
    let block = '';
    for (let t = 0; t < node.values.length; t++) {
      block += `${node.iterations[t]}  ${formatCodaNumber(node.values[t])}\n`;
    }
    parts.push(block);
  }
  return parts.join('');
}

/** The index and chain texts for a CODA output (chain k of the result is `chain<k+1>.txt`). */
export function formatCoda(coda: CodaOutput): { index: string; chains: string[] } {
  const lengths = checkedLengths(coda);
  return { index: formatCodaIndex(coda.names, lengths), chains: coda.chains.map((c) => formatCodaChain(coda.names, c)) };
}

/** Writes `<stem>index.txt` and `<stem>chain<k>.txt`; returns the paths written. */
export function writeCoda(stem: string, coda: CodaOutput): string[] {
  return writeCodaFiles(stem, coda).paths;
}

/** Iteration numbers start, start+thin, … (n of them), as JAGS numbers monitored draws. */
export function iterationRange(start: number, n: number, thin = 1): Uint32Array {
  assert(Number.isInteger(start) && start >= 0 && Number.isInteger(thin) && thin >= 1, 'iterationRange: bad start or thin');
  const it = new Uint32Array(n);
  for (let t = 0; t < n; t++) it[t] = start + t * thin;
  return it;
}

// ---------------------------------------------------------------------------------------------
// Reading.

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function fileError(message: string, path: string, line: number, lineText?: string, column?: number, hint?: string): Lmer2JagsError {
  return new Lmer2JagsError(message, {
    location: { kind: 'file', path, line, ...(column !== undefined ? { column } : {}), ...(lineText !== undefined ? { lineText } : {}) },
    ...(hint !== undefined ? { hint } : {}),
  });
}

/** Splits text into lines, accepting \n or \r\n and an optional final newline. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** Parses an index file's text; `path` is only used in messages. */
export function parseCodaIndex(text: string, path: string): CodaIndexEntry[] {
  const lines = splitLines(text);
  const entries: CodaIndexEntry[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') {
      throw fileError('empty line in CODA index file', path, i + 1, raw, 1, 'each line must read "name first last"');
    }
    const fields = raw.trim().split(/\s+/);
    if (fields.length !== 3) {
      throw fileError(`CODA index line has ${fields.length} field(s), expected 3 ("name first last")`, path, i + 1, raw, 1);
    }
    const [name, a, b] = fields;
    const first = Number(a);
    const last = Number(b);
    if (!/^\d+$/.test(a) || !/^\d+$/.test(b) || first < 1) {
      throw fileError(`CODA index line for ${name}: "${a} ${b}" are not positive line numbers`, path, i + 1, raw, raw.indexOf(a) + 1);
    }
    if (last < first) {
      throw fileError(`CODA index line for ${name}: last line ${last} comes before first line ${first}`, path, i + 1, raw, raw.lastIndexOf(b) + 1);
    }
    const previous = seen.get(name);
    if (previous !== undefined) {
      throw fileError(`node ${name} appears twice in the CODA index (lines ${previous} and ${i + 1})`, path, i + 1, raw, 1);
    }
    seen.set(name, i + 1);
    entries.push({ name, first, last });
  }
  if (entries.length === 0) {
    throw new Lmer2JagsError('CODA index file is empty', {
      location: { kind: 'file', path },
      hint: 'did the JAGS run monitor any node (a "monitor" line before "update")?',
    });
  }
  // Ranges must not overlap (JAGS writes them back to back).
  const sorted = entries.map((e, i) => ({ e, i })).sort((x, y) => x.e.first - y.e.first);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1];
    const cur = sorted[k];
    if (cur.e.first <= prev.e.last) {
      throw fileError(
        `CODA index: lines ${cur.e.first}-${cur.e.last} of ${cur.e.name} overlap ${prev.e.name} (${prev.e.first}-${prev.e.last})`,
        path, cur.i + 1, lines[cur.i], 1,
      );
    }
  }
  return entries;
}

/**
 * Parses one chain file against its index. Every line must be `iteration value`; the file must
 * have exactly as many lines as the index covers; iterations must increase within a node.
 */
export function parseCodaChain(text: string, index: readonly CodaIndexEntry[], path: string, indexPath = 'index'): Map<string, CodaNodeDraws> {
  const lines = splitLines(text);
  const needed = index.reduce((m, e) => Math.max(m, e.last), 0);
  if (lines.length !== needed) {
    const where = Math.min(lines.length, needed) + (lines.length < needed ? 0 : 1);
    throw fileError(
      `CODA chain file has ${lines.length} line(s) but the index (${indexPath}) covers ${needed}`,
      path, Math.max(1, where), lines[where - 1], undefined,
      lines.length < needed ? 'the file looks truncated: was the JAGS run interrupted?' : 'the index and chain file come from different runs?',
    );
  }
  const out = new Map<string, CodaNodeDraws>();
  for (const e of index) {
    const n = e.last - e.first + 1;
    const iterations = new Uint32Array(n);
    const values = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      const lineNo = e.first + t;
      const raw = lines[lineNo - 1];
      const [iterText, valueText, extra] = splitFields(raw);
      if (iterText === undefined || valueText === undefined || extra !== undefined) {
        throw fileError(`CODA line for ${e.name} should read "iteration value"`, path, lineNo, raw, 1);
      }
      if (!/^\d+$/.test(iterText)) {
        throw fileError(`CODA line for ${e.name}: iteration "${iterText}" is not a whole number`, path, lineNo, raw, raw.indexOf(iterText) + 1);
      }
      const iter = Number(iterText);
      if (iter > 0xffffffff) {
        throw fileError(`CODA line for ${e.name}: iteration ${iterText} is too large`, path, lineNo, raw, raw.indexOf(iterText) + 1);
      }
      if (t > 0 && iter <= iterations[t - 1]) {
        throw fileError(
          `CODA iterations for ${e.name} must increase, but ${iter} follows ${iterations[t - 1]}`,
          path, lineNo, raw, raw.indexOf(iterText) + 1, 'is the index file from a different run?',
        );
      }
      const v = parseCodaValue(valueText);
      if (v === undefined) {
        throw fileError(`CODA line for ${e.name}: "${valueText}" is not a number`, path, lineNo, raw, raw.lastIndexOf(valueText) + 1);
      }
      iterations[t] = iter;
      values[t] = v;
    }
    out.set(e.name, { iterations, values });
  }
  return out;
}

/**
 * parseCodaChain on the file's bytes without making a string per line: line starts are found
 * with indexOf, each line is scanned once, and numbers of up to 15 significant digits with a
 * decimal exponent within ±22 are converted exactly (one correctly rounded multiplication or
 * division of exact doubles, as strtod's fast path). Returns null when the file breaks any
 * rule parseCodaChain checks (the caller then runs parseCodaChain for its message).
 */
export function parseCodaChainBytes(buf: Uint8Array, index: readonly CodaIndexEntry[]): Map<string, CodaNodeDraws> | null {
  const len = buf.length;
  // Line starts (and one past the end): lines are \n-terminated, the last one maybe not.
  let count = 0;
  for (let p = 0; p < len; ) {
    const nl = buf.indexOf(10, p);
    count++;
    if (nl < 0) break;
    p = nl + 1;
  }
  const starts = new Float64Array(count + 1);
  {
    let k = 0;
    let p = 0;
    while (p < len) {
      starts[k++] = p;
      const nl = buf.indexOf(10, p);
      if (nl < 0) {
        p = len + 1;
        break;
      }
      p = nl + 1;
    }
    starts[k] = p;
  }
  const needed = index.reduce((m, e) => Math.max(m, e.last), 0);
  if (count !== needed) return null;
  const out = new Map<string, CodaNodeDraws>();
  for (const e of index) {
    const n = e.last - e.first + 1;
    const iterations = new Uint32Array(n);
    const values = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      let p = starts[e.first - 1 + t];
      // The line ends before its \n (and a \r before that).
      let end = starts[e.first + t] - 1;
      if (end >= len || buf[end] !== 10) end = Math.min(end + 1, len);
      if (end > p && buf[end - 1] === 13) end--;
      while (p < end && (buf[p] === 32 || buf[p] === 9)) p++;
      let iter = 0;
      const i0 = p;
      while (p < end && buf[p] >= 48 && buf[p] <= 57) iter = iter * 10 + (buf[p++] - 48);
      if (p === i0 || p - i0 > 10 || iter > 0xffffffff) return null;
      if (t > 0 && iter <= iterations[t - 1]) return null;
      const gap = p;
      while (p < end && (buf[p] === 32 || buf[p] === 9)) p++;
      if (p === gap || p === end) return null;
      const v0 = p;
      while (p < end && buf[p] !== 32 && buf[p] !== 9) p++;
      const v1 = p;
      while (p < end && (buf[p] === 32 || buf[p] === 9)) p++;
      if (p !== end) return null;
      const v = parseValueBytes(buf, v0, v1);
      if (v === undefined) return null;
      iterations[t] = iter;
      values[t] = v;
    }
    out.set(e.name, { iterations, values });
  }
  return out;
}

/** The number in buf[a … b), as parseCodaValue reads its text, or undefined. */
function parseValueBytes(buf: Uint8Array, a: number, b: number): number | undefined {
  let p = a;
  let neg = false;
  if (buf[p] === 45 || buf[p] === 43) {
    neg = buf[p] === 45;
    p++;
  }
  let mant = 0;
  let digits = 0;
  let exp10 = 0;
  let any = false;
  while (p < b && buf[p] >= 48 && buf[p] <= 57) {
    if (mant !== 0 || buf[p] !== 48) digits++;
    mant = mant * 10 + (buf[p++] - 48);
    any = true;
  }
  if (p < b && buf[p] === 46) {
    p++;
    while (p < b && buf[p] >= 48 && buf[p] <= 57) {
      if (mant !== 0 || buf[p] !== 48) digits++;
      mant = mant * 10 + (buf[p++] - 48);
      exp10--;
      any = true;
    }
  }
  if (any && p < b && (buf[p] === 101 || buf[p] === 69)) {
    p++;
    let eneg = false;
    if (p < b && (buf[p] === 45 || buf[p] === 43)) {
      eneg = buf[p] === 45;
      p++;
    }
    let ev = 0;
    const e0 = p;
    while (p < b && buf[p] >= 48 && buf[p] <= 57 && p - e0 < 6) ev = ev * 10 + (buf[p++] - 48);
    if (p === e0) return parseCodaValue(Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('latin1'));
    exp10 += eneg ? -ev : ev;
  }
  if (!any || p !== b || digits > 15 || exp10 > 22 || exp10 < -22) {
    return parseCodaValue(Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('latin1'));
  }
  const mag = exp10 >= 0 ? mant * POW10[exp10] : mant / POW10[-exp10];
  return neg ? -mag : mag;
}

function splitFields(raw: string): [string | undefined, string | undefined, string | undefined] {
  const f = raw.trim().split(/\s+/);
  return [f[0] === '' ? undefined : f[0], f[1], f[2]];
}

function parseCodaValue(s: string): number | undefined {
  if (NUMBER.test(s)) return Number(s);
  switch (s) {
    case 'NA':
    case 'NaN':
      return NaN;
    case 'Inf':
    case '+Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default:
      return undefined;
  }
}

/**
 * Reads `<stem>index.txt` and `<stem>chain1.txt`, `<stem>chain2.txt`, … (all that exist, or
 * exactly `nchains`). Chains must hold the same nodes with the same numbers of draws.
 */
export function readCoda(stem: string, options: { nchains?: number } = {}): CodaOutput {
  const indexPath = `${stem}index.txt`;
  const index = parseCodaIndex(readText(indexPath, 'CODA index file'), indexPath);
  const chains: Map<string, CodaNodeDraws>[] = [];
  for (let k = 1; options.nchains === undefined || k <= options.nchains; k++) {
    const chainPath = `${stem}chain${k}.txt`;
    if (options.nchains === undefined && !existsSync(chainPath)) break;
    const bytes = readBytes(chainPath, 'CODA chain file');
    chains.push(parseCodaChainBytes(bytes, index) ?? parseCodaChain(bytes.toString('utf8'), index, chainPath, indexPath));
  }
  if (chains.length === 0) {
    throw new Lmer2JagsError(`no CODA chain files next to ${indexPath}`, {
      location: { kind: 'file', path: `${stem}chain1.txt` },
      hint: 'JAGS writes <stem>chain1.txt, <stem>chain2.txt, … with the index; check the stem',
    });
  }
  return { names: index.map((e) => e.name), chains };
}

/** Checks that every chain has the same iteration numbers for each node (chains that ran in step). */
export function checkChainsAligned(coda: CodaOutput, stem = ''): void {
  const first = coda.chains[0];
  for (let k = 1; k < coda.chains.length; k++) {
    for (const name of coda.names) {
      const a = first.get(name)?.iterations;
      const b = coda.chains[k].get(name)?.iterations;
      assert(a !== undefined && b !== undefined, `CODA: node ${name} missing`);
      for (let t = 0; t < a.length; t++) {
        if (a[t] !== b[t]) {
          throw new Lmer2JagsError(`CODA chains 1 and ${k + 1} disagree on the iterations of ${name} (${a[t]} vs ${b[t]})`, {
            location: { kind: 'file', path: `${stem}chain${k + 1}.txt` },
            hint: 'the chain files come from different runs',
          });
        }
      }
    }
  }
}

function readText(path: string, what: string): string {
  return readBytes(path, what).toString('utf8');
}

function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Lmer2JagsError(`cannot read ${what} ${path}${code ? ` (${code})` : ''}`, {
      location: { kind: 'file', path },
      hint: code === 'ENOENT' ? 'check the path and the CODA stem' : 'check the file permissions',
      cause: err,
    });
  }
}
