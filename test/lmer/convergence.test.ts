import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SINGULAR_MESSAGE,
  checkConvergence,
  finiteDifferenceDerivatives,
  formatG,
  symmetricEigenvalues,
} from '../../src/lmer/convergence.js';

test("formatG prints like C's %g", () => {
  assert.equal(formatG(0.002), '0.002');
  assert.equal(formatG(0.00234567891), '0.00234568');
  assert.equal(formatG(123456789), '1.23457e+08');
  assert.equal(formatG(1e-5), '1e-05');
  assert.equal(formatG(0.0001), '0.0001');
  assert.equal(formatG(12.5), '12.5');
  assert.equal(formatG(100000), '100000');
  assert.equal(formatG(1000000), '1e+06');
  assert.equal(formatG(-0.5), '-0.5');
  assert.equal(formatG(0), '0');
});

test('finite-difference gradient and Hessian of a quadratic are exact', () => {
  const f = (x: Float64Array): number => 3 * x[0] ** 2 + 2 * x[0] * x[1] + x[1] ** 2 - x[1];
  const d = finiteDifferenceDerivatives(f, [1, 2]);
  assert.ok(Math.abs(d.gradient[0] - 10) < 1e-6 && Math.abs(d.gradient[1] - 5) < 1e-6);
  const H = [...d.hessian];
  [6, 2, 2, 2].forEach((v, k) => assert.ok(Math.abs(H[k] - v) < 1e-4, `H[${k}] = ${H[k]}`));
});

test('symmetric eigenvalues', () => {
  const ev = symmetricEigenvalues(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
  [5, 3, 1].forEach((v, i) => assert.ok(Math.abs(ev[i] - v) < 1e-12));
});

test('singular fit: only the message, no gradient check', () => {
  const d = { gradient: Float64Array.from([1, 1]), hessian: Float64Array.from([1, 0, 0, 1]) };
  const c = checkConvergence(d, [0.5e-4, 2], [0, 0]);
  assert.equal(c.singular, true);
  assert.deepEqual(c.messages, [SINGULAR_MESSAGE]);
  assert.deepEqual(c.warnings, []);
  // A free (off-diagonal) θ near zero is not singular.
  assert.equal(checkConvergence(null, [1, 0, 1], [0, -Infinity, 0]).singular, false);
});

test("lme4's gradient and Hessian warnings", () => {
  const ok = checkConvergence({ gradient: Float64Array.from([1e-4, -2e-4]), hessian: Float64Array.from([2, 0.1, 0.1, 3]) }, [1, 1], [0, 0]);
  assert.deepEqual(ok.warnings, []);
  const grad = checkConvergence({ gradient: Float64Array.from([0.01, 0.2]), hessian: Float64Array.from([4, 0, 0, 9]) }, [1, 1], [0, 0]);
  // Scaled gradient R⁻¹g = (0.005, 0.0667); min with |g| → max 0.0667.
  assert.deepEqual(grad.warnings, ['Model failed to converge with max|grad| = 0.0666667 (tol = 0.002, component 1)']);
  const neg = checkConvergence({ gradient: Float64Array.from([0, 0]), hessian: Float64Array.from([1, 0, 0, -1]) }, [1, 1], [0, 0]);
  assert.deepEqual(neg.warnings, [
    'unable to evaluate scaled gradient',
    'Model failed to converge: degenerate  Hessian with 1 negative eigenvalues',
  ]);
  const big = checkConvergence({ gradient: Float64Array.from([0, 0]), hessian: Float64Array.from([1e7, 0, 0, 1]) }, [1, 1], [0, 0]);
  assert.deepEqual(big.warnings, [
    'Model is nearly unidentifiable: very large eigenvalue\n - Rescale variables?;Model is nearly unidentifiable: large eigenvalue ratio\n - Rescale variables?',
  ]);
});
