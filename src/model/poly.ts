/**
 * R's `poly(x, degree)`: orthogonal polynomials, and `poly(x, degree, raw = TRUE)`.
 *
 * The orthogonal basis is computed the way R's stats::poly does it, so values and signs
 * match: centre x, take the LINPACK QR (dqrdc2) of [1, x, x², …, x^degree], form
 * Q·diag(R) (column j is the part of x^j orthogonal to 1, x, …, x^(j-1), with the sign
 * that makes its inner product with x^j positive), and scale each column to unit length.
 */
import { qrLinpack, qrQy } from './design.js';

/** n × degree, column-major, or the reason R would refuse. */
export type PolyResult = { readonly values: Float64Array } | { readonly error: string };

/** Orthogonal polynomials of degree 1..degree. `x` must have no NaN (R refuses NA). */
export function orthogonalPolynomials(x: Float64Array, degree: number): PolyResult {
  const n = x.length;
  if (!(degree >= 1)) return { error: "'degree' must be at least 1" };
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(x[i])) return { error: "missing values are not allowed in 'poly'" };
  }
  const unique = new Set(x).size;
  if (degree >= unique) return { error: "'degree' must be less than number of unique points" };

  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i];
  const mean = sum / n;
  const p = degree + 1;
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const xc = x[i] - mean;
    for (let j = 0; j < p; j++) X[j * n + i] = xc ** j;
  }
  const qr = qrLinpack(X, n, p);
  if (qr.rank < degree) return { error: "'degree' must be less than number of unique points" };

  // z = the n × p matrix holding R's diagonal; Z = Q z.
  const Z = new Float64Array(n * p);
  for (let j = 0; j < p && j < n; j++) Z[j * n + j] = qr.qr[j * n + j];
  qrQy(qr, Z, p);

  const out = new Float64Array(n * degree);
  for (let j = 1; j < p; j++) {
    let norm2 = 0;
    for (let i = 0; i < n; i++) norm2 += Z[j * n + i] ** 2;
    const s = Math.sqrt(norm2);
    for (let i = 0; i < n; i++) out[(j - 1) * n + i] = Z[j * n + i] / s;
  }
  return { values: out };
}

/** `poly(x, degree, raw = TRUE)`: the columns x, x², …, x^degree (NA allowed, as in R). */
export function rawPolynomials(x: Float64Array, degree: number): PolyResult {
  if (!(degree >= 1)) return { error: "'degree' must be at least 1" };
  const n = x.length;
  const out = new Float64Array(n * degree);
  for (let j = 0; j < degree; j++) {
    for (let i = 0; i < n; i++) out[j * n + i] = x[i] ** (j + 1);
  }
  return { values: out };
}
