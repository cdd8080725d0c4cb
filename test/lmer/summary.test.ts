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
