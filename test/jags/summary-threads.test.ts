/** summarizeSamplesInThreads gives summarizeSamples's numbers, with and without threads. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CodaNodeDraws, iterationRange } from '../../src/jags/coda.js';
import { summarizeSamples } from '../../src/jags/jags-cli.js';
import { summarizeSamplesInThreads } from '../../src/jags/summary-threads.js';
import { Rng } from '../../src/mcmc/rng.js';

function output(nodes: number, chains: number, draws: number) {
  const rng = Rng.fromSeed(3);
  const names = Array.from({ length: nodes }, (_, i) => `b[${i + 1}]`);
  const iterations = iterationRange(1, draws);
  return {
    names,
    chains: Array.from({ length: chains }, () => {
      const m = new Map<string, CodaNodeDraws>();
      names.forEach((name, i) => {
        const v = new Float64Array(draws);
        let x = 0;
        for (let t = 0; t < draws; t++) v[t] = x = 0.6 * x + rng.normal() + (i % 5 === 0 ? 0 : 0.01 * i);
        m.set(name, { iterations, values: v });
      });
      return m;
    }),
  };
}

test('many draws: the threads summarise exactly as one thread', async () => {
  const coda = output(120, 4, 5000); // 2.4 million draws: over the threshold
  const one = summarizeSamples(coda);
  const many = await summarizeSamplesInThreads(coda, 3);
  assert.deepEqual(many, one);
});

test('few draws or one thread: no workers, the same summary', async () => {
  const coda = output(10, 2, 300);
  assert.deepEqual(await summarizeSamplesInThreads(coda, 4), summarizeSamples(coda));
  const big = output(40, 2, 30000);
  assert.deepEqual(await summarizeSamplesInThreads(big, 1), summarizeSamples(big));
});
