import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bobyqa, defaultInitialStep } from '../../src/lmer/bobyqa.js';

const opts = { xtolAbs: 1e-8, ftolAbs: 1e-8 };

test("NLopt's default initial step: ¾ of the distance to a finite bound, else |x|, else 1", () => {
  const dx = defaultInitialStep([1, 0, 0.4, 2, 5], [0, -Infinity, 0, -Infinity, 0], [Infinity, Infinity, Infinity, 3, 6]);
  assert.deepEqual([...dx].map((v) => +v.toFixed(12)), [0.75, 1, 0.3, 0.75, 0.75]);
  // On a bound with the other side open: 1.1 × distance (0) is tiny, so |x| (0) then 1.
  assert.deepEqual([...defaultInitialStep([0], [0], [Infinity])], [1]);
});

test('unconstrained quadratic: finds the minimum to xtol', () => {
  const f = (x: Float64Array): number => (x[0] - 1.5) ** 2 + 3 * (x[1] + 0.5) ** 2 + (x[0] - 1.5) * (x[1] + 0.5) + 2;
  const r = bobyqa(f, [0, 0], { lower: [-Infinity, -Infinity], ...opts });
  assert.ok(Math.abs(r.x[0] - 1.5) < 1e-5 && Math.abs(r.x[1] + 0.5) < 1e-5, `${[...r.x]}`);
  assert.ok(Math.abs(r.f - 2) < 1e-9);
  assert.ok(['xtol', 'ftol', 'success'].includes(r.status));
  assert.ok(r.code > 0);
});

test('Rosenbrock in 2-D from (−1.2, 1)', () => {
  const f = (x: Float64Array): number => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2;
  const r = bobyqa(f, [-1.2, 1], { lower: [-Infinity, -Infinity], xtolAbs: 1e-10, xtolRel: 0, ftolAbs: 0 });
  assert.ok(Math.abs(r.x[0] - 1) < 1e-4 && Math.abs(r.x[1] - 1) < 1e-4, `${[...r.x]} after ${r.evaluations}`);
});

test('bounds hold at every evaluation and an active bound is hit exactly', () => {
  const lower = [0, 0, -1];
  const seen: number[][] = [];
  const f = (x: Float64Array): number => {
    seen.push([...x]);
    return (x[0] + 1) ** 2 + (x[1] - 2) ** 2 + (x[2] - 0.3) ** 2 + x[0] * x[2];
  };
  const r = bobyqa(f, [1, 1, 1], { lower, ...opts });
  for (const x of seen) for (let i = 0; i < 3; i++) assert.ok(x[i] >= lower[i], `evaluation at ${x}`);
  assert.equal(r.x[0], 0, 'x0 sits on its lower bound');
  // ftol_abs 1e-8 on f stops within ~1e-4 of the minimizer.
  assert.ok(Math.abs(r.x[1] - 2) < 1e-4);
  assert.ok(Math.abs(r.x[2] - 0.3) < 1e-4);
});

test('one variable (npt = 3), bounded below, minimum in the interior and at the bound', () => {
  const r1 = bobyqa((x) => (x[0] - 0.3) ** 2, [1], { lower: [0], ...opts });
  assert.ok(Math.abs(r1.x[0] - 0.3) < 1e-6);
  const r2 = bobyqa((x) => (x[0] + 0.5) ** 2, [1], { lower: [0], ...opts });
  assert.equal(r2.x[0], 0);
});

test('maxeval stops the run with code 5 and the best point so far', () => {
  let calls = 0;
  const f = (x: Float64Array): number => {
    calls++;
    return x.reduce((s, v, i) => s + (v - i) ** 2, 0);
  };
  const r = bobyqa(f, [3, 3, 3, 3], { lower: [-Infinity, -Infinity, -Infinity, -Infinity], maxEval: 15, ...opts });
  assert.equal(r.status, 'maxeval');
  assert.equal(r.code, 5);
  assert.equal(r.evaluations, 15);
  assert.equal(calls, 15);
  assert.ok(r.f <= f(Float64Array.from([3, 3, 3, 3])));
});

test('invalid bounds are reported, not thrown', () => {
  const r = bobyqa((x) => x[0] ** 2, [-1], { lower: [0] });
  assert.equal(r.status, 'invalid');
  assert.equal(r.code, -2);
});

test('rescaling: very different initial steps still converge', () => {
  // θ-like problem: two bounded diagonals and a free off-diagonal element.
  const f = (x: Float64Array): number => (x[0] - 0.01) ** 2 * 1e4 + (x[1] - 5) ** 2 + (x[2] - 2) ** 2 * 0.01;
  const r = bobyqa(f, [0.02, 0, 3], { lower: [0, -Infinity, 0], ...opts });
  assert.ok(Math.abs(r.x[0] - 0.01) < 1e-5);
  assert.ok(Math.abs(r.x[1] - 5) < 1e-3);
  assert.ok(Math.abs(r.x[2] - 2) < 1e-2);
});
