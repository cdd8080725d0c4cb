/**
 * The exact truncated-normal draw for a bounded scalar entering its children linearly
 * (src/bugs/samplers/linear-scalar.ts), against its exact full conditional. The other nodes
 * are data, so with children y_i ~ dnorm(m_i + s·x_i, τ_i) the conditional is
 *
 *   s | y ~ N(Σ τ x (y − m) / P, 1/P) truncated to the prior's support,  P = Σ τ x²,
 *
 * times the prior's own normal factor for s ~ dnorm(m0, t0) T(lo, hi). The density is
 * tabulated on the support (../helpers.ts tabulate) for the moments and the CDF; the draws
 * are independent (ESS ≈ N, Kolmogorov–Smirnov).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSamplers } from '../../../src/bugs/assign.js';
import { LinearScalarSampler } from '../../../src/bugs/samplers/linear-scalar.js';
import { Rng } from '../../../src/mcmc/rng.js';
import { checkDistribution, chainFor, compile, draw, stoch, tabulate } from '../helpers.js';

const N = 20000;
const vec = (x: readonly number[]) => `c(${x.map((v) => v.toPrecision(17)).join(', ')})`;

function regression(n: number, slope: number, seed: number) {
  const r = Rng.fromSeed(seed);
  const x = Array.from({ length: n }, () => 2 * r.uniform() - 0.5);
  const m = Array.from({ length: n }, () => r.normal());
  const y = x.map((v, i) => m[i] + slope * v + 0.7 * r.normal());
  return { x, m, y };
}

/** The exact conditional's log density (up to a constant) of s given the children. */
function logLik(d: { x: number[]; m: number[]; y: number[] }, tau: number) {
  return (s: number) => d.y.reduce((acc, yi, i) => acc - 0.5 * tau * (yi - d.m[i] - s * d.x[i]) ** 2, 0);
}

describe('exact truncated-normal draws for a bounded scalar with linear-Gaussian children', () => {
  for (const [what, lo, hi] of [
    ['a wide dunif (the bounds do not bind)', -50, 50],
    ['dunif(0, A) cutting the conditional near its mode', 0, 1.1],
    ['dunif far in the upper tail of the conditional', 2.2, 4],
  ] as const) {
    it(`s ~ ${what}`, () => {
      const d = regression(10, 1, 31);
      const model = compile(
        `model { for (i in 1:n) { y[i] ~ dnorm(m[i] + s * x[i], 2) }  s ~ dunif(lo, hi) }`,
        `n <- 10\nlo <- ${lo}\nhi <- ${hi}\nx <- ${vec(d.x)}\nm <- ${vec(d.m)}\ny <- ${vec(d.y)}`,
      );
      const chain = chainFor(model, { seed: 32 });
      assert.deepEqual(describeSamplers(model, chain.samplers), [['TruncatedNormal', ['s']]]);
      const exact = tabulate(logLik(d, 2), Math.max(lo, -10), Math.min(hi, 10));
      const { s } = draw(chain, ['s'], N);
      for (const v of s) assert.ok(v >= lo && v <= hi, `draw ${v} outside [${lo}, ${hi}]`);
      checkDistribution(s, exact, 's', { independent: true });
    });
  }

  it('s ~ dnorm(m0, t0) T(lo, hi): the prior factor joins the conditional', () => {
    const d = regression(6, -0.5, 33);
    const model = compile(
      `model { for (i in 1:n) { y[i] ~ dnorm(m[i] + s * x[i], 1.5) }  s ~ dnorm(0.4, 3) T(-0.2, 0.9) }`,
      `n <- 6\nx <- ${vec(d.x)}\nm <- ${vec(d.m)}\ny <- ${vec(d.y)}`,
    );
    const chain = chainFor(model, { seed: 34 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['TruncatedNormal', ['s']]]);
    const ll = logLik(d, 1.5);
    const exact = tabulate((s) => ll(s) - 1.5 * (s - 0.4) ** 2, -0.2, 0.9);
    const { s } = draw(chain, ['s'], N);
    checkDistribution(s, exact, 's', { independent: true });
  });

  it('a scale factor of raw effects through deterministic nodes (the scaled inverse-Wishart xi)', () => {
    const r = Rng.fromSeed(35);
    const J = 8;
    const raw = Array.from({ length: J }, () => r.normal());
    const g = Array.from({ length: 24 }, (_, i) => 1 + (i % J));
    const y = g.map((gj) => 0.3 + 1.4 * raw[gj - 1] + 0.5 * r.normal());
    const model = compile(
      `model {
        for (i in 1:n) { y[i] ~ dnorm(a[g[i]], 4) }
        for (j in 1:J) { a[j] <- mu + xi * raw[j] }
        xi ~ dunif(0, 3)
      }`,
      `n <- 24\nJ <- ${J}\nmu <- 0.3\ng <- c(${g.join(', ')})\nraw <- ${vec(raw)}\ny <- ${vec(y)}`,
    );
    const chain = chainFor(model, { seed: 36 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['TruncatedNormal', ['xi']]]);
    const exact = tabulate((xi) => y.reduce((acc, yi, i) => acc - 2 * (yi - 0.3 - xi * raw[g[i] - 1]) ** 2, 0), 0, 3);
    const { xi } = draw(chain, ['xi'], N);
    checkDistribution(xi, exact, 'xi', { independent: true });
    // The deterministic nodes follow the draw.
    const a1 = chain.v[model.variables.get('a')!.offset];
    assert.ok(Math.abs(a1 - (0.3 + xi[N - 1] * raw[0])) < 1e-12);
  });

  it('a dmnorm child whose mean is linear in the scalar (vector rows)', () => {
    const model = compile(
      `model {
        for (j in 1:3) { z[j, 1:2] ~ dmnorm(s * v[1:2], Omega[1:2, 1:2]) }
        s ~ dunif(-5, 5)
      }`,
      `v <- c(1, -2)\nOmega <- structure(c(2, 0.5, 0.5, 1), .Dim = c(2L, 2L))\nz <- structure(c(0.5, 1.2, -0.3, -1, -2.5, 0.4), .Dim = c(3L, 2L))`,
    );
    const chain = chainFor(model, { seed: 37 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['TruncatedNormal', ['s']]]);
    const z = [
      [0.5, -1],
      [1.2, -2.5],
      [-0.3, 0.4],
    ];
    const om = [
      [2, 0.5],
      [0.5, 1],
    ];
    const v = [1, -2];
    const logf = (s: number) =>
      z.reduce((acc, zj) => {
        const e = [zj[0] - s * v[0], zj[1] - s * v[1]];
        return acc - 0.5 * (e[0] * (om[0][0] * e[0] + om[0][1] * e[1]) + e[1] * (om[1][0] * e[0] + om[1][1] * e[1]));
      }, 0);
    const exact = tabulate(logf, -5, 5);
    const { s } = draw(chain, ['s'], N);
    checkDistribution(s, exact, 's', { independent: true });
  });

  it('does not apply to an unbounded dnorm (that belongs to a Gaussian block) or a nonlinear child', () => {
    const m1 = compile(`model { y ~ dnorm(s, 1)  s ~ dnorm(0, 1) }`, 'y <- 1');
    assert.equal(LinearScalarSampler.create(m1, stoch(m1, 's')), null);
    const m2 = compile(`model { y ~ dnorm(s * s, 1)  s ~ dunif(0, 1) }`, 'y <- 1');
    assert.equal(LinearScalarSampler.create(m2, stoch(m2, 's')), null);
    const m3 = compile(`model { y ~ dpois(s)  s ~ dunif(0, 10) }`, 'y <- 1');
    assert.equal(LinearScalarSampler.create(m3, stoch(m3, 's')), null);
  });
});
