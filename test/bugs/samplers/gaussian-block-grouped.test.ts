/**
 * The Gaussian block's precomputed groups of rows (GroupedRows): Q and h assembled with them
 * equal Q = Σ w g g' and h = Σ w g d computed row by row from the rows themselves, for rows with
 * constant and with changing offsets, weights, scale factors and group-level priors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluator } from '../../../src/bugs/ir.js';
import { findGaussianBlocks } from '../../../src/bugs/linear.js';
import type { GaussianBlockPlan } from '../../../src/bugs/samplers/gaussian-block.js';
import { draws, modelChain } from '../model-chain.js';

const MODEL = `model {
  for (i in 1:n) {
    y[i] ~ dnorm(a[g[i]] + xi * b[g[i]] * x[i] + c * z[i], tau.y * w[i])
  }
  for (j in 1:J) {
    a[j] ~ dnorm(mu.a, tau.a)
    b[j] ~ dnorm(0, tau.b)
  }
  mu.a ~ dnorm(0, 0.0001)
  tau.y ~ dgamma(1, 1)
  tau.a ~ dgamma(1, 1)
  tau.b ~ dgamma(1, 1)
  xi ~ dunif(0, 10)
  c ~ dunif(-5, 5)
}`;

function data(): string {
  const n = 60;
  const J = 6;
  const col = (f: (i: number) => number) => `c(${Array.from({ length: n }, (_, i) => f(i)).join(', ')})`;
  return [
    `n <- ${n}L`,
    `J <- ${J}L`,
    `g <- ${col((i) => (i % J) + 1)}`,
    `x <- ${col((i) => ((i * 7) % 11) / 3 - 1.5)}`,
    `z <- ${col((i) => Math.cos(i))}`,
    `w <- ${col((i) => 1 + (i % 3) / 2)}`,
    `y <- ${col((i) => Math.round(100 * (Math.sin(i) + (i % J) * 0.2)) / 100)}`,
  ].join('\n');
}

test('grouped rows give the row-by-row Q and h', () => {
  const { model, chain } = modelChain(MODEL, data(), { seed: 4 });
  draws(chain, [], 50); // away from the start, c and xi moved
  const block = chain.samplers.find((s) => s.kind === 'GaussianBlock') as unknown as { plan: GaussianBlockPlan; q: Float64Array; h: Float64Array; assemble(v: Float64Array): void };
  assert.ok(block, 'no Gaussian block');
  const plan = block.plan;
  assert.ok((plan.grouped as unknown as { wSlot: Int32Array }).wSlot.length >= 2, 'the rows were not grouped');
  block.assemble(chain.v);
  const spec = findGaussianBlocks(model).find((sp) => sp.vars.length === plan.k)!;
  const k = plan.k;
  const Q = Array.from({ length: k }, () => new Float64Array(k));
  const h = new Float64Array(k);
  const v = chain.v;
  for (const r of spec.rows) {
    assert.equal(r.kind, 'scalar');
    if (r.kind !== 'scalar') continue;
    const w = evaluator(r.prec)(v);
    const d = evaluator(r.d)(v);
    const g = r.g.map((t) => ({ k: t.k, c: evaluator(t.coef)(v) }));
    for (const a of g) {
      h[a.k] += w * a.c * d;
      for (const b of g) Q[a.k][b.k] += w * a.c * b.c;
    }
  }
  for (let a = 0; a < k; a++) {
    assert.ok(Math.abs(block.h[a] - h[a]) <= 1e-9 * Math.max(1, Math.abs(h[a])), `h[${a}] ${block.h[a]} vs ${h[a]}`);
    for (let b = 0; b <= a; b++) {
      if (Q[a][b] === 0) continue;
      const got = block.q[plan.pos(a, b)];
      assert.ok(Math.abs(got - Q[a][b]) <= 1e-9 * Math.max(1, Math.abs(Q[a][b])), `Q[${a},${b}] ${got} vs ${Q[a][b]}`);
    }
  }
});
