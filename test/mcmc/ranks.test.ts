/**
 * averageRanks against a plain sort: draws that the high words of their doubles tell apart,
 * draws packed within a relative 1e-12 (runs of equal high words, sorted by the low words), ties,
 * zeros of both signs and NaN.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averageRanks } from '../../src/mcmc/diagnostics.js';
import { Rng } from '../../src/mcmc/rng.js';

function naiveRanks(x: Float64Array): Float64Array {
  const idx = Array.from(x.keys()).filter((i) => !Number.isNaN(x[i]));
  idx.sort((a, b) => x[a] - x[b] || a - b);
  const out = new Float64Array(x.length).fill(NaN);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]] === x[idx[i]]) j++;
    for (let k = i; k <= j; k++) out[idx[k]] = (i + j + 2) / 2;
    i = j + 1;
  }
  return out;
}

test('averageRanks equals the ranks of a plain sort', () => {
  const rng = Rng.fromSeed(21);
  const cases: Float64Array[] = [];
  for (const n of [1, 2, 7, 100, 5000]) {
    cases.push(Float64Array.from({ length: n }, () => rng.normal()));
    cases.push(Float64Array.from({ length: n }, () => 1 + 1e-12 * rng.normal())); // one long run of equal high words
    cases.push(Float64Array.from({ length: n }, () => 1 + 1e-12 * Math.round(3 * rng.normal()))); // and ties
    cases.push(Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -0 : i % 5 === 0 ? NaN : Math.round(rng.normal()))));
    cases.push(Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1e-300 * rng.normal() : 1e300 * rng.normal())));
  }
  for (const x of cases) assert.deepEqual(Array.from(averageRanks(x)), Array.from(naiveRanks(x)), `n = ${x.length}`);
});
