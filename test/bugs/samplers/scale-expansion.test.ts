/**
 * The parameter-expansion step of the scaled inverse-Wishart prior (samplers/scale-expansion.ts):
 * when it applies, that one step leaves the identified quantities (b = ξ·B and the precision of
 * the b's, P = D⁻¹ T D⁻¹) unchanged and draws ξ_k² from Gamma((ν + 1)/2, R_kk P_kk / 2); and the
 * whole chain's posterior of the group SDs agrees with the same chain run without the step.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSamplers } from '../../../src/bugs/assign.js';
import { mean, variance } from '../../../src/mcmc/diagnostics.js';
import { draws, modelChain, slotOf } from '../model-chain.js';

const J = 8;
const N = 4;
function model(scaled: boolean): string {
  return `model {
  for (i in 1:n) {
    y[i] ~ dnorm(a[g[i]] + b[g[i]] * x[i], 1)
  }
  for (j in 1:J) {
    B[j, 1:2] ~ dmnorm(m0[1:2], Tau[1:2, 1:2])
    a[j] <- mu.a + ${scaled ? 'xi.a * ' : ''}B[j, 1]
    b[j] <- mu.b + ${scaled ? 'xi.b * ' : ''}B[j, 2]
  }
  m0[1] <- 0
  m0[2] <- 0
  mu.a ~ dnorm(0, 0.001)
  mu.b ~ dnorm(0, 0.001)
  ${scaled ? 'xi.a ~ dunif(0, 100)\n  xi.b ~ dunif(0, 100)' : ''}
  Tau[1:2, 1:2] ~ dwish(R[1:2, 1:2], 3)
  R[1, 1] <- 1
  R[1, 2] <- 0
  R[2, 1] <- 0
  R[2, 2] <- 2
}`;
}

function data(): string {
  const x: number[] = [];
  const y: number[] = [];
  const g: number[] = [];
  for (let j = 1; j <= J; j++) {
    for (let k = 0; k < N; k++) {
      const xi = k - 1.5;
      x.push(xi);
      g.push(j);
      y.push(Math.round(100 * (1 + 0.3 * j + (0.5 - 0.1 * j) * xi + Math.sin(7 * j + k))) / 100);
    }
  }
  return `n <- ${J * N}L\nJ <- ${J}L\nx <- c(${x.join(', ')})\ny <- c(${y.join(', ')})\ng <- c(${g.map((v) => `${v}L`).join(', ')})`;
}

test('planned for the scaled form only', () => {
  const kinds = (scaled: boolean) => {
    const { model: m, chain } = modelChain(model(scaled), data());
    return describeSamplers(m, chain.samplers).map(([k]) => k);
  };
  assert.ok(kinds(true).includes('ScaleExpansion'), kinds(true).join(', '));
  assert.ok(!kinds(false).includes('ScaleExpansion'));
  assert.ok(!modelChain(model(true), data(), { plan: { expansion: false } }).chain.samplers.some((s) => s.kind === 'ScaleExpansion'));
});

test('one step keeps b and P, and draws xi² from its gamma conditional', () => {
  const { model: m, chain } = modelChain(model(true), data(), { seed: 2 });
  draws(chain, [], 200);
  const px = chain.samplers.find((s) => s.kind === 'ScaleExpansion')!;
  const v = chain.v;
  const xi = [slotOf(m, 'xi.a'), slotOf(m, 'xi.b')];
  const tau = (k: number, l: number) => slotOf(m, 'Tau', k + 2 * l);
  const bSlot = (j: number, k: number) => slotOf(m, 'B', j + J * k);
  const identified = () => {
    const out: number[] = [];
    for (let j = 0; j < J; j++) for (let k = 0; k < 2; k++) out.push(v[xi[k]] * v[bSlot(j, k)]);
    for (let k = 0; k < 2; k++) for (let l = 0; l < 2; l++) out.push(v[tau(k, l)] / (v[xi[k]] * v[xi[l]]));
    return out;
  };
  const before = identified();
  const pkk = [before[2 * J], before[2 * J + 3]];
  const n = 20000;
  const sq = [new Float64Array(n), new Float64Array(n)];
  for (let t = 0; t < n; t++) {
    px.update(v, chain.rng);
    sq[0][t] = v[xi[0]] ** 2;
    sq[1][t] = v[xi[1]] ** 2;
  }
  const after = identified();
  before.forEach((x, i) => assert.ok(Math.abs(after[i] - x) <= 1e-9 * Math.max(1, Math.abs(x)), `identified quantity ${i}: ${x} → ${after[i]}`));
  // xi_k² ~ Gamma(shape (3 + 1)/2 = 2, rate R_kk P_kk / 2), draws independent (the bound 100 is far).
  [1, 2].forEach((rkk, k) => {
    const shape = 2;
    const rate = (rkk * pkk[k]) / 2;
    const m1 = mean(sq[k]);
    const s1 = Math.sqrt(variance(sq[k], m1));
    const want = shape / rate;
    assert.ok(Math.abs(m1 - want) <= 4 * (Math.sqrt(shape) / rate / Math.sqrt(n)), `E[xi²] ${m1} vs ${want}`);
    assert.ok(Math.abs(s1 / (Math.sqrt(shape) / rate) - 1) < 0.05, `sd ${s1}`);
  });
});

test('the group SDs have the same posterior with and without the step', () => {
  const sds = (expansion: boolean) => {
    const { model: m, chain } = modelChain(model(true), data(), { seed: 9, plan: { expansion } });
    const xiA = slotOf(m, 'xi.a');
    const t11 = slotOf(m, 'Tau', 0);
    const t12 = slotOf(m, 'Tau', 2);
    const t22 = slotOf(m, 'Tau', 3);
    draws(chain, [], 2000);
    chain.endAdaptation();
    const n = 40000;
    const out = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      for (const s of chain.samplers) s.update(chain.v, chain.rng);
      const v = chain.v;
      // sigma.a = xi.a · √(Tau⁻¹)₁₁
      const det = v[t11] * v[t22] - v[t12] * v[t12];
      out[t] = v[xiA] * Math.sqrt(v[t22] / det);
    }
    return out;
  };
  const a = sds(true);
  const b = sds(false);
  const ma = mean(a);
  const mb = mean(b);
  // The chain without the step mixes slowly: compare with a generous allowance from batch means.
  const batch = (x: Float64Array) => {
    const k = 40;
    const size = x.length / k;
    const ms = Array.from({ length: k }, (_, i) => mean(x.subarray(i * size, (i + 1) * size)));
    return Math.sqrt(variance(Float64Array.from(ms), mean(Float64Array.from(ms))) / k);
  };
  const se = Math.sqrt(batch(a) ** 2 + batch(b) ** 2);
  assert.ok(Math.abs(ma - mb) <= 4 * se, `sigma.a: ${ma} with the step, ${mb} without (se ${se})`);
});
