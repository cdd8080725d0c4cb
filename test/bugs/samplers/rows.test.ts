/**
 * The compiled rows of a set of variables (src/bugs/samplers/rows.ts): moving the variables
 * θ to θ + t·dir changes the log density of their linear-Gaussian children by exactly
 * −½ P t² + b t, with P and b from RowSystem.quadratic. Checked against the children's own
 * log densities (recomputing the deterministic nodes in between) for scalar rows reached
 * through deterministic nodes, with data and node precisions, and dmnorm rows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StochasticNode } from '../../../src/bugs/compile.js';
import { rowsFor } from '../../../src/bugs/linear.js';
import { RowSystem } from '../../../src/bugs/samplers/rows.js';
import { refreshProgram } from '../../../src/bugs/samplers/sampler.js';
import { chainFor, compile, stoch } from '../helpers.js';

describe('RowSystem', () => {
  it('gives the exact quadratic change of the children\'s log density along a direction', () => {
    const model = compile(
      `model {
        for (i in 1:6) {
          y[i] ~ dnorm(yhat[i], tau[g[i]])
          yhat[i] <- a[g[i]] + b * x[i]
        }
        for (j in 1:2) { tau[j] ~ dgamma(2, 1) }
        for (j in 1:3) { z[j, 1:2] ~ dmnorm(m[1:2], Omega[1:2, 1:2]) }
        m[1] <- a[1]
        m[2] <- 2 * a[2] - b
        a[1] ~ dnorm(0, 1)
        a[2] ~ dnorm(0, 1)
        b ~ dnorm(0, 1)
      }`,
      `g <- c(1, 1, 1, 2, 2, 2)\nx <- c(0.5, -1, 2, 0, 1.5, -0.5)\ny <- c(1, 0.2, 2.5, -0.3, 1.1, 0.4)
Omega <- structure(c(1.2, 0.4, 0.4, 0.7), .Dim = c(2L, 2L))\nz <- structure(c(0.3, -0.2, 1, 0.8, 0.1, -1.4), .Dim = c(3L, 2L))`,
    );
    const ids = ['a[1]', 'a[2]', 'b'].map((l) => stoch(model, l).id);
    const r = rowsFor(model, ids, 'none');
    assert.ok(r, 'the children are linear-Gaussian in a and b');
    assert.equal(r.rows.length, 6 + 3);
    const rows = new RowSystem(model, r.rows);
    const chain = chainFor(model, { seed: 91, inits: 'tau <- c(0.7, 2.3)\na <- c(0.4, -0.9)\nb <- 0.6' });
    const v = chain.v;
    const dets = refreshProgram(model, ids);
    const children = new Set<StochasticNode>();
    for (const id of ids) for (const c of (model.nodes[id] as StochasticNode).stochChildren) if (!ids.includes(c)) children.add(model.nodes[c] as StochasticNode);
    assert.equal(children.size, 9);
    const logLik = () => [...children].reduce((s, c) => s + c.logp(v), 0);
    const dir = Float64Array.of(0.8, -1.3, 0.45);
    const base = Array.from(r.vars, (s) => v[s]);
    rows.quadratic(v, dir);
    const { precision: P, linear: b } = rows;
    assert.ok(P > 0);
    const l0 = logLik();
    for (const t of [-1.5, -0.25, 0.5, 2]) {
      r.vars.forEach((s, k) => (v[s] = base[k] + t * dir[k]));
      dets.run(v);
      const got = logLik() - l0;
      const want = -0.5 * P * t * t + b * t;
      assert.ok(Math.abs(got - want) < 1e-9 * (1 + Math.abs(want)), `t = ${t}: log density changed by ${got}, rows say ${want}`);
    }
  });

  it('a child that is not linear in the variables makes rowsFor refuse', () => {
    const model = compile(`model { y ~ dnorm(a * b, 1)  a ~ dnorm(0, 1)  b ~ dnorm(0, 1) }`, 'y <- 1');
    assert.equal(rowsFor(model, [stoch(model, 'a').id, stoch(model, 'b').id], 'none'), null);
  });
});
