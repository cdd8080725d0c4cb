import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeUnique, quantiles } from '../../src/lmer/summary.js';

test("makeUnique follows R's make.unique", () => {
  assert.deepEqual(makeUnique(['Subject', 'Subject', 'g']), ['Subject', 'Subject.1', 'g']);
  assert.deepEqual(makeUnique(['a', 'a', 'a', 'b', 'b']), ['a', 'a.1', 'a.2', 'b', 'b.1']);
  // A name that already exists is skipped.
  assert.deepEqual(makeUnique(['a', 'a.1', 'a']), ['a', 'a.1', 'a.2']);
});

test('quantiles are R type 7', () => {
  // quantile(c(1, 3, 4, 10)) in R: 1.00 2.50 3.50 5.50 10.00
  assert.deepEqual(quantiles([10, 1, 4, 3], [0, 0.25, 0.5, 0.75, 1]), [1, 2.5, 3.5, 5.5, 10]);
  assert.deepEqual(quantiles([7], [0, 0.5, 1]), [7, 7, 7]);
});

test('quantiles by sorting (short vectors) and by selection (long ones) agree with a full sort', () => {
  let state = 99;
  const rand = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  for (const n of [1, 2, 3, 10, 1001, 300_000]) {
    // Ties and runs as well as distinct values.
    const x = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Math.floor(rand() * 5) : rand() - 0.5));
    const s = Float64Array.from(x).sort();
    const probs = [0, 0.25, 0.5, 0.75, 1, 0.1234];
    const expected = probs.map((pr) => {
      const h = (n - 1) * pr;
      const lo = Math.floor(h);
      const hi = Math.min(lo + 1, n - 1);
      return s[lo] + (h - lo) * (s[hi] - s[lo]);
    });
    assert.deepEqual(quantiles(x, probs), expected, `n = ${n}`);
  }
});
