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
  return { index: formatCodaIndex(coda.names, lengths), chains: coda.chains.map((c) => formatCodaChain(coda.names, c)) };
}

/** Writes `<stem>index.txt` and `<stem>chain<k>.txt`; returns the paths written. */
export function writeCoda(stem: string, coda: CodaOutput): string[] {
  const { index, chains } = formatCoda(coda);
  const paths = [`${stem}index.txt`, ...chains.map((_, k) => `${stem}chain${k + 1}.txt`)];
  writeFileSync(paths[0], index);
  chains.forEach((text, k) => writeFileSync(paths[k + 1], text));
  return paths;
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
    chains.push(parseCodaChain(readText(chainPath, 'CODA chain file'), index, chainPath, indexPath));
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
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Lmer2JagsError(`cannot read ${what} ${path}${code ? ` (${code})` : ''}`, {
      location: { kind: 'file', path },
      hint: code === 'ENOENT' ? 'check the path and the CODA stem' : 'check the file permissions',
      cause: err,
    });
  }
}
