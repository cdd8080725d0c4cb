/**
 * The slice samplers (src/bugs/samplers/slice.ts) against exact full conditionals, with the
 * other nodes held fixed as data:
 *
 *   x ~ dgamma(a, b), y_i ~ dpois(x)                   x | y ~ Gamma(a + Σy, b + n)
 *   p ~ dunif(0, 1), y ~ dbin(p, n)                      p | y ~ Beta(1 + y, 1 + n − y)
 *   m ~ dnorm(0, 0.01), y_i ~ dt(m, 1, 1) at −4 and 4     bimodal: tabulated
 *   x ~ dnorm(0, 1) T(0.5, ), y ~ dpois(exp(x))           tabulated on the truncated support
 *   k ~ dpois(λ), y ~ dnorm(k, τ)                         discrete slice; exact masses by summation
 *   z ~ dcat(π), dbern, small dbin with normal children   enumeration (Finite); exact masses
 *
 * Slice draws are autocorrelated: the checks use the ESS of each series (../helpers.ts);
 * the Finite sampler's draws are independent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSamplers } from '../../../src/bugs/assign.js';
import { SliceSampler } from '../../../src/bugs/samplers/slice.js';
import { checkDistribution, checkFrequencies, chainFor, compile, discrete, draw, stoch, tabulate } from '../helpers.js';

const N = 30000;

const lfact = (k: number): number => {
  let s = 0;
  for (let i = 2; i <= k; i++) s += Math.log(i);
  return s;
};

describe('slice sampling of continuous nodes', () => {
  it('a gamma-prior rate with Poisson children: Gamma(a + Σy, b + n)', () => {
    const y = [3, 0, 5, 2, 4, 1];
    const model = compile(`model { for (i in 1:6) { y[i] ~ dpois(x) }  x ~ dgamma(1.5, 0.5) }`, `y <- c(${y.join(', ')})`);
    const chain = chainFor(model, { seed: 61 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['Slice', ['x']]]);
    const shape = 1.5 + y.reduce((a, b) => a + b, 0);
    const rate = 0.5 + y.length;
    const exact = tabulate((x) => (shape - 1) * Math.log(x) - rate * x, 1e-9, (shape + 20 * Math.sqrt(shape)) / rate);
    const { x } = draw(chain, ['x'], N, { burn: 500 });
    checkDistribution(x, { mean: shape / rate, variance: shape / rate ** 2, cdf: exact.cdf }, 'x');
  });

  it('a probability with a dunif(0, 1) prior and a binomial child stays in (0, 1)', () => {
    const model = compile(`model { y ~ dbin(p, 20)  p ~ dunif(0, 1) }`, 'y <- 19');
    const chain = chainFor(model, { seed: 62 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['Slice', ['p']]]);
    const exact = tabulate((p) => 19 * Math.log(p) + Math.log1p(-p), 0, 1);
    const { p } = draw(chain, ['p'], N, { burn: 500 });
    for (const v of p) assert.ok(v >= 0 && v <= 1);
    checkDistribution(p, { mean: 20 / 22, variance: (20 * 2) / (22 * 22 * 23), cdf: exact.cdf }, 'p');
  });

  it('a bimodal conditional (Cauchy likelihood at -4 and 4): stepping out crosses between the modes', () => {
    const model = compile(`model { for (i in 1:2) { y[i] ~ dt(m, 1, 1) }  m ~ dnorm(0, 0.01) }`, 'y <- c(-4, 4)');
    const chain = chainFor(model, { seed: 63 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['Slice', ['m']]]);
    const logf = (m: number) => -Math.log1p((m + 4) ** 2) - Math.log1p((m - 4) ** 2) - 0.005 * m * m;
    const exact = tabulate(logf, -60, 60, 60000);
    const { m } = draw(chain, ['m'], N, { burn: 1000 });
    checkDistribution(m, exact, 'm');
  });

  it('a truncated prior with a non-Gaussian child: the support is respected', () => {
    const model = compile(`model { y ~ dpois(exp(x))  x ~ dnorm(0, 1) T(0.5, ) }`, 'y <- 1');
    const chain = chainFor(model, { seed: 64 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['Slice', ['x']]]);
    const exact = tabulate((x) => -0.5 * x * x + x - Math.exp(x), 0.5, 8);
    const { x } = draw(chain, ['x'], N, { burn: 500 });
    for (const v of x) assert.ok(v >= 0.5);
    checkDistribution(x, exact, 'x');
  });

  it('a correlation reached through inverse() (the uniform-rho form): hidden nodes are refreshed', () => {
    const x = [
      [0.9, 0.7],
      [-1.2, -0.8],
      [0.3, 0.5],
      [1.5, 1.1],
      [-0.4, 0.1],
    ];
    const flat = [...x.map((r) => r[0]), ...x.map((r) => r[1])];
    const model = compile(
      `model {
        for (j in 1:5) { x[j, 1:2] ~ dmnorm(zero[1:2], Tau[1:2, 1:2]) }
        Sigma[1, 1] <- 1
        Sigma[2, 2] <- 4
        Sigma[1, 2] <- rho * 2
        Sigma[2, 1] <- Sigma[1, 2]
        Tau[1:2, 1:2] <- inverse(Sigma[1:2, 1:2])
        rho ~ dunif(-1, 1)
      }`,
      `zero <- c(0, 0)\nx <- structure(c(${flat.join(', ')}), .Dim = c(5L, 2L))`,
    );
    const chain = chainFor(model, { seed: 60 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['Slice', ['rho']]]);
    // log p(rho | x) = −(n/2) log|Σ| − ½ Σ_j x_j' Σ⁻¹ x_j, |Σ| = 4(1 − rho²).
    const logf = (r: number) => {
      const det = 4 * (1 - r * r);
      return x.reduce((acc, [a, b]) => acc - (4 * a * a - 4 * r * a * b + b * b) / (2 * det), -2.5 * Math.log(det));
    };
    const exact = tabulate(logf, -1 + 1e-12, 1 - 1e-12, 40000);
    const { rho } = draw(chain, ['rho'], N, { burn: 500 });
    checkDistribution(rho, exact, 'rho');
  });

  it('the step width adapts during burn-in and then stays fixed', () => {
    const model = compile(`model { y ~ dpois(x)  x ~ dgamma(1, 0.001) }`, 'y <- 900');
    const chain = chainFor(model, { seed: 65 });
    const s = chain.samplers[0] as SliceSampler;
    assert.ok(s instanceof SliceSampler);
    const width = () => (s as unknown as { width: number }).width;
    assert.equal(width(), 1);
    chain.update(500);
    const adapted = width();
    // The conditional's SD is about 30: the width grows to the scale of the moves.
    assert.ok(adapted > 10 && adapted < 200, `adapted width ${adapted}`);
    chain.endAdaptation();
    chain.update(200);
    assert.equal(width(), adapted);
  });
});

describe('discrete nodes', () => {
  it('an unbounded count (dpois prior, normal child): discrete slice sampling', () => {
    const model = compile(`model { y ~ dnorm(k, 0.05)  k ~ dpois(30) }`, 'y <- 45.5');
    const chain = chainFor(model, { seed: 66 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['DiscreteSlice', ['k']]]);
    const exact = discrete((k) => k * Math.log(30) - lfact(k) - 0.025 * (45.5 - k) ** 2, 0, 150);
    const { k } = draw(chain, ['k'], N, { burn: 500 });
    checkDistribution(k, exact, 'k');
    checkFrequencies(k, exact, 'k');
  });

  it('dcat, dbern and a small dbin are drawn exactly by enumeration', () => {
    const model = compile(
      `model {
        y1 ~ dnorm(inprod(mu[1:4], ind[1:4]), 2)
        for (j in 1:4) { ind[j] <- equals(z, j) }
        z ~ dcat(pi[1:4])
        y2 ~ dnorm(3 * b, 1)
        b ~ dbern(0.3)
        y3 ~ dnorm(k, 0.5)
        k ~ dbin(0.4, 10)
      }`,
      `mu <- c(-1, 0, 1.5, 3)\npi <- c(1, 2, 3, 0.5)\ny1 <- 1.2\ny2 <- 2.1\ny3 <- 7.5`,
    );
    const chain = chainFor(model, { seed: 67 });
    assert.deepEqual(
      describeSamplers(model, chain.samplers).map(([kind, ls]) => `${kind}:${ls.join(',')}`),
      ['Finite:z', 'Finite:b', 'Finite:k'],
    );
    const d = draw(chain, ['z', 'b', 'k'], N);
    const mu = [-1, 0, 1.5, 3];
    const pi = [1, 2, 3, 0.5];
    checkFrequencies(d.z, discrete((z) => Math.log(pi[z - 1]) - (1.2 - mu[z - 1]) ** 2, 1, 4), 'z');
    checkFrequencies(d.b, discrete((b) => Math.log(b ? 0.3 : 0.7) - 0.5 * (2.1 - 3 * b) ** 2, 0, 1), 'b');
    const lchoose = (n: number, k: number) => lfact(n) - lfact(k) - lfact(n - k);
    checkFrequencies(d.k, discrete((k) => lchoose(10, k) + k * Math.log(0.4) + (10 - k) * Math.log(0.6) - 0.25 * (7.5 - k) ** 2, 0, 10), 'k');
  });

  it('a truncated count T(2, 6) is enumerated over its bounds', () => {
    const model = compile(`model { y ~ dnorm(k, 1)  k ~ dpois(3) T(2, 6) }`, 'y <- 6.2');
    const chain = chainFor(model, { seed: 68 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['Finite', ['k']]]);
    const { k } = draw(chain, ['k'], N);
    checkFrequencies(k, discrete((x) => x * Math.log(3) - lfact(x) - 0.5 * (6.2 - x) ** 2, 2, 6), 'k');
  });

  it('a node at a point of zero density is refused naming the node', () => {
    const model = compile(`model { y ~ dpois(x)  x ~ dgamma(2, 1) }`, 'y <- 3');
    const chain = chainFor(model, { seed: 69 });
    chain.v[model.variables.get('x')!.offset] = -1;
    assert.throws(() => chain.update(1), (e: Error) => /slice sampler for x is at a point of zero density/.test(e.message));
    assert.ok(stoch(model, 'x'));
  });
});
