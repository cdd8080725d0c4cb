import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integerLabel, numericLevels } from '../../src/data/table.js';
import { formatRNumber } from '../../src/util/rformat.js';

test('integerLabel prints whole numbers as formatRNumber (R) does', () => {
  const cases: number[] = [];
  for (let x = -20000; x <= 20000; x++) cases.push(x);
  for (let e = 0; e < 15; e++) for (const m of [1, 2, 9, 10, 12, 99, 100, 101, 123, 1200, 12345]) cases.push(m * 10 ** e, -m * 10 ** e);
  let state = 7;
  for (let i = 0; i < 20000; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const digits = state % 16;
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    cases.push(Math.floor(((state / 2 ** 32) - 0.5) * 10 ** digits));
  }
  for (const x of cases.filter((v) => Math.abs(v) < 1e15)) assert.equal(integerLabel(x), formatRNumber(x), String(x));
  assert.equal(integerLabel(100000), '1e+05');
  assert.equal(integerLabel(123456), '123456');
});

test('numericLevels: whole numbers (lookup table) and other numbers (hashing) give the same factor', () => {
  const ints = Float64Array.from([5, 3, NaN, 100000, 3, -2, 0, 5, 200000]);
  const { levels, codes } = numericLevels(ints);
  assert.deepEqual(levels, ['-2', '0', '3', '5', '1e+05', '2e+05']);
  assert.deepEqual([...codes], [3, 2, -1, 4, 2, 0, 1, 3, 5]);
  // Spread too wide for a table, and fractional values: the general path, same conventions.
  const wide = numericLevels(Float64Array.from([1e12, 3, 1e12, NaN]));
  assert.deepEqual(wide.levels, ['3', '1e+12']);
  assert.deepEqual([...wide.codes], [1, 0, 1, -1]);
  const frac = numericLevels(Float64Array.from([0.5, 2, 0.5, 1e15 + 2]));
  assert.deepEqual(frac.levels, ['0.5', '2', '1e+15']);
  assert.deepEqual([...frac.codes], [0, 1, 0, 2]);
});

test('numericLevels of an R integer vector labels levels as integers, in both paths', () => {
  // R (fixtures/levels/sim_ids.json): levels(factor(id)) of the integer column is "100000",
  // "200000", ..., "2000000000"; of the same ids as doubles "1e+05", "2e+05", ..., "2e+09".
  const ids = Float64Array.from([100000, 200000, NaN, 300000, 100000, 200000]);
  assert.deepEqual(numericLevels(ids, true).levels, ['100000', '200000', '300000']);
  assert.deepEqual(numericLevels(ids).levels, ['1e+05', '2e+05', '3e+05']);
  assert.deepEqual([...numericLevels(ids, true).codes], [...numericLevels(ids).codes]);
  // A narrow range takes the lookup table, a wide one the hashing path: the same labels.
  const narrow = numericLevels(Float64Array.from([100001, 100000, -100000 + 200000, 100002]), true);
  assert.deepEqual(narrow.levels, ['100000', '100001', '100002']);
  assert.deepEqual([...narrow.codes], [1, 0, 0, 2]);
  const wide = numericLevels(Float64Array.from([2000000000, 1200000, -2147483647, 2000000000, NaN]), true);
  assert.deepEqual(wide.levels, ['-2147483647', '1200000', '2000000000']);
  assert.deepEqual([...wide.codes], [2, 1, 0, 2, -1]);
  assert.deepEqual(numericLevels(Float64Array.from([2000000000, 1200000]), false).levels, ['1200000', '2e+09']);
});
