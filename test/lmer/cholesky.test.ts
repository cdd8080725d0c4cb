import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backSolve,
  choleskyInPlace,
  forwardSolve,
  invertLower,
  invertLowerTransposed,
  logDet2,
  solveRowsLowerT,
  subtractABt,
} from '../../src/lmer/cholesky.js';

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** A random symmetric positive definite n × n matrix (row-major, full). */
function spd(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const B = Float64Array.from({ length: n * n }, () => r() - 0.5);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? n * 0.1 : 0;
      for (let k = 0; k < n; k++) s += B[i * n + k] * B[j * n + k];
      A[i * n + j] = s;
    }
  }
  return A;
}

test('choleskyInPlace reproduces A = L Lᵀ for every size around the 4×2 tiling', () => {
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 16, 21]) {
    const A = spd(n, n);
    const L = Float64Array.from(A);
    assert.equal(choleskyInPlace(L, n), true);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k <= j; k++) s += L[i * n + k] * L[j * n + k];
        assert.ok(Math.abs(s - A[i * n + j]) < 1e-10 * (1 + Math.abs(A[i * n + j])), `n=${n} (${i},${j})`);
      }
    }
  }
});

test('choleskyInPlace works at an offset and reports non-positive-definite input', () => {
  const n = 5;
  const A = spd(n, 7);
  const buf = new Float64Array(3 + n * n);
  buf.set(A, 3);
  assert.equal(choleskyInPlace(buf, n, 3), true);
  const L = Float64Array.from(A);
  choleskyInPlace(L, n);
  for (let k = 0; k < n * n; k++) if (k % n <= Math.floor(k / n)) assert.equal(buf[3 + k], L[k]);
  const bad = new Float64Array([1, 2, 2, 1]);
  assert.equal(choleskyInPlace(bad, 2), false);
});

test('triangular solves, inverse and log-determinant agree with each other', () => {
  const n = 9;
  const L = spd(n, 3);
  choleskyInPlace(L, n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) L[i * n + j] = 0;
  const r = rng(11);
  const b = Float64Array.from({ length: n }, () => r());
  const x = Float64Array.from(b);
  forwardSolve(L, 0, n, x, 0);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k <= i; k++) s += L[i * n + k] * x[k];
    assert.ok(Math.abs(s - b[i]) < 1e-12);
  }
  const y = Float64Array.from(b);
  backSolve(L, 0, n, y, 0);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i; k < n; k++) s += L[k * n + i] * y[k];
    assert.ok(Math.abs(s - b[i]) < 1e-12);
  }
  const inv = new Float64Array(n * n);
  invertLower(L, 0, n, inv, 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += L[i * n + k] * inv[k * n + j];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-12, `L·L⁻¹ (${i},${j})`);
    }
  }
  for (const m of [1, 2, 3, 9]) {
    const Lm = spd(m, 20 + m);
    choleskyInPlace(Lm, m);
    const want = new Float64Array(m * m);
    invertLower(Lm, 0, m, want, 0);
    const tr = new Float64Array(m * m + 2).fill(7);
    invertLowerTransposed(Lm, 0, m, tr, 2);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) assert.ok(Math.abs(tr[2 + j * m + i] - want[i * m + j]) < 1e-12, `transposed inverse m=${m} (${i},${j})`);
  }
  let ld = 0;
  for (let i = 0; i < n; i++) ld += 2 * Math.log(L[i * n + i]);
  assert.ok(Math.abs(logDet2(L, 0, n) - ld) < 1e-12);
  // solveRowsLowerT: each row x becomes L⁻¹x (odd and even row counts).
  for (const rows of [1, 2, 3, 5]) {
    const B = Float64Array.from({ length: rows * n }, () => r());
    const C = Float64Array.from(B);
    solveRowsLowerT(L, 0, n, C, 0, rows);
    for (let row = 0; row < rows; row++) {
      const want = B.slice(row * n, (row + 1) * n);
      forwardSolve(L, 0, n, want, 0);
      for (let c = 0; c < n; c++) assert.ok(Math.abs(C[row * n + c] - want[c]) < 1e-12);
    }
  }
});

test('subtractABt: full and lower-only C −= A Bᵀ with strides', () => {
  const r = rng(5);
  const m = 5;
  const n = 4;
  const k = 7;
  const A = Float64Array.from({ length: m * 9 }, () => r());
  const B = Float64Array.from({ length: n * 8 }, () => r());
  const C = Float64Array.from({ length: m * 6 }, () => r());
  const C0 = Float64Array.from(C);
  subtractABt(A, 0, 9, B, 0, 8, C, 0, 6, m, n, k, false);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < 6; j++) {
      let want = C0[i * 6 + j];
      if (j < n) for (let t = 0; t < k; t++) want -= A[i * 9 + t] * B[j * 8 + t];
      assert.ok(Math.abs(C[i * 6 + j] - want) < 1e-12);
    }
  }
  const S = Float64Array.from({ length: 16 }, () => r());
  const S0 = Float64Array.from(S);
  const P = Float64Array.from({ length: 12 }, () => r());
  subtractABt(P, 0, 3, P, 0, 3, S, 0, 4, 4, 4, 3, true);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let want = S0[i * 4 + j];
      if (j <= i) for (let t = 0; t < 3; t++) want -= P[i * 3 + t] * P[j * 3 + t];
      assert.ok(Math.abs(S[i * 4 + j] - want) < 1e-12, `lower-only (${i},${j})`);
    }
  }
});

test('choleskyInPlace with an envelope equals the full factorization', () => {
  for (const n of [5, 8, 13, 22]) {
    const r = rng(100 + n);
    // Row i is nonzero from column first[i] (non-decreasing envelope with jumps).
    const first = Int32Array.from({ length: n }, (_, i) => Math.max(0, i - 1 - Math.floor(r() * 4)));
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = first[i]; j < i; j++) {
        const v = r() - 0.5;
        A[i * n + j] = v;
        A[j * n + i] = v;
      }
      A[i * n + i] = 3;
    }
    const full = Float64Array.from(A);
    assert.equal(choleskyInPlace(full, n), true);
    const env = Float64Array.from(A);
    assert.equal(choleskyInPlace(env, n, 0, first), true);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        assert.ok(Math.abs(env[i * n + j] - full[i * n + j]) < 1e-13, `n=${n} (${i},${j})`);
        if (j < first[i]) assert.equal(full[i * n + j], 0, 'fill stays inside the envelope');
      }
    }
    const B = Float64Array.from({ length: 3 * n }, () => r());
    const C1 = Float64Array.from(B);
    const C2 = Float64Array.from(B);
    solveRowsLowerT(full, 0, n, C1, 0, 3);
    solveRowsLowerT(env, 0, n, C2, 0, 3, first);
    for (let k = 0; k < 3 * n; k++) assert.ok(Math.abs(C1[k] - C2[k]) < 1e-12);
  }
});
