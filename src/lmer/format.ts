/**
 * The text of lme4's print(summary(fit)) for an LmerFit: title, call, criterion (or the
 * AIC/BIC/logLik/deviance/df.resid table for ML), scaled residuals, the random-effects table,
 * number of observations and groups, fixed effects with t values, their correlations, fit
 * warnings and the optimizer / convergence messages. The layout follows lme4 1.1-31 with R's
 * defaults (digits = 7, so the summary prints with 4 significant digits; width = 80).
 *
 * The first half of this file is R's number and table printing (format(), round(), zapsmall(),
 * abbreviate(), print of named vectors and matrices, cat(fill = TRUE)), written from R's
 * documented behaviour and checked against real R output.
 */
import { parseFormula } from '../formula/parse.js';
import { expandFormula } from '../formula/bars.js';
import { deparse } from '../formula/deparse.js';
import type { Expr, Formula } from '../formula/ast.js';
import { formatG } from './convergence.js';
import type { LmerFit } from './fit.js';

// ----- exact decimal rounding ------------------------------------------------------------

/** The significant decimal digits of |x| (exact up to 100 digits) and the power of ten of the first. */
interface Decimal {
  readonly digits: string;
  readonly exp10: number;
}

function decimalOf(ax: number): Decimal {
  let s = ax.toPrecision(100);
  let e = 0;
  const ei = s.indexOf('e');
  if (ei >= 0) {
    e = Number(s.slice(ei + 1));
    s = s.slice(0, ei);
  }
  const dot = s.indexOf('.');
  const intPart = dot >= 0 ? s.slice(0, dot) : s;
  const all = dot >= 0 ? intPart + s.slice(dot + 1) : s;
  let lead = 0;
  while (lead < all.length - 1 && all[lead] === '0') lead++;
  return { digits: all.slice(lead).replace(/0+$/, '') || '0', exp10: intPart.length - lead - 1 + e };
}

/**
 * Round a decimal to n significant digits (n ≥ 0) as C's printf does: to nearest, ties (exact
 * halves) to even. Returns exactly n digits (or "1" followed by zeros after a carry), or, for
 * n = 0, "" or "1" with the exponent of the rounding position.
 */
function roundDecimal(d: Decimal, n: number): Decimal {
  if (n < 0) return { digits: '', exp10: d.exp10 - n };
  const ds = d.digits;
  if (ds.length <= n) return { digits: ds.padEnd(n, '0'), exp10: d.exp10 };
  const next = ds.charCodeAt(n) - 48;
  const rest = ds.slice(n + 1);
  const prevOdd = n > 0 && (ds.charCodeAt(n - 1) - 48) % 2 === 1;
  const up = next > 5 || (next === 5 && (/[1-9]/.test(rest) || prevOdd));
  let kept = ds.slice(0, n);
  if (!up) return { digits: kept, exp10: d.exp10 };
  // Add one in the last kept place.
  const arr = kept.split('');
  let i = arr.length - 1;
  while (i >= 0 && arr[i] === '9') {
    arr[i] = '0';
    i--;
  }
  if (i >= 0) {
    arr[i] = String.fromCharCode(arr[i].charCodeAt(0) + 1);
    kept = arr.join('');
    return { digits: kept, exp10: d.exp10 };
  }
  return { digits: '1' + arr.join(''), exp10: d.exp10 + 1 };
}

/** C's sprintf("%.*f", d, x), rounding ties to even on the exact binary value. */
export function toFixedC(x: number, d: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  // R prints a zero without its sign; other negatives keep it even when they round to zero.
  const neg = x < 0;
  if (x === 0) return d > 0 ? `0.${'0'.repeat(d)}` : '0';
  const dec = decimalOf(Math.abs(x));
  // Significant digits kept: those at positions 10^exp10 … 10^-d.
  const r = roundDecimal(dec, dec.exp10 + 1 + d);
  let digits = r.digits;
  let exp10 = r.exp10;
  if (!/[1-9]/.test(digits)) {
    digits = '';
    exp10 = -d - 1;
  }
  // Lay the digits out on the grid from 10^max(exp10, 0) down to 10^-d.
  const top = Math.max(exp10, 0);
  let out = '';
  for (let pos = top; pos >= -d; pos--) {
    const idx = exp10 - pos;
    out += idx >= 0 && idx < digits.length ? digits[idx] : '0';
    if (pos === 0 && d > 0) out += '.';
  }
  return (neg ? '-' : '') + out;
}

/** C's sprintf("%.*e", d, x): d digits after the point, exponent signed with ≥ 2 digits. */
export function toExponentialC(x: number, d: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  const neg = x < 0;
  let digits: string;
  let exp10: number;
  if (x === 0) {
    digits = '0'.repeat(d + 1);
    exp10 = 0;
  } else {
    const r = roundDecimal(decimalOf(Math.abs(x)), d + 1);
    digits = r.digits.slice(0, d + 1);
    exp10 = r.exp10;
  }
  const mant = d > 0 ? `${digits[0]}.${digits.slice(1)}` : digits[0];
  const e = Math.abs(exp10);
  return `${neg ? '-' : ''}${mant}e${exp10 < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
}

/** R's round(x, digits) (R ≥ 4: the decimal nearest to x, exact halves to even). */
export function roundR(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  if (digits > 15) return x;
  return Number(toFixedC(x, digits));
}

/**
 * R 4.2's zapsmall(x, digits): round(x, max(0, digits − log10(max|x|))). The number of decimals
 * is not an integer there, and round() takes floor(d + 0.5) of it (R's fround), so a largest
 * value of 2.98 keeps 5 decimals with digits = 5 while 5.18 keeps 4.
 */
export function zapsmall(x: readonly number[], digits: number): number[] {
  const finite = x.filter(Number.isFinite);
  if (finite.length === 0) return [...x];
  const mx = Math.max(...finite.map(Math.abs));
  const d = mx > 0 ? Math.max(0, digits - Math.log10(mx)) : digits;
  const dig = Math.floor(d + 0.5);
  return x.map((v) => roundR(v, dig));
}

// ----- format() -----------------------------------------------------------------------------

const KP_MAX = 22;

/** R's scientific(): sign, power of ten, significant digits (≤ digits) and whether rounding widens. */
function scientific(x: number, digits: number): { neg: boolean; kpower: number; nsig: number; widens: boolean } {
  if (x === 0) return { neg: false, kpower: 0, nsig: 1, widens: false };
  const r = Math.abs(x);
  const rounded = roundDecimal(decimalOf(r), digits);
  const kpower = rounded.exp10;
  const nsig = Math.max(1, rounded.digits.replace(/0+$/, '').length);
  const rgt = Math.min(Math.max(digits - kpower, 0), KP_MAX);
  const fuzz = 0.5 / 10 ** rgt;
  const widens = kpower > 0 && kpower <= KP_MAX && r < 10 ** kpower - fuzz;
  return { neg: x < 0, kpower, nsig, widens };
}

/** R's formatReal: common width w, decimals d and exponent flag e (0 = fixed notation). */
export function formatRealLayout(x: readonly number[], digits: number, nsmall = 0): { w: number; d: number; e: number } {
  let neg = false;
  let rgt = -Infinity;
  let mxl = -Infinity;
  let mnl = Infinity;
  let mxsl = -Infinity;
  let mxns = -Infinity;
  let nan = false;
  let posinf = false;
  let neginf = false;
  let anyFinite = false;
  for (const v of x) {
    if (!Number.isFinite(v)) {
      if (Number.isNaN(v)) nan = true;
      else if (v > 0) posinf = true;
      else neginf = true;
      continue;
    }
    anyFinite = true;
    const s = scientific(v, digits);
    let left = s.kpower + 1;
    if (s.widens) left--;
    const sleft = (s.neg ? 1 : 0) + (left <= 0 ? 1 : left);
    const right = s.nsig - left;
    if (s.neg) neg = true;
    rgt = Math.max(rgt, right);
    mxl = Math.max(mxl, left);
    mnl = Math.min(mnl, left);
    mxsl = Math.max(mxsl, sleft);
    mxns = Math.max(mxns, s.nsig);
  }
  let w = 0;
  let d = 0;
  let e = 0;
  if (anyFinite) {
    if (mxl < 0) mxsl = 1 + (neg ? 1 : 0);
    if (rgt < 0) rgt = 0;
    let wF = mxsl + rgt + (rgt !== 0 ? 1 : 0);
    e = mxl > 100 || mnl <= -99 ? 2 : 1;
    d = mxns - 1;
    w = (neg ? 1 : 0) + (d > 0 ? 1 : 0) + d + 4 + e;
    if (wF <= w) {
      e = 0;
      if (nsmall > rgt) {
        rgt = nsmall;
        wF = mxsl + rgt + (rgt !== 0 ? 1 : 0);
      }
      d = rgt;
      w = wF;
    }
  }
  if (nan && w < 3) w = 3;
  if (posinf && w < 3) w = 3;
  if (neginf && w < 4) w = 4;
  return { w, d, e };
}

function encodeReal(v: number, w: number, d: number, e: number): string {
  let s: string;
  if (Number.isNaN(v)) s = 'NaN';
  else if (!Number.isFinite(v)) s = v > 0 ? 'Inf' : '-Inf';
  else if (e) s = toExponentialC(v, d);
  else s = toFixedC(v, d);
  return s.padStart(w);
}

/** R's format(x, digits = digits, nsmall = nsmall) for a numeric vector: common width and layout. */
export function formatNumbers(x: readonly number[], digits = 7, nsmall = 0): string[] {
  const { w, d, e } = formatRealLayout(x, digits, nsmall);
  return x.map((v) => encodeReal(v, w, d, e));
}

// ----- abbreviate() ---------------------------------------------------------------------------

const isSpace = (c: string | undefined): boolean => c !== undefined && /^[ \t\n\r\f\v]$/.test(c);
const isLowerVowel = (c: string): boolean => c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u';
const isLower = (c: string): boolean => c >= 'a' && c <= 'z';

/** R's internal abbreviation of one string (use.classes = TRUE, method "left.kept"). */
function stripChars(input: string, minlen: number): string {
  const s = Array.from(input);
  let nspace = 0;
  const len = (): number => s.length - nspace;
  const first = (i: number): boolean => isSpace(s[i - 1]);
  const last = (i: number): boolean => !isSpace(s[i - 1]) && (i + 1 >= s.length || isSpace(s[i + 1]));
  done: {
    if (s.length < minlen) break done;
    // Trailing spaces go; inner spaces are counted (they mark word boundaries).
    for (let i = s.length - 1, trailing = true; i > 0; i--) {
      if (isSpace(s[i])) {
        if (trailing) s.length = i;
        else nspace++;
      } else trailing = false;
      if (len() <= minlen) break done;
    }
    const passes: ((i: number) => boolean)[] = [
      (i) => isLowerVowel(s[i]) && last(i),
      (i) => isLowerVowel(s[i]) && !first(i),
      (i) => isLower(s[i]) && last(i),
      (i) => isLower(s[i]) && !first(i),
      (i) => !first(i) && !isSpace(s[i]),
    ];
    for (const drop of passes) {
      for (let i = s.length - 1; i > 0; i--) {
        if (i < s.length && drop(i)) s.splice(i, 1);
        if (len() <= minlen) break done;
      }
    }
  }
  if (s.length > minlen) {
    for (let i = s.length - 1; i > 0; i--) if (isSpace(s[i])) s.splice(i, 1);
  }
  return s.join('');
}

/** R's abbreviate(names, minlength) with its defaults: unique abbreviations, lengthened as needed. */
export function abbreviate(names: readonly string[], minlength: number): string[] {
  if (minlength <= 0) return names.map(() => '');
  const old = names.map((n) => n.replace(/ +$/, '').replace(/^ +/, ''));
  const uniq = [...new Set(old)];
  const internal = (x: string, m: number): string => (Array.from(x).length > m ? stripChars(x, m) : x);
  const x = [...uniq];
  let dup2 = uniq.map(() => true);
  let minl = minlength;
  for (;;) {
    for (let i = 0; i < uniq.length; i++) if (dup2[i]) x[i] = internal(uniq[i], minl);
    const seen = new Set<string>();
    const dupNow = x.map((v) => {
      const d = seen.has(v);
      seen.add(v);
      return d;
    });
    if (!dupNow.some(Boolean)) break;
    minl++;
    const dupValues = new Set(x.filter((_, i) => dupNow[i]));
    dup2 = x.map((v, i) => dupNow[i] || dupValues.has(v));
  }
  const map = new Map(uniq.map((u, i) => [u, x[i]]));
  return old.map((o) => map.get(o) as string);
}

// ----- printing ---------------------------------------------------------------------------------

const width = (s: string): number => Array.from(s).length;
const padRight = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));
const padLeft = (s: string, w: number): string => ' '.repeat(Math.max(0, w - width(s))) + s;

/** print() of a named vector whose entries are already formatted: right-justified columns. */
export function printNamedVector(names: readonly string[], cells: readonly string[], lineWidth = 80): string {
  const w = Math.max(0, ...cells.map(width), ...names.map(width));
  const perLine = Math.max(1, Math.floor(lineWidth / (w + 1)));
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += perLine) {
    const idx = cells.slice(i, i + perLine).map((_, k) => i + k);
    lines.push(idx.map((k) => `${padLeft(names[k], w)} `).join(''));
    lines.push(idx.map((k) => `${padLeft(cells[k], w)} `).join(''));
  }
  return lines.join('\n') + '\n';
}

/**
 * print() of a character matrix with quote = FALSE: row names left-justified, columns
 * right-justified (right = TRUE) or left-justified, split into column blocks that fit the width.
 */
export function printMatrix(
  rowNames: readonly string[],
  colNames: readonly string[],
  cells: readonly (readonly string[])[],
  right: boolean,
  lineWidth = 80,
): string {
  const rw = Math.max(0, ...rowNames.map(width));
  const colW = colNames.map((c, j) => Math.max(width(c), ...cells.map((row) => width(row[j]))));
  const just = (s: string, w: number): string => (right ? padLeft(s, w) : padRight(s, w));
  const out: string[] = [];
  let jmin = 0;
  const nc = colNames.length;
  if (nc === 0) return rowNames.map((r) => padRight(r, rw)).join('\n') + '\n';
  while (jmin < nc) {
    let total = rw;
    let jmax = jmin;
    do {
      total += colW[jmax] + 1;
      jmax++;
    } while (jmax < nc && total + colW[jmax] + 1 < lineWidth);
    const cols = Array.from({ length: jmax - jmin }, (_, k) => jmin + k);
    out.push(' '.repeat(rw) + cols.map((j) => ` ${just(colNames[j], colW[j])}`).join(''));
    rowNames.forEach((r, i) => out.push(padRight(r, rw) + cols.map((j) => ` ${just(cells[i][j], colW[j])}`).join('')));
    jmin = jmax;
  }
  return out.join('\n') + '\n';
}

/** cat(items, fill = TRUE): items separated by a space, a new line when the next would pass the width. */
export function catFill(items: readonly string[], lineWidth = 80): string {
  let out = '';
  let w = 0;
  items.forEach((item, k) => {
    if (k > 0) out += ' ';
    const iw = width(item);
    if (w + iw + 1 > lineWidth) {
      out += '\n';
      w = 0;
    }
    out += item;
    w += iw + 1;
  });
  return out + '\n';
}

// ----- the summary --------------------------------------------------------------------------

export interface SummaryOptions {
  /** What the "Data:" line shows (lme4: the data argument); omitted when absent. */
  readonly data?: string;
  /** The weights column ("Weights:" line). */
  readonly weights?: string;
  /** The offset column (" Offset:" line). */
  readonly offset?: string;
  /** The "Control:" line (e.g. a non-default evaluation limit). */
  readonly control?: string;
  /** Significant digits (lme4: max(3, getOption("digits") − 3) = 4). */
  readonly digits?: number;
  /** Line width (R's getOption("width"), 80). */
  readonly width?: number;
  /** Most fixed effects whose correlation matrix is shown (lme4.summary.cor.max, 12). */
  readonly corMax?: number;
}

/**
 * The formula as lme4 keeps it in the call: deparsed, with `(a || g)` written out as lme4's
 * expandDoubleVerts does, `((1 | g) + (0 + a | g))`.
 */
export function lmerCallFormula(text: string): string {
  let f: Formula;
  try {
    f = parseFormula(text);
  } catch {
    return text;
  }
  const bars = expandFormula(f).bars;
  const walk = (e: Expr): string => {
    switch (e.kind) {
      case 'paren':
        if (e.expr.kind === 'binary' && e.expr.op === '||') return `(${doubleBar(e.expr)})`;
        return `(${walk(e.expr)})`;
      case 'binary':
        if (e.op === '||') return `(${doubleBar(e)})`;
        return TIGHT.has(e.op) ? `${walk(e.left)}${e.op}${walk(e.right)}` : `${walk(e.left)} ${e.op} ${walk(e.right)}`;
      case 'unary':
        return `${e.op}${walk(e.operand)}`;
      default:
        return deparse(e);
    }
  };
  const doubleBar = (e: Expr & { kind: 'binary' }): string => {
    const mine = bars.filter((b) => b.fromDoubleBar && b.span.start === e.span.start && b.span.end === e.span.end);
    const firstGroup = mine[0]?.groupLabel;
    const group = deparse(e.right);
    const parts = mine
      .filter((b) => b.groupLabel === firstGroup)
      .map((b) => `(${b.label.slice(0, b.label.length - b.groupLabel.length)}${group})`);
    return parts.length > 0 ? parts.join(' + ') : `${walk(e.left)} || ${walk(e.right)}`;
  };
  return f.lhs ? `${walk(f.lhs)} ~ ${walk(f.rhs)}` : `~${walk(f.rhs)}`;
}

const TIGHT = new Set(['/', '^', ':', '%%', '%/%']);

/** lme4's optinfo$conv$opt: NLopt's code when it signals a problem (< 0, or 5 = maxeval), else 0. */
export function lme4ConvergenceCode(fit: LmerFit): number {
  const c = fit.optimizer.code;
  return c < 0 || c === 5 ? c : 0;
}

/** print(summary(fit)) of lme4 1.1-31, for our fit. */
export function formatLmerSummary(fit: LmerFit, options: SummaryOptions = {}): string {
  const digits = options.digits ?? 4;
  const lw = options.width ?? 80;
  const corMax = options.corMax ?? 12;
  let out = '';

  // Title and call.
  const title = fit.method === 'REML' ? 'Linear mixed model fit by REML' : 'Linear mixed model fit by maximum likelihood ';
  out += `${title} ['lmerMod']\n`;
  out += catFill(['Formula:', lmerCallFormula(fit.formula)], lw);
  if (options.data !== undefined) out += catFill(['   Data:', options.data], lw);
  if (options.weights !== undefined) out += catFill(['Weights:', options.weights], lw);
  if (options.offset !== undefined) out += catFill([' Offset:', options.offset], lw);
  if (options.control !== undefined) out += catFill(['Control:', options.control], lw);
  out += '\n';

  // Criterion, or the information criteria for ML.
  if (fit.method === 'REML') {
    out += catFill(['REML criterion at convergence:', formatNumbers([roundR(fit.criterion, 1)], 7)[0].trim()], lw);
  } else {
    const tab = [fit.AIC, fit.BIC, fit.logLik, fit.deviance, fit.dfResidual].map((v) => roundR(v, 1));
    const cells = formatNumbers(tab, 7);
    cells[4] = formatNumbers([tab[4]], 7)[0];
    out += printNamedVector(['AIC', 'BIC', 'logLik', 'deviance', 'df.resid'], cells, lw);
  }
  out += '\n';

  // Scaled residuals.
  out += 'Scaled residuals: \n';
  const rq = zapsmall(fit.summaryResidualQuantiles, digits + 1);
  out += printNamedVector(['Min', '1Q', 'Median', '3Q', 'Max'], formatNumbers(rq, digits), lw);
  out += '\n';

  // Random effects.
  out += 'Random effects:\n';
  out += formatVarCorr(fit, digits, lw);
  const groups = fit.ngroups.map((g) => `${g.group}, ${g.levels}`).join('; ');
  out += catFill([`Number of obs: ${fit.nobs}, groups: `, groups], lw);

  // Fixed effects.
  const p = fit.fixefNames.length;
  if (p > 0) {
    out += '\nFixed effects:\n';
    out += formatCoefficients(fit, digits, lw);
    if (p > corMax) {
      out += `\nCorrelation matrix not shown by default, as p = ${p} > ${corMax}.\n`;
      out += 'Use fit --json (its vcov) if you need it\n\n';
    } else if (p > 1) {
      out += '\nCorrelation of Fixed Effects:\n';
      out += formatFixefCorrelation(fit, lw);
    }
  }

  // Messages.
  if (fit.fitMessages.length > 0) out += `fit warnings:\n${fit.fitMessages.join('\n')}\n`;
  const cc = lme4ConvergenceCode(fit);
  const msgs = fit.convergenceMessages;
  if (cc > 0 || msgs.length > 0) {
    const m = cc === 0 ? '(OK)' : `(${fit.optimizer.message})`;
    out += [`optimizer (nloptwrap) convergence code: ${cc} ${m}`, ...msgs].join('\n') + '\n\n';
  }
  return out;
}

/** lme4's formatVC printed with print(…, quote = FALSE): Groups, Name, Variance, Std.Dev., Corr. */
function formatVarCorr(fit: LmerFit, digits: number, lw: number): string {
  const groups = fit.varcorr;
  const sds = [...groups.flatMap((g) => g.sd), fit.sigma];
  const nr = sds.length;
  const groupCol: string[] = [];
  const nameCol: string[] = [];
  for (const g of groups) g.terms.forEach((t, k) => (groupCol.push(k === 0 ? g.group : ''), nameCol.push(t)));
  groupCol.push('Residual');
  nameCol.push('');
  const variance = formatNumbers(sds.map((s) => s * s), digits);
  const stddev = formatNumbers(sds, digits);
  const colNames = ['Groups', 'Name', 'Variance', 'Std.Dev.'];
  const rows: string[][] = Array.from({ length: nr }, (_, i) => [groupCol[i], nameCol[i], variance[i], stddev[i]]);
  const maxlen = Math.max(...groups.map((g) => g.terms.length));
  if (maxlen > 1) {
    const dig = Math.max(2, digits - 2);
    const corrRows: string[][] = [];
    for (const g of groups) {
      const q = g.terms.length;
      const flat = formatNumbers(g.corr.flat().map((v) => roundR(v, dig)), 7, dig);
      for (let r = 0; r < q; r++) {
        const row: string[] = [];
        for (let c = 0; c < maxlen; c++) row.push(c < r && c < q ? flat[c * q + r] : '');
        corrRows.push(row.slice(0, maxlen - 1));
      }
    }
    while (corrRows.length < nr) corrRows.push(new Array<string>(maxlen - 1).fill(''));
    colNames.push('Corr', ...new Array<string>(maxlen - 2).fill(''));
    rows.forEach((row, i) => row.push(...corrRows[i]));
  }
  return printMatrix(new Array<string>(nr).fill(''), colNames, rows, false, lw);
}

/** printCoefmat(coefs, digits = 4) for Estimate, Std. Error and t value. */
function formatCoefficients(fit: LmerFit, digits: number, lw: number): string {
  const p = fit.fixefNames.length;
  const est = Array.from(fit.fixef);
  const se = Array.from(fit.se);
  const tval = est.map((b, i) => b / se[i]);
  const coefSe = [...est, ...se]; // column-major, as R's matrix
  const digTst = Math.max(1, Math.min(5, digits - 1));
  const cs: string[] = new Array<string>(2 * p).fill('');
  const acs = coefSe.map(Math.abs).filter((v) => Number.isFinite(v));
  if (acs.length > 0) {
    const nz = acs.filter((v) => v !== 0);
    const digmin = nz.length > 0 ? 1 + Math.floor(Math.log10(Math.min(...nz))) : 1;
    const digmax = nz.length > 0 ? 1 + Math.floor(Math.log10(Math.max(...nz))) : 1;
    const dround = Math.max(1, digits - digmin, digits - digmax);
    formatNumbers(coefSe.map((v) => roundR(v, dround)), digits).forEach((s, i) => (cs[i] = s));
  }
  const ts = formatNumbers(tval.map((v) => roundR(v, digTst)), digits);
  // Entries that print as zero but are not (or the reverse) get digits − 1 significant digits.
  const wrong = coefSe
    .map((v, i) => ({ v, i }))
    .filter(({ v, i }) => Number.isFinite(v) && (v === 0) !== (Number(cs[i]) === 0));
  if (wrong.length > 0) {
    const fixed = formatNumbers(wrong.map((w) => w.v), Math.max(1, digits - 1));
    wrong.forEach((w, k) => (cs[w.i] = fixed[k]));
  }
  coefSe.forEach((v, i) => {
    if (Number.isNaN(v)) cs[i] = 'NaN';
  });
  const cells = Array.from({ length: p }, (_, a) => [cs[a], cs[p + a], Number.isNaN(tval[a]) ? 'NaN' : ts[a]]);
  return printMatrix(fit.fixefNames, ['Estimate', 'Std. Error', 't value'], cells, true, lw);
}

/** The lower triangle of the fixed effects' correlation matrix, as lme4 prints it. */
function formatFixefCorrelation(fit: LmerFit, lw: number): string {
  const p = fit.fixefNames.length;
  const V = fit.vcov;
  const corr: number[] = [];
  for (let c = 0; c < p; c++) {
    for (let r = 0; r < p; r++) corr.push(V[r * p + c] / Math.sqrt(V[r * p + r] * V[c * p + c]));
  }
  const f = formatNumbers(corr.map((v) => roundR(v, 3)), 7, 3);
  const rowNames = abbreviate(fit.fixefNames, 11).slice(1);
  const colNames = abbreviate(fit.fixefNames, 6).slice(0, p - 1);
  const cells = Array.from({ length: p - 1 }, (_, i) =>
    Array.from({ length: p - 1 }, (_, j) => (j < i + 1 ? f[j * p + (i + 1)] : '')),
  );
  return printMatrix(rowNames, colNames, cells, false, lw);
}

// ----- the optimizer record (fit --verbose) ---------------------------------------------------

/** C's %g with 7 significant digits, for θ and criteria. */
function g7(x: number): string {
  return Number.isFinite(x) ? formatG(x, 7) : String(x);
}

/**
 * What the optimizer did, for `fit --verbose`: start and final θ, the criterion at both, the
 * number of evaluations (the optimizer's last run as lme4 counts it, and every evaluation
 * including restarts, boundary checks and the finite-difference derivatives), NLopt's return
 * reason, the post-fit boundary steps and the scaled-gradient check. Lines end with '\n'.
 */
export function formatOptimizerRecord(fit: LmerFit): string {
  const o = fit.optimizer;
  const crit = fit.method === 'REML' ? 'REML criterion' : 'deviance';
  const lines = [
    `optimizer: ${o.name} (bounded derivative-free trust region, as nloptwrap runs it for lme4), ${o.thetaStart.length} parameter${o.thetaStart.length === 1 ? '' : 's'}`,
    `  start theta: ${o.thetaStart.map(g7).join(' ')}`,
    `  final theta: ${o.thetaEnd.map(g7).join(' ')}`,
    `  ${crit}: ${g7(o.criterionStart)} at the start, ${g7(o.criterionEnd)} at the end`,
    `  evaluations: ${o.evaluations} by the optimizer${o.restarted ? ' (last run)' : ''}, ${o.totalEvaluations} in all (with the boundary and derivative checks)`,
    `  return: ${o.status} (NLopt code ${o.code}): ${o.message}`,
  ];
  if (o.restarted) lines.push('  restarted: a boundary parameter had a negative one-sided derivative, so the optimizer ran again from there');
  if (o.snappedToBoundary.length > 0) {
    lines.push(`  set to the boundary (within 1e-5 and no worse): theta[${o.snappedToBoundary.map((i) => i + 1).join(', ')}]`);
  }
  if (fit.derivatives) {
    lines.push(`  gradient at the end: ${[...fit.derivatives.gradient].map((v) => formatG(v, 4)).join(' ')}`);
  } else {
    lines.push('  gradient at the end: not computed');
  }
  lines.push(`  time: ${fit.elapsedMs.toFixed(0)} ms`);
  return lines.join('\n') + '\n';
}
