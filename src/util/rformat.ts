/**
 * Numbers printed the way R prints them with 15 significant digits (deparse, as.character,
 * factor levels of numeric columns): the shorter of fixed and scientific notation, fixed on a
 * tie, scientific exponents signed and at least two digits ("1e+05", "1e-04").
 */
export function formatRNumber(x: number, digits = 15): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return '0';
  const neg = x < 0 ? 1 : 0;
  const ax = Math.abs(x);
  // Shortest mantissa (≤ digits significant digits) that represents x to `digits` digits.
  const [mant, expText] = ax.toExponential(digits - 1).split('e');
  const e10 = Number(expText);
  const sigDigits = mant.replace('.', '').replace(/0+$/, '');
  const nsig = Math.max(1, sigDigits.length);
  const rgt = Math.max(0, nsig - e10 - 1);
  const left = e10 >= 0 ? e10 + 1 : 1;
  const fixedWidth = neg + left + (rgt > 0 ? rgt + 1 : 0);
  const expDigits = Math.abs(e10) >= 100 ? 3 : 2;
  const sciWidth = neg + (nsig > 1 ? nsig + 1 : 1) + 2 + expDigits;
  if (fixedWidth <= sciWidth) {
    return (neg ? '-' : '') + ax.toFixed(Math.min(rgt, 100));
  }
  const m = nsig > 1 ? `${sigDigits[0]}.${sigDigits.slice(1)}` : sigDigits[0];
  return `${neg ? '-' : ''}${m}e${e10 < 0 ? '-' : '+'}${String(Math.abs(e10)).padStart(2, '0')}`;
}
