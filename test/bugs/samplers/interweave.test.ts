/**
 * The interweaving step for a group-level scale (src/bugs/samplers/interweave.ts).
 *
 * 1. Alone, the step draws the scale from its conditional given the standardised effects
 *    η_j = (a_j − m_j)·√(c_j s^p), which it leaves unchanged: with a_j = m_j + λ(s)·(a_j − m_j)
 *    the effects' priors do not depend on s, so
 *
 *      p(s | η, y) ∝ prior(s) · Π_i N(y_i | mean_i(a(s, η)), τ_i).
 *
 *    For an SD σ with a dunif(0, A) prior (a = m + σ η) that is a normal in σ truncated to
 *    (0, A), drawn exactly (independent draws, Kolmogorov–Smirnov); for a gamma-prior
 *    precision τ (a = m + η/√τ) it is a one-dimensional density drawn by slice sampling,
 *    tabulated here for the reference (autocorrelated draws: ESS-based checks).
 * 2. With the whole sampler set of a model (Gaussian block, truncated gamma, interweaving)
 *    the chain must reach the exact marginal posterior of σ in y_ij ~ N(a_j, 1/τ_y),
 *    a_j ~ N(μ, σ²), σ ~ dunif(0, A), μ and τ_y known:
 *      p(σ | y) ∝ Π_j N(ȳ_j | μ, σ² + 1/(n_j τ_y)) on (0, A).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSamplers } from '../../../src/bugs/assign.js';
import { InterweaveSampler } from '../../../src/bugs/samplers/interweave.js';
import { Rng } from '../../../src/mcmc/rng.js';
import { checkDistribution, chainFor, compile, draw, slotOf, stoch, tabulate } from '../helpers.js';

const vec = (x: readonly number[]) => `c(${x.map((v) => v.toPrecision(17)).join(', ')})`;

function groups(J: number, perGroup: number, sd: number, seed: number) {
  const r = Rng.fromSeed(seed);
  const mu = Array.from({ length: J }, (_, j) => (j % 3) - 1);
  const eff = mu.map((m) => m + sd * r.normal());
  const g: number[] = [];
  const y: number[] = [];
  for (let j = 1; j <= J; j++) {
    for (let k = 0; k < perGroup; k++) {
      g.push(j);
      y.push(eff[j - 1] + r.normal());
    }
  }
  return { mu, g, y, J };
}

describe('interweaving step alone: the exact conditional given the standardised effects', () => {
  it('an SD with a dunif(0, A) prior: a truncated normal in sigma, effects moved with it', () => {
    const d = groups(6, 3, 1.5, 41);
    const A = 2.5;
    const model = compile(
      `model {
        for (i in 1:n) { y[i] ~ dnorm(a[g[i]], 2) }
        for (j in 1:J) { a[j] ~ dnorm(mu[j], tau) }
        tau <- pow(sigma, -2)
        sigma ~ dunif(0, A)
      }`,
      `n <- ${d.y.length}\nJ <- ${d.J}\nA <- ${A}\ng <- c(${d.g.join(', ')})\nmu <- ${vec(d.mu)}\ny <- ${vec(d.y)}`,
    );
    const sigmaNode = stoch(model, 'sigma');
    const step = InterweaveSampler.create(model, sigmaNode);
    assert.ok(step, 'the interweaving step applies');
    const sigma0 = 1.2;
    const a0 = [0.4, -2, 1.1, 0.3, -0.5, 2.2];
    const chain = chainFor(model, { seed: 42, inits: `sigma <- ${sigma0}\na <- ${vec(a0)}` });
    const eta = a0.map((a, j) => (a - d.mu[j]) / sigma0);
    const names = ['sigma', ...a0.map((_, j) => `a[${j + 1}]`)];
    const out = draw(chain, names, 20000, { samplers: [step] });
    // η is invariant: every draw keeps (a_j − m_j) / σ.
    for (let t = 0; t < 20000; t += 997) {
      for (let j = 0; j < a0.length; j++) {
        const e = (out[`a[${j + 1}]`][t] - d.mu[j]) / out.sigma[t];
        assert.ok(Math.abs(e - eta[j]) < 1e-9 * (1 + Math.abs(eta[j])), `eta[${j + 1}] moved: ${e} vs ${eta[j]}`);
      }
    }
    const logf = (s: number) => d.y.reduce((acc, yi, i) => acc - (yi - d.mu[d.g[i] - 1] - s * eta[d.g[i] - 1]) ** 2, 0);
    checkDistribution(out.sigma, tabulate(logf, 0, A), 'sigma | eta', { independent: true });
  });

  it('a precision with a gamma prior: slice sampling of its one-dimensional conditional', () => {
    const d = groups(5, 4, 0.8, 43);
    const model = compile(
      `model {
        for (i in 1:n) { y[i] ~ dnorm(a[g[i]], 1.5) }
        for (j in 1:J) { a[j] ~ dnorm(mu[j], tau) }
        tau ~ dgamma(2, 1)
      }`,
      `n <- ${d.y.length}\nJ <- ${d.J}\ng <- c(${d.g.join(', ')})\nmu <- ${vec(d.mu)}\ny <- ${vec(d.y)}`,
    );
    const step = InterweaveSampler.create(model, stoch(model, 'tau'));
    assert.ok(step);
    const tau0 = 1.3;
    const a0 = [0.2, 1.5, -1.4, 0.6, -0.1];
    const chain = chainFor(model, { seed: 44, inits: `tau <- ${tau0}\na <- ${vec(a0)}` });
    const eta = a0.map((a, j) => (a - d.mu[j]) * Math.sqrt(tau0));
    const out = draw(chain, ['tau', 'a[2]'], 30000, { burn: 2000, samplers: [step] });
    for (let t = 0; t < 30000; t += 1499) {
      const e = (out['a[2]'][t] - d.mu[1]) * Math.sqrt(out.tau[t]);
      assert.ok(Math.abs(e - eta[1]) < 1e-9 * (1 + Math.abs(eta[1])), `eta[2] moved: ${e} vs ${eta[1]}`);
    }
    const logf = (t: number) =>
      Math.log(t) - t + d.y.reduce((acc, yi, i) => acc - 0.75 * (yi - d.mu[d.g[i] - 1] - eta[d.g[i] - 1] / Math.sqrt(t)) ** 2, 0);
    checkDistribution(out.tau, tabulate(logf, 1e-9, 40, 40000), 'tau | eta');
  });

  it('does not apply to a scale with one effect, or effects whose means read each other', () => {
    const m1 = compile(`model { y ~ dnorm(a, 1)  a ~ dnorm(0, tau)  tau ~ dgamma(1, 1) }`, 'y <- 1');
    assert.equal(InterweaveSampler.create(m1, stoch(m1, 'tau')), null);
    const m2 = compile(
      `model { for (i in 1:3) { y[i] ~ dnorm(a[i], 1) }  a[1] ~ dnorm(0, tau)  a[2] ~ dnorm(a[1], tau)  a[3] ~ dnorm(a[2], tau)  tau ~ dgamma(1, 1) }`,
      'y <- c(1, 2, 3)',
    );
    assert.equal(InterweaveSampler.create(m2, stoch(m2, 'tau')), null);
  });
});

describe('the whole sampler set reaches the exact marginal posterior of a group SD', () => {
  it('y_ij ~ N(a_j, 1/tau.y), a_j ~ N(mu, sigma²), sigma ~ dunif(0, A): marginal by quadrature', () => {
    const d = groups(12, 3, 0.7, 45);
    const tauY = 2;
    const mu = 0.25;
    const A = 5;
    const model = compile(
      `model {
        for (i in 1:n) { y[i] ~ dnorm(a[g[i]], tau.y) }
        for (j in 1:J) { a[j] ~ dnorm(mu, tau.a) }
        tau.a <- pow(sigma, -2)
        sigma ~ dunif(0, A)
      }`,
      `n <- ${d.y.length}\nJ <- ${d.J}\nA <- ${A}\ntau.y <- ${tauY}\nmu <- ${mu}\ng <- c(${d.g.join(', ')})\ny <- ${vec(d.y)}`,
    );
    const chain = chainFor(model, { seed: 46 });
    // mu is known, so each group's effect is a block of its own.
    const kinds = describeSamplers(model, chain.samplers).map(([k]) => k);
    assert.deepEqual(kinds, [...new Array<string>(d.J).fill('GaussianBlock'), 'TruncatedGamma', 'Interweave']);
    const sums = new Array<number>(d.J).fill(0);
    const counts = new Array<number>(d.J).fill(0);
    d.g.forEach((gj, i) => {
      sums[gj - 1] += d.y[i];
      counts[gj - 1]++;
    });
    const logf = (s: number) =>
      sums.reduce((acc, sum, j) => {
        const v = s * s + 1 / (counts[j] * tauY);
        return acc - 0.5 * Math.log(v) - (sum / counts[j] - mu) ** 2 / (2 * v);
      }, 0);
    const exact = tabulate(logf, 0, A, 40000);
    const out = draw(chain, ['sigma'], 30000, { burn: 1000 });
    checkDistribution(out.sigma, exact, 'sigma | y');
    assert.ok(slotOf(model, 'sigma') >= 0);
  });
});
