/**
 * Comparing text we print with text R printed (lme4's summary(), its messages), line by line.
 * A line matches when it is identical, or when it has the same words and its numbers differ by
 * at most one unit in the last digit R printed (or 1e-4 relative, for numbers printed with many
 * digits such as a gradient in a convergence message): the last digit of a rounded number can
 * differ when our estimate and lme4's agree to 1e-6 but straddle a rounding boundary. Numbers
 * with 6 or more significant digits (the %g of a gradient in a convergence message, itself a
 * finite difference dominated by rounding noise) may differ by 1e-4 relative. Alignment is only
 * checked on identical lines.
 */

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** One unit in the last printed digit of a number token ("25.592" → 0.001, "2.409e-06" → 1e-9). */
function lastDigitUnit(token: string): number {
  const m = /^[-+]?(\d*)(?:\.(\d*))?(?:e([-+]?\d+))?$/i.exec(token);
  if (!m) return 0;
  const decimals = m[2]?.length ?? 0;
  const exp = m[3] ? Number(m[3]) : 0;
  return 10 ** (exp - decimals);
}

/** Significant digits of a number token ("0.0948308" → 6, "1743.6" → 5). */
function significantDigits(token: string): number {
  const mant = token.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '');
  return mant.replace(/^0+/, '').length;
}

/** Split into words, and numbers out of the punctuation around them ("(tol", "=", "0.002,"). */
function tokens(line: string): string[] {
  return line
    .trim()
    .split(/\s+/)
    .flatMap((w) => w.split(/([(),;])/))
    .filter((t) => t !== '');
}

export interface TextComparison {
  /** Lines that differ beyond the tolerance, described. */
  readonly problems: string[];
  /** Lines that matched only with the last-digit tolerance. */
  readonly tolerated: string[];
}

export function compareRLines(ours: readonly string[], theirs: readonly string[]): TextComparison {
  const problems: string[] = [];
  const tolerated: string[] = [];
  if (ours.length !== theirs.length) problems.push(`${ours.length} lines, R printed ${theirs.length}`);
  const n = Math.min(ours.length, theirs.length);
  for (let i = 0; i < n; i++) {
    const a = ours[i];
    const b = theirs[i];
    if (a === b) continue;
    const ta = tokens(a);
    const tb = tokens(b);
    let ok = ta.length === tb.length;
    for (let k = 0; ok && k < ta.length; k++) {
      if (ta[k] === tb[k]) continue;
      if (!NUMBER.test(ta[k]) || !NUMBER.test(tb[k])) {
        ok = false;
        break;
      }
      const x = Number(ta[k]);
      const y = Number(tb[k]);
      const unit = Math.max(lastDigitUnit(tb[k]), lastDigitUnit(ta[k]));
      const rel = Math.min(significantDigits(ta[k]), significantDigits(tb[k])) >= 6 ? 1e-4 * Math.abs(y) : 0;
      const tol = Math.max(unit, rel) * (1 + 1e-9);
      if (!(Math.abs(x - y) <= tol)) ok = false;
    }
    const shown = `line ${i + 1}:\n  ours |${a}|\n  R    |${b}|`;
    if (ok) tolerated.push(shown);
    else problems.push(shown);
  }
  if (ours.length !== theirs.length) {
    for (let i = n; i < Math.max(ours.length, theirs.length); i++) problems.push(`line ${i + 1}: ours |${ours[i] ?? ''}|, R |${theirs[i] ?? ''}|`);
  }
  return { problems, tolerated };
}

/** Whether one message matches R's (same words, numbers within the tolerance above). */
export function sameRMessage(ours: string, theirs: string): boolean {
  const a = ours.split('\n');
  const b = theirs.split('\n');
  return compareRLines(a, b).problems.length === 0;
}
