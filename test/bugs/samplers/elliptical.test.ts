/**
 * Elliptical slice sampling of a dmnorm node (src/bugs/samplers/elliptical.ts). The engine
 * uses it for a dmnorm node outside any Gaussian block; to compare with an exact answer the
 * sampler is applied here to a node whose children are linear-Gaussian, so that the full
 * conditional is N(Q⁻¹h, Q⁻¹) with Q = Ω + Σ τ g g' and h = Ωμ + Σ τ g y (other nodes data).
 * The draws are autocorrelated: ESS-based checks (../helpers.ts). The engine's own choice of
 * this sampler (a dmnorm node with logistic children) is checked too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSamplers } from '../../../src/bugs/assign.js';
import { EllipticalSliceSampler } from '../../../src/bugs/samplers/elliptical.js';
import { checkCovariance, checkMean, checkQuantiles, checkVariance, chainFor, compile, draw, inverse, normalCdf, solve, stoch } from '../helpers.js';

describe('elliptical slice sampling', () => {
  it('a 3-vector with linear-Gaussian children reaches its exact Gaussian conditional', () => {
    const t = [-1, -0.5, 0, 0.5, 1, 1.5];
    const y = [0.2, -0.1, 0.8, 1.1, 0.7, 2.0];
    const model = compile(
      `model {
        for (i in 1:6) { y[i] ~ dnorm(b[1] + b[2] * t[i] + b[3] * t[i] * t[i], 4) }
        b[1:3] ~ dmnorm(mu[1:3], Omega[1:3, 1:3])
      }`,
      `t <- c(${t.join(', ')})\ny <- c(${y.join(', ')})\nmu <- c(0.5, 0, -0.5)\nOmega <- structure(c(2, 0.5, 0, 0.5, 1, 0.3, 0, 0.3, 3), .Dim = c(3L, 3L))`,
    );
    const node = stoch(model, 'b[1:3]');
    const chain = chainFor(model, { seed: 71 });
    const omega = [
      [2, 0.5, 0],
      [0.5, 1, 0.3],
      [0, 0.3, 3],
    ];
    const mu = [0.5, 0, -0.5];
    const q = omega.map((r) => [...r]);
    const h = omega.map((r) => r.reduce((s, v, j) => s + v * mu[j], 0));
    t.forEach((ti, i) => {
      const g = [1, ti, ti * ti];
      for (let a = 0; a < 3; a++) {
        h[a] += 4 * g[a] * y[i];
        for (let b = 0; b < 3; b++) q[a][b] += 4 * g[a] * g[b];
      }
    });
    const mean = solve(q, h);
    const cov = inverse(q);
    const names = ['b[1]', 'b[2]', 'b[3]'];
    const d = draw(chain, names, 30000, { burn: 200, samplers: [new EllipticalSliceSampler(model, node)] });
    names.forEach((nm, i) => {
      checkMean(d[nm], mean[i], nm);
      checkVariance(d[nm], cov[i][i], nm);
      checkQuantiles(d[nm], (x) => normalCdf((x - mean[i]) / Math.sqrt(cov[i][i])), nm);
    });
    checkCovariance(d['b[1]'], d['b[2]'], cov[0][1], 'b[1], b[2]');
    checkCovariance(d['b[2]'], d['b[3]'], cov[1][2], 'b[2], b[3]');
  });

  it('is the engine\'s choice for a dmnorm node with non-Gaussian children', () => {
    const model = compile(
      `model {
        for (i in 1:4) { y[i] ~ dbern(ilogit(b[1] + b[2] * x[i])) }
        b[1:2] ~ dmnorm(mu[1:2], Omega[1:2, 1:2])
      }`,
      `x <- c(-1, 0, 1, 2)\ny <- c(0, 1, 0, 1)\nmu <- c(0, 0)\nOmega <- structure(c(1, 0, 0, 1), .Dim = c(2L, 2L))`,
    );
    const chain = chainFor(model, { seed: 72 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['EllipticalSlice', ['b[1:2]']]]);
  });
});
