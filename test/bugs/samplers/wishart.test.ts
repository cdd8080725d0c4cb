/**
 * The Wishart draws and the conjugate Wishart update (src/bugs/samplers/wishart.ts).
 *
 * JAGS's dwish(R, k) has E[Ω] = k·R⁻¹; with Σ = R⁻¹ the element variances are
 * Var(Ω_ij) = k·(Σ_ij² + Σ_ii·Σ_jj). With children x_j ~ dmnorm(μ_j, Ω) (j = 1…n) held
 * fixed, Ω | x ~ dwish(R + Σ_j (x_j − μ_j)(x_j − μ_j)', k + n). Draws are independent
 * (ESS ≈ N); the diagonal elements are also checked against their exact law,
 * Ω_ii ~ Σ_ii·χ²_k (Kolmogorov–Smirnov).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSamplers } from '../../../src/bugs/assign.js';
import { WishartSampler, drawWishart } from '../../../src/bugs/samplers/wishart.js';
import { Rng } from '../../../src/mcmc/rng.js';
import { checkKs, checkMean, checkVariance, chainFor, compile, draw, inverse, stoch, tabulate } from '../helpers.js';

const N = 20000;

/** Moments of dwish(R, k) in JAGS's parameterisation. */
function wishartMoments(r: number[][], k: number): { mean: number[][]; variance: number[][]; sigma: number[][] } {
  const s = inverse(r);
  return {
    sigma: s,
    mean: s.map((row) => row.map((v) => k * v)),
    variance: s.map((row, i) => row.map((v, j) => k * (v * v + s[i][i] * s[j][j]))),
  };
}

/** CDF of Σ_ii·χ²_k by quadrature of the χ² density. */
function scaledChisqCdf(scale: number, k: number): (x: number) => number {
  const t = tabulate((x) => (k / 2 - 1) * Math.log(x) - x / 2, 1e-12, k + 60 * Math.sqrt(2 * k), 40000);
  return (x) => t.cdf(x / scale);
}

function checkWishart(draws: Float64Array[], p: number, r: number[][], k: number, what: string): void {
  const { mean, variance, sigma } = wishartMoments(r, k);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      const x = draws[i + j * p];
      checkMean(x, mean[i][j], `${what} [${i + 1},${j + 1}]`);
      checkVariance(x, variance[i][j], `${what} [${i + 1},${j + 1}]`);
      if (i === j) checkKs(x, scaledChisqCdf(sigma[i][i], k), `${what} [${i + 1},${i + 1}]`);
      // Symmetric draws.
      const xt = draws[j + i * p];
      for (let t = 0; t < x.length; t += 101) assert.equal(x[t], xt[t]);
    }
  }
}

describe('Wishart draws', () => {
  it('drawWishart(R, k) has mean k R⁻¹, the Wishart variances, and χ² diagonals (p = 3)', () => {
    const rng = Rng.fromSeed(51);
    const p = 3;
    const r = [
      [2, 0.3, -0.4],
      [0.3, 1, 0.2],
      [-0.4, 0.2, 0.5],
    ];
    const k = 5.5;
    const rf = Float64Array.from({ length: 9 }, (_, i) => r[i % 3][Math.floor(i / 3)]);
    const out = new Float64Array(9);
    const draws = Array.from({ length: 9 }, () => new Float64Array(N));
    for (let t = 0; t < N; t++) {
      assert.ok(drawWishart(rng, rf, k, p, out));
      for (let e = 0; e < 9; e++) draws[e][t] = out[e];
    }
    checkWishart(draws, p, r, k, 'dwish draw');
  });

  it('refuses a scale matrix that is not positive definite', () => {
    const out = new Float64Array(4);
    assert.equal(drawWishart(Rng.fromSeed(1), Float64Array.of(1, 2, 2, 1), 3, 2, out), false);
  });
});

describe('conjugate Wishart update', () => {
  it('Omega ~ dwish(R, k) with dmnorm children: dwish(R + S, k + n)', () => {
    const x = [
      [0.5, -1.2],
      [1.5, 0.3],
      [-0.7, -0.4],
      [0.2, 2.1],
      [1.1, -0.9],
    ];
    const mu = [0.3, -0.1];
    const n = x.length;
    const flat = [...x.map((r) => r[0]), ...x.map((r) => r[1])];
    const model = compile(
      `model {
        for (j in 1:n) { x[j, 1:2] ~ dmnorm(mu[1:2], Omega[1:2, 1:2]) }
        Omega[1:2, 1:2] ~ dwish(R[1:2, 1:2], 3)
      }`,
      `n <- ${n}\nmu <- c(0.3, -0.1)\nR <- structure(c(1.5, 0.2, 0.2, 0.8), .Dim = c(2L, 2L))\nx <- structure(c(${flat.join(', ')}), .Dim = c(${n}L, 2L))`,
    );
    const chain = chainFor(model, { seed: 52 });
    assert.deepEqual(describeSamplers(model, chain.samplers), [['ConjugateWishart', ['Omega[1:2,1:2]']]]);
    const post = [
      [1.5, 0.2],
      [0.2, 0.8],
    ];
    for (const xj of x) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) post[a][b] += (xj[a] - mu[a]) * (xj[b] - mu[b]);
    const names = ['Omega[1,1]', 'Omega[2,1]', 'Omega[1,2]', 'Omega[2,2]'];
    const d = draw(chain, names, N);
    checkWishart(names.map((nm) => d[nm]), 2, post, 3 + n, 'Omega | x');
  });

  it('the children may have means computed from other (fixed) nodes', () => {
    const model = compile(
      `model {
        for (j in 1:3) {
          x[j, 1:2] ~ dmnorm(m[j, 1:2], Omega[1:2, 1:2])
          m[j, 1] <- c0 + j
          m[j, 2] <- -c0
        }
        Omega[1:2, 1:2] ~ dwish(R[1:2, 1:2], 2)
      }`,
      `c0 <- 0.5\nR <- structure(c(1, 0, 0, 1), .Dim = c(2L, 2L))\nx <- structure(c(1, 3, 3, 0, -1, -0.2), .Dim = c(3L, 2L))`,
    );
    const chain = chainFor(model, { seed: 53 });
    assert.ok(WishartSampler.create(model, stoch(model, 'Omega[1:2,1:2]')));
    const x = [
      [1, 0],
      [3, -1],
      [3, -0.2],
    ];
    const post = [
      [1, 0],
      [0, 1],
    ];
    x.forEach((xj, j) => {
      const e = [xj[0] - (0.5 + j + 1), xj[1] + 0.5];
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) post[a][b] += e[a] * e[b];
    });
    const names = ['Omega[1,1]', 'Omega[2,1]', 'Omega[1,2]', 'Omega[2,2]'];
    const d = draw(chain, names, N);
    checkWishart(names.map((nm) => d[nm]), 2, post, 2 + 3, 'Omega | x');
  });

  it('does not apply when a child uses a transformed precision', () => {
    const model = compile(
      `model {
        x[1:2] ~ dmnorm(mu[1:2], P[1:2, 1:2])
        for (a in 1:2) { for (b in 1:2) { P[a, b] <- 2 * Omega[a, b] } }
        Omega[1:2, 1:2] ~ dwish(R[1:2, 1:2], 3)
      }`,
      `mu <- c(0, 0)\nx <- c(1, 2)\nR <- structure(c(1, 0, 0, 1), .Dim = c(2L, 2L))`,
    );
    assert.equal(WishartSampler.create(model, stoch(model, 'Omega[1:2,1:2]')), null);
  });
});
