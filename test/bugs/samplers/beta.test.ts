/**
 * The conjugate beta update (src/bugs/samplers/beta.ts): p ~ dbeta(a, b) with children
 * x_i ~ dbern(p) and x_j ~ dbin(p, n_j) held fixed gives p | x ~ Beta(a + Σx, b + Σ(n − x)).
 * Independent draws (ESS ≈ N, Kolmogorov–Smirnov against the tabulated beta density).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSamplers } from '../../../src/bugs/assign.js';
import { BetaSampler } from '../../../src/bugs/samplers/beta.js';
import { checkDistribution, chainFor, compile, draw, stoch, tabulate } from '../helpers.js';

function betaExact(a: number, b: number) {
  const t = tabulate((x) => (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x), 0, 1, 40000);
  return { mean: a / (a + b), variance: (a * b) / ((a + b) ** 2 * (a + b + 1)), cdf: t.cdf };
}

describe('conjugate beta', () => {
  it('Bernoulli and binomial children: Beta(a + Σx, b + Σ(n − x))', () => {
    const model = compile(
      `model {
        for (i in 1:5) { z[i] ~ dbern(p) }
        for (j in 1:3) { k[j] ~ dbin(p, n[j]) }
        p ~ dbeta(1.5, 2)
      }`,
      `z <- c(1, 0, 1, 1, 0)\nk <- c(3, 7, 0)\nn <- c(10, 12, 4)`,
    );
    const chain = chainFor(model, { seed: 81 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['ConjugateBeta', ['p']]]);
    const { p } = draw(chain, ['p'], 20000);
    checkDistribution(p, betaExact(1.5 + 3 + 10, 2 + 2 + 16), 'p', { independent: true });
  });

  it('shapes below 1 (a U-shaped conditional)', () => {
    const model = compile(`model { z ~ dbern(p)  p ~ dbeta(0.2, 0.3) }`, 'z <- 0');
    const chain = chainFor(model, { seed: 82 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['ConjugateBeta', ['p']]]);
    const { p } = draw(chain, ['p'], 20000);
    // The density is unbounded at 0; in u = p^0.2 it is smooth: ∝ (1 − u^5)^0.3 on (0, 1).
    const u = tabulate((v) => 0.3 * Math.log1p(-(v ** 5)), 0, 1, 40000);
    const cdf = (x: number) => u.cdf(x ** 0.2);
    checkDistribution(p, { mean: 0.2 / 1.5, variance: (0.2 * 1.3) / (1.5 ** 2 * 2.5), cdf }, 'p', { independent: true });
  });

  it('does not apply when a child uses a function of p', () => {
    const model = compile(`model { z ~ dbern(p * p)  p ~ dbeta(1, 1) }`, 'z <- 1');
    assert.equal(BetaSampler.create(model, stoch(model, 'p')), null);
  });
});
