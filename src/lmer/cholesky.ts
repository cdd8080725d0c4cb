/**
 * Dense linear-algebra kernels for the blocked PLS factorization: Cholesky factors, triangular
 * solves and the "subtract A·B'" products. Every dense matrix is row-major; a lower-triangular
 * factor of order n lives in an n × n array and only its lower triangle (j ≤ i) is read.
 * No kernel allocates: they run inside the optimizer's objective.
 */

/**
 * In-place Cholesky factorization A = L L' of the lower triangle of the n × n row-major matrix
 * stored at `a[off …]`. Returns false (leaving `a` partly overwritten) when a pivot is not
 * positive, i.e. A is not positive definite.
 *
 * The dot-product (Crout) form runs over contiguous rows; four rows of L are computed together
 * against two earlier rows at a time, so each loaded element is used several times. With
 * `first` (the envelope: row i is zero left of column first[i], in A and hence in L), the work
 * outside the envelope is skipped; those entries must be zero on entry.
 */
export function choleskyInPlace(a: Float64Array, n: number, off = 0, first: Int32Array | null = null): boolean {
  let i0 = 0;
  for (; i0 + 4 <= n; i0 += 4) {
    const r0 = off + i0 * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const f0 = first ? first[i0] : 0;
    const f1 = first ? first[i0 + 1] : 0;
    const f2 = first ? first[i0 + 2] : 0;
    const f3 = first ? first[i0 + 3] : 0;
    const fmin = Math.min(f0, f1, f2, f3);
    const fmax = Math.max(f0, f1, f2, f3);
    let j = fmin;
    for (; j + 2 <= i0; j += 2) {
      const rj = off + j * n;
      const rk = rj + n;
      const kj = first ? Math.min(first[j], first[j + 1]) : 0;
      // The four rows together from where all of them are inside their envelope; before that,
      // each row alone from its own first column (same additions in the same order as if the
      // rows ran from the block's first column: the skipped products are exact zeros).
      const k0 = Math.max(fmax, kj);
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      let b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      if (k0 > fmin) {
        const e = Math.min(k0, j);
        for (let k = Math.max(f0, kj); k < e; k++) {
          const x = a[r0 + k];
          a0 += x * a[rj + k];
          b0 += x * a[rk + k];
        }
        for (let k = Math.max(f1, kj); k < e; k++) {
          const x = a[r1 + k];
          a1 += x * a[rj + k];
          b1 += x * a[rk + k];
        }
        for (let k = Math.max(f2, kj); k < e; k++) {
          const x = a[r2 + k];
          a2 += x * a[rj + k];
          b2 += x * a[rk + k];
        }
        for (let k = Math.max(f3, kj); k < e; k++) {
          const x = a[r3 + k];
          a3 += x * a[rj + k];
          b3 += x * a[rk + k];
        }
      }
      for (let k = k0; k < j; k++) {
        const u = a[rj + k];
        const v = a[rk + k];
        const x0 = a[r0 + k], x1 = a[r1 + k], x2 = a[r2 + k], x3 = a[r3 + k];
        a0 += x0 * u; a1 += x1 * u; a2 += x2 * u; a3 += x3 * u;
        b0 += x0 * v; b1 += x1 * v; b2 += x2 * v; b3 += x3 * v;
      }
      const dj = a[rj + j];
      const y0 = (a[r0 + j] - a0) / dj;
      const y1 = (a[r1 + j] - a1) / dj;
      const y2 = (a[r2 + j] - a2) / dj;
      const y3 = (a[r3 + j] - a3) / dj;
      a[r0 + j] = y0; a[r1 + j] = y1; a[r2 + j] = y2; a[r3 + j] = y3;
      const v = a[rk + j];
      const dk = a[rk + j + 1];
      a[r0 + j + 1] = (a[r0 + j + 1] - b0 - y0 * v) / dk;
      a[r1 + j + 1] = (a[r1 + j + 1] - b1 - y1 * v) / dk;
      a[r2 + j + 1] = (a[r2 + j + 1] - b2 - y2 * v) / dk;
      a[r3 + j + 1] = (a[r3 + j + 1] - b3 - y3 * v) / dk;
    }
    for (; j < i0; j++) {
      const rj = off + j * n;
      const kj = first ? first[j] : 0;
      const k0 = Math.max(fmax, kj);
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      if (k0 > fmin) {
        const e = Math.min(k0, j);
        for (let k = Math.max(f0, kj); k < e; k++) a0 += a[r0 + k] * a[rj + k];
        for (let k = Math.max(f1, kj); k < e; k++) a1 += a[r1 + k] * a[rj + k];
        for (let k = Math.max(f2, kj); k < e; k++) a2 += a[r2 + k] * a[rj + k];
        for (let k = Math.max(f3, kj); k < e; k++) a3 += a[r3 + k] * a[rj + k];
      }
      for (let k = k0; k < j; k++) {
        const u = a[rj + k];
        a0 += a[r0 + k] * u; a1 += a[r1 + k] * u; a2 += a[r2 + k] * u; a3 += a[r3 + k] * u;
      }
      const dj = a[rj + j];
      a[r0 + j] = (a[r0 + j] - a0) / dj;
      a[r1 + j] = (a[r1 + j] - a1) / dj;
      a[r2 + j] = (a[r2 + j] - a2) / dj;
      a[r3 + j] = (a[r3 + j] - a3) / dj;
    }
    // The 4 × 4 triangle on the diagonal.
    for (let i = i0; i < i0 + 4; i++) {
      if (!finishRow(a, n, off, i, Math.max(i0, first ? first[i] : 0), first)) return false;
    }
  }
  for (let i = i0; i < n; i++) {
    if (!finishRow(a, n, off, i, first ? first[i] : 0, first)) return false;
  }
  return true;
}

/** Columns j = from … i of row i of the Crout factorization. */
function finishRow(a: Float64Array, n: number, off: number, i: number, from: number, first: Int32Array | null): boolean {
  const ri = off + i * n;
  const fi = first ? first[i] : 0;
  for (let j = from; j < i; j++) {
    const rj = off + j * n;
    let s = a[ri + j];
    for (let k = first ? Math.max(fi, first[j]) : 0; k < j; k++) s -= a[ri + k] * a[rj + k];
    a[ri + j] = s / a[rj + j];
  }
  let d = a[ri + i];
  for (let k = fi; k < i; k++) d -= a[ri + k] * a[ri + k];
  if (!(d > 0)) return false;
  a[ri + i] = Math.sqrt(d);
  return true;
}

/**
 * Replace each of `rows` rows x (length n, row-major with stride n, starting at b[boff]) by
 * L⁻¹x, where L is the n × n lower-triangular factor at l[loff …]. Equivalently B ← B L⁻ᵀ.
 * `first` is L's envelope, if known (row c of L is zero left of first[c]).
 */
export function solveRowsLowerT(
  l: Float64Array,
  loff: number,
  n: number,
  b: Float64Array,
  boff: number,
  rows: number,
  first: Int32Array | null = null,
): void {
  // Column c of the result needs row c of L once for all rows: loop over c outside, so each
  // row of L is read from memory once while the (few) right-hand sides stay in cache.
  for (let c = 0; c < n; c++) {
    const rc = loff + c * n;
    const d = l[rc + c];
    const k0 = first ? first[c] : 0;
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const x0 = boff + r * n;
      const x1 = x0 + n;
      const x2 = x1 + n;
      const x3 = x2 + n;
      let s0 = b[x0 + c];
      let s1 = b[x1 + c];
      let s2 = b[x2 + c];
      let s3 = b[x3 + c];
      for (let k = k0; k < c; k++) {
        const v = l[rc + k];
        s0 -= v * b[x0 + k];
        s1 -= v * b[x1 + k];
        s2 -= v * b[x2 + k];
        s3 -= v * b[x3 + k];
      }
      b[x0 + c] = s0 / d;
      b[x1 + c] = s1 / d;
      b[x2 + c] = s2 / d;
      b[x3 + c] = s3 / d;
    }
    for (; r < rows; r++) {
      const x0 = boff + r * n;
      let s0 = b[x0 + c];
      for (let k = k0; k < c; k++) s0 -= l[rc + k] * b[x0 + k];
      b[x0 + c] = s0 / d;
    }
  }
}

/**
 * C ← C − A·Bᵀ for row-major A (m × k, stride lda), B (n × k, stride ldb) and C (m × n, stride
 * ldc). With `lowerOnly`, only entries with column ≤ row are touched (C square, A = B allowed).
 */
export function subtractABt(
  a: Float64Array,
  aoff: number,
  lda: number,
  b: Float64Array,
  boff: number,
  ldb: number,
  c: Float64Array,
  coff: number,
  ldc: number,
  m: number,
  n: number,
  k: number,
  lowerOnly: boolean,
): void {
  for (let i = 0; i < m; i++) {
    const ra = aoff + i * lda;
    const rc = coff + i * ldc;
    const jmax = lowerOnly ? Math.min(i + 1, n) : n;
    let j = 0;
    for (; j + 2 <= jmax; j += 2) {
      const rb0 = boff + j * ldb;
      const rb1 = rb0 + ldb;
      let s0 = 0, s1 = 0;
      for (let t = 0; t < k; t++) {
        const x = a[ra + t];
        s0 += x * b[rb0 + t];
        s1 += x * b[rb1 + t];
      }
      c[rc + j] -= s0;
      c[rc + j + 1] -= s1;
    }
    for (; j < jmax; j++) {
      const rb0 = boff + j * ldb;
      let s0 = 0;
      for (let t = 0; t < k; t++) s0 += a[ra + t] * b[rb0 + t];
      c[rc + j] -= s0;
    }
  }
}

/**
 * Inverse of the n × n lower-triangular factor at l[loff …], written (lower triangle, row-major)
 * into out[ooff …]; the upper triangle of out is zeroed.
 */
export function invertLower(l: Float64Array, loff: number, n: number, out: Float64Array, ooff: number): void {
  for (let i = 0; i < n * n; i++) out[ooff + i] = 0;
  // Row i of X = L⁻¹: X[i,·] = (e_i − Σ_{k<i} L[i,k] X[k,·]) / L[i,i]; row k is zero beyond k.
  for (let i = 0; i < n; i++) {
    const ri = loff + i * n;
    const xi = ooff + i * n;
    for (let k = 0; k < i; k++) {
      const v = l[ri + k];
      if (v === 0) continue;
      const xk = ooff + k * n;
      for (let j = 0; j <= k; j++) out[xi + j] -= v * out[xk + j];
    }
    out[xi + i] += 1;
    const d = l[ri + i];
    for (let j = 0; j <= i; j++) out[xi + j] /= d;
  }
}

/**
 * The transpose of L⁻¹ for the n × n lower factor at l[loff …]: out[j·n + i] = (L⁻¹)ᵢⱼ (upper
 * triangular, row-major; row j holds column j of L⁻¹). Dot-product form over contiguous rows.
 */
export function invertLowerTransposed(l: Float64Array, loff: number, n: number, out: Float64Array, ooff: number): void {
  out.fill(0, ooff, ooff + n * n);
  for (let i = 0; i < n; i++) {
    const ri = loff + i * n;
    const dinv = 1 / l[ri + i];
    // (L⁻¹)ᵢⱼ = −(Σ_{k=j}^{i−1} L[i,k] (L⁻¹)ₖⱼ) / L[i,i] for j < i; (L⁻¹)ᵢᵢ = 1 / L[i,i].
    let j = 0;
    for (; j + 2 <= i; j += 2) {
      const y0 = ooff + j * n;
      const y1 = y0 + n;
      let s0 = l[ri + j] * out[y0 + j];
      let s1 = 0;
      for (let k = j + 1; k < i; k++) {
        const v = l[ri + k];
        s0 += v * out[y0 + k];
        s1 += v * out[y1 + k];
      }
      out[y0 + i] = -s0 * dinv;
      out[y1 + i] = -s1 * dinv;
    }
    for (; j < i; j++) {
      const y0 = ooff + j * n;
      let s0 = 0;
      for (let k = j; k < i; k++) s0 += l[ri + k] * out[y0 + k];
      out[y0 + i] = -s0 * dinv;
    }
    out[ooff + i * n + i] = dinv;
  }
}

/** Solve L x = b in place for the n × n lower factor at l[loff …] (x at x[xoff …]). */
export function forwardSolve(l: Float64Array, loff: number, n: number, x: Float64Array, xoff: number): void {
  for (let i = 0; i < n; i++) {
    const ri = loff + i * n;
    let s = x[xoff + i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * x[xoff + k];
    x[xoff + i] = s / l[ri + i];
  }
}

/** Solve Lᵀ x = b in place for the n × n lower factor at l[loff …] (x at x[xoff …]). */
export function backSolve(l: Float64Array, loff: number, n: number, x: Float64Array, xoff: number): void {
  for (let i = n - 1; i >= 0; i--) {
    const xi = x[xoff + i] / l[loff + i * n + i];
    x[xoff + i] = xi;
    for (let k = 0; k < i; k++) x[xoff + k] -= l[loff + i * n + k] * xi;
  }
}

/** 2 Σ log Lᵢᵢ for the n × n lower factor at l[loff …]. */
export function logDet2(l: Float64Array, loff: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[loff + i * n + i]);
  return 2 * s;
}
