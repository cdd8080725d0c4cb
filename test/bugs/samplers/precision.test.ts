/**
 * The conjugate gamma and truncated gamma samplers (src/bugs/samplers/precision.ts) against
 * their exact full conditionals. Every model holds the other nodes fixed as data, so the
 * full conditional of the sampled node is known in closed form; the draws are independent,
 * so each check uses ESS ≈ N and a Kolmogorov–Smirnov test (rules in ../helpers.ts).
 *
 *   tau ~ dgamma(a, b), y_i ~ dnorm(mu_i, c_i tau)        tau | y ~ Gamma(a + n/2, b + Σ c_i e_i²/2)
 *   tau ~ dexp(b)                                           the same with a = 1
 *   tau ~ dgamma(a, b) T(lo, hi)                            that gamma truncated to [lo, hi]
 *   y_i ~ dlnorm(mu, tau)                                   e_i = log y_i − mu
 *   sigma ~ dunif(L, A), tau <- sigma^-2                    p(sigma | y) ∝ sigma^-n exp(−SS/(2 sigma²)) on [L, A]
 *   v ~ dunif(0, V), y_i ~ dnorm(mu, 1/v)                   p(v | y) ∝ v^(−n/2) exp(−SS/(2v)) on [0, V]
 *   tau ~ dunif(0, T)                                       p(tau | y) ∝ tau^(n/2) exp(−tau SS/2) on [0, T]
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSamplers } from '../../../src/bugs/assign.js';
import { PrecisionSampler } from '../../../src/bugs/samplers/precision.js';
import { Rng } from '../../../src/mcmc/rng.js';
import { checkDistribution, chainFor, compile, draw, stoch, tabulate } from '../helpers.js';

const N = 20000;

/** Data: n observations around known means, and their residual sum of squares. */
function dataset(n: number, spread: number, seed: number): { y: number[]; mu: number[] } {
  const r = Rng.fromSeed(seed);
  const u = () => r.uniformOpen();
  const y: number[] = [];
  const mu: number[] = [];
  for (let i = 0; i < n; i++) {
    mu.push(Math.round(10 * (u() - 0.5)) / 4);
    y.push(mu[i] + spread * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
  }
  return { y, mu };
}

const rdump = (vars: Record<string, number | number[]>): string =>
  Object.entries(vars)
    .map(([k, v]) => `${k} <- ${Array.isArray(v) ? `c(${v.map((x) => x.toPrecision(17)).join(', ')})` : v}`)
    .join('\n');

function kinds(model: ReturnType<typeof compile>, chain: ReturnType<typeof chainFor>): string[] {
  return describeSamplers(model, chain.samplers).map(([k, labels]) => `${k}:${labels.join(',')}`);
}

describe('conjugate gamma for a precision', () => {
  it('tau ~ dgamma(a, b) with weighted normal children: Gamma(a + n/2, b + Σ c e²/2)', () => {
    const { y, mu } = dataset(12, 1.7, 3);
    const c = y.map((_, i) => 0.5 + (i % 3));
    const m = compile(
      `model { for (i in 1:n) { y[i] ~ dnorm(mu[i], c[i] * tau) }  tau ~ dgamma(2.5, 1.5) }`,
      rdump({ n: y.length, y, mu, c }),
    );
    const chain = chainFor(m, { seed: 11 });
    assert.deepEqual(kinds(m, chain), ['ConjugateGamma:tau']);
    const ss = y.reduce((s, v, i) => s + c[i] * (v - mu[i]) ** 2, 0);
    const shape = 2.5 + y.length / 2;
    const rate = 1.5 + ss / 2;
    const exact = tabulate((x) => (shape - 1) * Math.log(x) - rate * x, 0, (shape + 20 * Math.sqrt(shape)) / rate);
    assert.ok(Math.abs(exact.mean - shape / rate) < 1e-9 * exact.mean, 'quadrature reproduces the gamma mean');
    const { tau } = draw(chain, ['tau'], N);
    checkDistribution(tau, { mean: shape / rate, variance: shape / rate ** 2, cdf: exact.cdf }, 'tau', { independent: true });
  });

  it('tau ~ dexp(b): Gamma(1 + n/2, b + SS/2)', () => {
    const { y, mu } = dataset(5, 0.4, 5);
    const m = compile(`model { for (i in 1:5) { y[i] ~ dnorm(mu[i], tau) }  tau ~ dexp(0.2) }`, rdump({ y, mu }));
    const chain = chainFor(m, { seed: 12 });
    assert.deepEqual(kinds(m, chain), ['ConjugateGamma:tau']);
    const ss = y.reduce((s, v, i) => s + (v - mu[i]) ** 2, 0);
    const shape = 1 + 2.5;
    const rate = 0.2 + ss / 2;
    const exact = tabulate((x) => (shape - 1) * Math.log(x) - rate * x, 0, (shape + 25 * Math.sqrt(shape)) / rate);
    const { tau } = draw(chain, ['tau'], N);
    checkDistribution(tau, { mean: shape / rate, variance: shape / rate ** 2, cdf: exact.cdf }, 'tau', { independent: true });
  });

  it('tau ~ dgamma(a, b) T(lo, hi): the conjugate gamma truncated to [lo, hi]', () => {
    const { y, mu } = dataset(8, 1, 7);
    const ss = y.reduce((s, v, i) => s + (v - mu[i]) ** 2, 0);
    const shape = 1 + 4;
    const rate = 1 + ss / 2;
    // Bounds around the upper tail so that the truncation matters on both sides.
    const lo = shape / rate;
    const hi = (shape + 2 * Math.sqrt(shape)) / rate;
    const m = compile(`model { for (i in 1:8) { y[i] ~ dnorm(mu[i], tau) }  tau ~ dgamma(1, 1) T(lo, hi) }`, rdump({ y, mu, lo, hi }));
    const chain = chainFor(m, { seed: 13 });
    assert.deepEqual(kinds(m, chain), ['ConjugateGamma:tau']);
    const exact = tabulate((x) => (shape - 1) * Math.log(x) - rate * x, lo, hi);
    const { tau } = draw(chain, ['tau'], N);
    for (const t of tau) assert.ok(t >= lo && t <= hi, `draw ${t} outside [${lo}, ${hi}]`);
    checkDistribution(tau, exact, 'truncated tau', { independent: true });
  });

  it('log-normal children use the log of their values', () => {
    const ly = [0.3, -0.2, 1.1, 0.8, 0.05, -0.6];
    const y = ly.map(Math.exp);
    const m = compile(`model { for (i in 1:6) { y[i] ~ dlnorm(0.2, tau) }  tau ~ dgamma(0.5, 0.5) }`, rdump({ y }));
    const chain = chainFor(m, { seed: 14 });
    assert.deepEqual(kinds(m, chain), ['ConjugateGamma:tau']);
    const ss = ly.reduce((s, v) => s + (v - 0.2) ** 2, 0);
    const shape = 0.5 + 3;
    const rate = 0.5 + ss / 2;
    const exact = tabulate((x) => (shape - 1) * Math.log(x) - rate * x, 0, (shape + 25 * Math.sqrt(shape)) / rate);
    const { tau } = draw(chain, ['tau'], N);
    checkDistribution(tau, { mean: shape / rate, variance: shape / rate ** 2, cdf: exact.cdf }, 'tau', { independent: true });
  });
});

describe('truncated gamma for a uniform-prior SD, variance or precision', () => {
  const { y, mu } = dataset(10, 2, 9);
  const ss = y.reduce((s, v, i) => s + (v - mu[i]) ** 2, 0);
  const n = y.length;
  const logSd = (s: number) => -n * Math.log(s) - ss / (2 * s * s);
  const sdMode = Math.sqrt(ss / n);

  for (const [label, lo, hi] of [
    ['a wide dunif(0, A) (truncation far in the tail)', 0, 100],
    ['dunif(0, A) with A below the bulk (the bound binds)', 0, 0.9 * sdMode],
    ['dunif(L, A) with both bounds inside the bulk', 0.8 * sdMode, 1.3 * sdMode],
  ] as const) {
    it(`sigma ~ ${label}, tau <- sigma^-2`, () => {
      const m = compile(`model { for (i in 1:n) { y[i] ~ dnorm(mu[i], tau) }  tau <- sigma^-2  sigma ~ dunif(lo, hi) }`, rdump({ n, y, mu, lo, hi }));
      const chain = chainFor(m, { seed: 21 });
      assert.deepEqual(kinds(m, chain), ['TruncatedGamma:sigma']);
      assert.ok(PrecisionSampler.create(m, stoch(m, 'sigma')));
      const top = Math.min(hi, 30 * sdMode);
      const exact = tabulate(logSd, Math.max(lo, 1e-6 * sdMode), top, 40000);
      const { sigma } = draw(chain, ['sigma'], N);
      for (const s of sigma) assert.ok(s >= lo && s <= hi, `draw ${s} outside [${lo}, ${hi}]`);
      checkDistribution(sigma, exact, 'sigma', { independent: true });
    });
  }

  it('other ways to write the precision: 1 / (sigma * sigma), pow(sigma, -2), 1 / pow(sigma, 2)', () => {
    const exact = tabulate(logSd, 1e-6, 30 * sdMode, 40000);
    for (const prec of ['1 / (sigma * sigma)', 'pow(sigma, -2)', '1 / pow(sigma, 2)', '1 / sigma^2']) {
      const m = compile(`model { for (i in 1:n) { y[i] ~ dnorm(mu[i], ${prec}) }  sigma ~ dunif(0, 50) }`, rdump({ n, y, mu }));
      const chain = chainFor(m, { seed: 22 });
      assert.deepEqual(kinds(m, chain), ['TruncatedGamma:sigma'], prec);
      const { sigma } = draw(chain, ['sigma'], 8000);
      checkDistribution(sigma, exact, `sigma with precision ${prec}`, { independent: true });
    }
  });

  it('a variance with a uniform prior (precision 1/v)', () => {
    const m = compile(`model { for (i in 1:n) { y[i] ~ dnorm(mu[i], 1 / v) }  v ~ dunif(0, 15) }`, rdump({ n, y, mu }));
    const chain = chainFor(m, { seed: 23 });
    assert.deepEqual(kinds(m, chain), ['TruncatedGamma:v']);
    const exact = tabulate((v) => (-n / 2) * Math.log(v) - ss / (2 * v), 1e-6, 15, 40000);
    const { v } = draw(chain, ['v'], N);
    checkDistribution(v, exact, 'v', { independent: true });
  });

  it('a precision with a uniform prior', () => {
    const T = 0.5 * (n / ss);
    const m = compile(`model { for (i in 1:n) { y[i] ~ dnorm(mu[i], tau) }  tau ~ dunif(0, T) }`, rdump({ n, y, mu, T }));
    const chain = chainFor(m, { seed: 24 });
    assert.deepEqual(kinds(m, chain), ['TruncatedGamma:tau']);
    const exact = tabulate((t) => (n / 2) * Math.log(t) - (t * ss) / 2, 0, T);
    const { tau } = draw(chain, ['tau'], N);
    checkDistribution(tau, exact, 'tau', { independent: true });
  });
});

describe('when the conjugate update does not apply', () => {
  it('a child reading the node in its mean, or a dgamma node entering as an SD, gets no precision sampler', () => {
    const m1 = compile(`model { for (i in 1:3) { y[i] ~ dnorm(tau, tau) }  tau ~ dgamma(1, 1) }`, 'y <- c(1, 2, 3)');
    assert.equal(PrecisionSampler.create(m1, stoch(m1, 'tau')), null);
    const m2 = compile(`model { for (i in 1:3) { y[i] ~ dnorm(0, pow(s, -2)) }  s ~ dgamma(1, 1) }`, 'y <- c(1, 2, 3)');
    assert.equal(PrecisionSampler.create(m2, stoch(m2, 's')), null);
    const m3 = compile(`model { for (i in 1:3) { y[i] ~ dt(0, tau, 4) }  tau ~ dgamma(1, 1) }`, 'y <- c(1, 2, 3)');
    assert.equal(PrecisionSampler.create(m3, stoch(m3, 'tau')), null);
  });
});
