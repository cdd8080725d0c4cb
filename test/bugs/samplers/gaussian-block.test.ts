/**
 * The joint Gaussian block sampler (src/bugs/samplers/gaussian-block.ts) against its exact
 * full conditional N(Q⁻¹h, Q⁻¹). Precisions are data, so the block (regression coefficients,
 * group effects, their means) has a Gaussian full conditional; the test builds Q and h
 * itself, densely and independently of src/bugs/linear.ts, from the model's equations:
 * every normal node contributes w·g g' to Q and w·g·d to h for its residual e = d − g'θ.
 * Draws of the block are independent, so ESS ≈ N (rules in ../helpers.ts).
 *
 * Models: a small regression (dense factorisation); a hierarchical model with 25 groups of
 * intercepts and slopes (52 variables: the bordered block-diagonal factorisation, border =
 * the two means); the same with the group coefficients as dmnorm rows (vector rows);
 * crossed random effects (border = the smaller factor); and a sub-block drawn with the other
 * variables held fixed (restrictRows, used when a block is split).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSamplers } from '../../../src/bugs/assign.js';
import type { CompiledModel } from '../../../src/bugs/compile.js';
import { findGaussianBlocks } from '../../../src/bugs/linear.js';
import { GaussianBlockSampler, partitionVariables, planBlocks, restrictRows } from '../../../src/bugs/samplers/gaussian-block.js';
import { Rng } from '../../../src/mcmc/rng.js';
import { checkCovariance, checkMean, checkVariance, chainFor, compile, draw, inverse, solve } from '../helpers.js';

const N = 6000;

function lcg(seed: number): () => number {
  const r = Rng.fromSeed(seed);
  return () => r.uniform();
}

const vec = (x: readonly number[]) => `c(${x.map((v) => v.toPrecision(17)).join(', ')})`;

/** Dense Q and h for a set of named variables. */
class Exact {
  readonly q: number[][];
  readonly h: number[];
  constructor(readonly names: readonly string[]) {
    this.q = names.map(() => names.map(() => 0));
    this.h = names.map(() => 0);
  }
  private idx(name: string): number {
    const i = this.names.indexOf(name);
    assert.ok(i >= 0, name);
    return i;
  }
  /** A normal node with residual e = d − Σ coef·θ and precision w. */
  row(terms: Record<string, number>, d: number, w: number): void {
    const ks = Object.entries(terms).map(([n, c]) => [this.idx(n), c] as const);
    for (const [a, ca] of ks) {
      this.h[a] += w * ca * d;
      for (const [b, cb] of ks) this.q[a][b] += w * ca * cb;
    }
  }
  /** A dmnorm node: residual vector e = d − G θ (G given per component) and precision Ω. */
  vectorRow(terms: readonly Record<string, number>[], d: readonly number[], omega: readonly number[][]): void {
    const k = d.length;
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < k; c++) {
        const w = omega[r][c];
        for (const [na, ca] of Object.entries(terms[r])) {
          const a = this.idx(na);
          this.h[a] += ca * w * d[c];
          for (const [nb, cb] of Object.entries(terms[c])) this.q[a][this.idx(nb)] += ca * w * cb;
        }
      }
    }
  }
  solve(): { mean: number[]; cov: number[][] } {
    return { mean: solve(this.q, this.h), cov: inverse(this.q) };
  }
}

/** Checks the draws of every variable (means and variances) and the listed covariances. */
function checkBlock(m: CompiledModel, exact: Exact, seed: number, pairs: readonly [string, string][], what: string): void {
  const chain = chainFor(m, { seed });
  const blocks = chain.samplers.filter((s) => s.kind === 'GaussianBlock');
  assert.equal(blocks.length, 1, `${what}: one Gaussian block (${JSON.stringify(describeSamplers(m, chain.samplers))})`);
  // Shift moves (samplers/shift.ts) run along directions within the same Gaussian and leave
  // it invariant, so the draws must still match the exact conditional with them on.
  const others = chain.samplers.filter((s) => s.kind !== 'GaussianBlock' && s.kind !== 'Shift');
  assert.equal(others.length, 0, `${what}: nothing else to sample (${JSON.stringify(describeSamplers(m, chain.samplers))})`);
  const { mean, cov } = exact.solve();
  const d = draw(chain, exact.names, N);
  exact.names.forEach((name, i) => {
    checkMean(d[name], mean[i], `${what} ${name}`);
    checkVariance(d[name], cov[i][i], `${what} ${name}`);
  });
  for (const [a, b] of pairs) {
    checkCovariance(d[a], d[b], cov[exact.names.indexOf(a)][exact.names.indexOf(b)], `${what} ${a}, ${b}`);
  }
  // The sampler's own posterior mean (no noise) equals the exact one.
  const s = blocks[0] as GaussianBlockSampler;
  s.assemble(chain.v);
  const own = s.mean();
  const vars = Array.from((s as unknown as { plan: { vars: Int32Array } }).plan.vars);
  exact.names.forEach((name, i) => {
    const slot = vars.indexOf(slotIn(m, name));
    assert.ok(slot >= 0);
    assert.ok(Math.abs(own[slot] - mean[i]) < 1e-8 * (1 + Math.abs(mean[i])), `${what} ${name}: sampler mean ${own[slot]} vs ${mean[i]}`);
  });
}

function slotIn(m: CompiledModel, name: string): number {
  const base = name.replace(/\[.*$/, '');
  const v = m.variables.get(base)!;
  if (v.dim.length === 0) return v.offset;
  const idx = name.slice(base.length + 1, -1).split(',').map(Number);
  let off = 0;
  let stride = 1;
  idx.forEach((i, k) => {
    off += (i - 1) * stride;
    stride *= v.dim[k];
  });
  return v.offset + off;
}

describe('joint Gaussian block: exact conditionals', () => {
  it('a small regression (dense factorisation)', () => {
    const u = lcg(1);
    const n = 15;
    const x = Array.from({ length: n }, () => 4 * u() - 2);
    const y = x.map((v) => 1 + 2 * v + (u() - 0.5));
    const m = compile(
      `model {
        for (i in 1:n) { y[i] ~ dnorm(b0 + b1 * x[i], tau) }
        b0 ~ dnorm(0.5, 0.1)
        b1 ~ dnorm(-1, 2)
      }`,
      `n <- ${n}\ntau <- 3.5\nx <- ${vec(x)}\ny <- ${vec(y)}`,
    );
    const e = new Exact(['b0', 'b1']);
    for (let i = 0; i < n; i++) e.row({ b0: 1, b1: x[i] }, y[i], 3.5);
    e.row({ b0: 1 }, 0.5, 0.1);
    e.row({ b1: 1 }, -1, 2);
    checkBlock(m, e, 3, [['b0', 'b1']], 'regression');
  });

  it('25 groups of intercepts and slopes with their means (bordered block-diagonal)', () => {
    const u = lcg(2);
    const J = 25;
    const g: number[] = [];
    const x: number[] = [];
    const y: number[] = [];
    for (let j = 1; j <= J; j++) {
      for (let r = 0; r < 1 + (j % 4); r++) {
        g.push(j);
        x.push(3 * u() - 1);
        y.push(j / 10 + (j % 3) * x[x.length - 1] + 2 * (u() - 0.5));
      }
    }
    const m = compile(
      `model {
        for (i in 1:n) {
          y[i] ~ dnorm(yhat[i], tau.y)
          yhat[i] <- a[g[i]] + b[g[i]] * x[i]
        }
        for (j in 1:J) {
          a[j] ~ dnorm(mu.a, tau.a)
          b[j] ~ dnorm(mu.b, tau.b)
        }
        mu.a ~ dnorm(0, 0.01)
        mu.b ~ dnorm(1, 0.04)
      }`,
      `n <- ${g.length}\nJ <- ${J}\ntau.y <- 2\ntau.a <- 0.7\ntau.b <- 1.3\ng <- c(${g.join(', ')})\nx <- ${vec(x)}\ny <- ${vec(y)}`,
    );
    const names = [...Array.from({ length: J }, (_, j) => `a[${j + 1}]`), ...Array.from({ length: J }, (_, j) => `b[${j + 1}]`), 'mu.a', 'mu.b'];
    const e = new Exact(names);
    g.forEach((gi, i) => e.row({ [`a[${gi}]`]: 1, [`b[${gi}]`]: x[i] }, y[i], 2));
    for (let j = 1; j <= J; j++) {
      e.row({ [`a[${j}]`]: 1, 'mu.a': -1 }, 0, 0.7);
      e.row({ [`b[${j}]`]: 1, 'mu.b': -1 }, 0, 1.3);
    }
    e.row({ 'mu.a': 1 }, 0, 0.01);
    e.row({ 'mu.b': 1 }, 1, 0.04);
    checkBlock(m, e, 4, [['a[1]', 'b[1]'], ['a[7]', 'mu.a'], ['b[12]', 'mu.b'], ['mu.a', 'mu.b'], ['a[3]', 'a[4]']], 'hierarchical');
  });

  it('group coefficients as dmnorm rows with a known precision matrix (vector rows)', () => {
    const u = lcg(3);
    const J = 22;
    const g: number[] = [];
    const x: number[] = [];
    const y: number[] = [];
    for (let j = 1; j <= J; j++) {
      for (let r = 0; r < 2 + (j % 3); r++) {
        g.push(j);
        x.push(2 * u() - 1);
        y.push(0.3 * j - x[x.length - 1] + (u() - 0.5));
      }
    }
    const omega = [
      [1.5, -0.6],
      [-0.6, 0.9],
    ];
    const m = compile(
      `model {
        for (i in 1:n) { y[i] ~ dnorm(B[g[i], 1] + B[g[i], 2] * x[i], tau.y) }
        for (j in 1:J) { B[j, 1:2] ~ dmnorm(mu[1:2], Omega[1:2, 1:2]) }
        mu[1] ~ dnorm(0, 0.01)
        mu[2] ~ dnorm(0, 0.01)
      }`,
      `n <- ${g.length}\nJ <- ${J}\ntau.y <- 1.7\ng <- c(${g.join(', ')})\nx <- ${vec(x)}\ny <- ${vec(y)}\nOmega <- structure(c(1.5, -0.6, -0.6, 0.9), .Dim = c(2L, 2L))`,
    );
    const names = [...Array.from({ length: J }, (_, j) => [`B[${j + 1},1]`, `B[${j + 1},2]`]).flat(), 'mu[1]', 'mu[2]'];
    const e = new Exact(names);
    g.forEach((gi, i) => e.row({ [`B[${gi},1]`]: 1, [`B[${gi},2]`]: x[i] }, y[i], 1.7));
    for (let j = 1; j <= J; j++) e.vectorRow([{ [`B[${j},1]`]: 1, 'mu[1]': -1 }, { [`B[${j},2]`]: 1, 'mu[2]': -1 }], [0, 0], omega);
    e.row({ 'mu[1]': 1 }, 0, 0.01);
    e.row({ 'mu[2]': 1 }, 0, 0.01);
    checkBlock(m, e, 5, [['B[1,1]', 'B[1,2]'], ['B[5,2]', 'mu[2]'], ['mu[1]', 'mu[2]']], 'dmnorm rows');
  });

  it('crossed random effects (30 x 5 levels)', () => {
    const u = lcg(4);
    const A = 30;
    const B = 5;
    const ga: number[] = [];
    const gb: number[] = [];
    const y: number[] = [];
    for (let i = 1; i <= A; i++) {
      for (let k = 1; k <= B; k++) {
        if ((i + k) % 3 === 0) continue;
        ga.push(i);
        gb.push(k);
        y.push(i / 15 - k / 3 + u() - 0.5);
      }
    }
    const m = compile(
      `model {
        for (i in 1:n) { y[i] ~ dnorm(mu + a[ga[i]] + b[gb[i]], 4) }
        for (j in 1:A) { a[j] ~ dnorm(0, 1) }
        for (k in 1:B) { b[k] ~ dnorm(0, 0.5) }
        mu ~ dnorm(0, 0.001)
      }`,
      `n <- ${y.length}\nA <- ${A}\nB <- ${B}\nga <- c(${ga.join(', ')})\ngb <- c(${gb.join(', ')})\ny <- ${vec(y)}`,
    );
    const names = [...Array.from({ length: A }, (_, j) => `a[${j + 1}]`), ...Array.from({ length: B }, (_, k) => `b[${k + 1}]`), 'mu'];
    const e = new Exact(names);
    y.forEach((yi, i) => e.row({ mu: 1, [`a[${ga[i]}]`]: 1, [`b[${gb[i]}]`]: 1 }, yi, 4));
    for (let j = 1; j <= A; j++) e.row({ [`a[${j}]`]: 1 }, 0, 1);
    for (let k = 1; k <= B; k++) e.row({ [`b[${k}]`]: 1 }, 0, 0.5);
    e.row({ mu: 1 }, 0, 0.001);
    checkBlock(m, e, 6, [['a[1]', 'b[1]'], ['mu', 'b[2]'], ['a[2]', 'a[3]']], 'crossed');
  });

  it('a random walk of 80 steps (a chain: border = middle levels, not hubs)', () => {
    const u = lcg(8);
    const T = 80;
    const y = Array.from({ length: T }, (_, t) => Math.sin(t / 9) + u() - 0.5);
    const m = compile(
      `model {
        x[1] ~ dnorm(0, 0.1)
        for (t in 2:T) { x[t] ~ dnorm(x[t - 1], 6) }
        for (t in 1:T) { y[t] ~ dnorm(x[t], 3) }
      }`,
      `T <- ${T}\ny <- ${vec(y)}`,
    );
    const names = Array.from({ length: T }, (_, t) => `x[${t + 1}]`);
    const e = new Exact(names);
    e.row({ 'x[1]': 1 }, 0, 0.1);
    for (let t = 2; t <= T; t++) e.row({ [`x[${t}]`]: 1, [`x[${t - 1}]`]: -1 }, 0, 6);
    for (let t = 1; t <= T; t++) e.row({ [`x[${t}]`]: 1 }, y[t - 1], 3);
    const [plan] = planBlocks(m, findGaussianBlocks(m)[0]);
    assert.ok(plan.partition.border.length > 0 && plan.partition.border.length < 20, `border of ${plan.partition.border.length}`);
    checkBlock(m, e, 9, [['x[1]', 'x[2]'], ["x[40]", "x[41]"], ["x[20]", "x[60]"]], 'random walk');
  });

  it('coefficients, offsets and precisions that are other nodes (held fixed at their values)', () => {
    const u = lcg(10);
    const J = 6;
    const g = Array.from({ length: 18 }, (_, i) => 1 + (i % J));
    const wt = g.map((_, i) => 0.5 + (i % 3) / 2);
    const y = g.map((gj) => 0.4 + 1.3 * (gj / 3 - 1) + 0.3 * (u() - 0.5));
    const m = compile(
      `model {
        for (i in 1:n) { y[i] ~ dnorm(mu + xi * raw[g[i]] + off, tau * wt[i]) }
        for (j in 1:J) { raw[j] ~ dnorm(0, 1) }
        mu ~ dnorm(0, 0.01)
        z[1:2] ~ dmnorm(m2[1:2], Om[1:2, 1:2])
        m2[1] <- s * mu
        m2[2] <- mu - s * raw[1]
        xi ~ dunif(0, 5)
        off ~ dunif(-1, 1)
        tau ~ dgamma(1, 1)
        s ~ dunif(-2, 2)
        Om[1:2, 1:2] ~ dwish(R[1:2, 1:2], 3)
      }`,
      `n <- ${g.length}\nJ <- ${J}\ng <- c(${g.join(', ')})\nwt <- ${vec(wt)}\ny <- ${vec(y)}\nz <- c(0.3, -0.8)\nR <- structure(c(1, 0, 0, 1), .Dim = c(2L, 2L))`,
    );
    const xi = 1.4;
    const off = 0.25;
    const tau = 3;
    const sv = -0.7;
    const om = [
      [1.5, 0.4],
      [0.4, 0.9],
    ];
    const chain = chainFor(m, { seed: 10, inits: `xi <- ${xi}\noff <- ${off}\ntau <- ${tau}\ns <- ${sv}\nOm <- structure(c(1.5, 0.4, 0.4, 0.9), .Dim = c(2L, 2L))` });
    const block = chain.samplers.find((x) => x.kind === 'GaussianBlock')!;
    const names = [...Array.from({ length: J }, (_, j) => `raw[${j + 1}]`), 'mu'];
    assert.deepEqual(block.nodes.map((id) => m.nodes[id].label).sort(), [...names].sort());
    const e = new Exact(names);
    g.forEach((gj, i) => e.row({ mu: 1, [`raw[${gj}]`]: xi }, y[i] - off, tau * wt[i]));
    for (let j = 1; j <= J; j++) e.row({ [`raw[${j}]`]: 1 }, 0, 1);
    e.row({ mu: 1 }, 0, 0.01);
    // z − m2 = (z1 − s·mu, z2 − mu + s·raw1) with precision Om.
    e.vectorRow([{ mu: sv }, { mu: 1, 'raw[1]': -sv }], [0.3, -0.8], om);
    const { mean, cov } = e.solve();
    const d = draw(chain, [...names, 'xi', 'tau'], N, { samplers: [block] });
    assert.ok(d.xi.every((v) => v === xi) && d.tau.every((v) => v === tau), 'the other nodes stay fixed');
    names.forEach((name, i) => {
      checkMean(d[name], mean[i], `nodes as coefficients: ${name}`);
      checkVariance(d[name], cov[i][i], `nodes as coefficients: ${name}`);
    });
    checkCovariance(d['raw[1]'], d.mu, cov[0][J], 'raw[1], mu');
  });

  it('a sub-block with the other variables held fixed (restrictRows)', () => {
    const u = lcg(5);
    const n = 12;
    const x = Array.from({ length: n }, () => u() * 3);
    const y = x.map((v) => 2 - v + u());
    const m = compile(
      `model {
        for (i in 1:n) { y[i] ~ dnorm(b0 + b1 * x[i] + b2 * x[i] * x[i], 2) }
        b0 ~ dnorm(0, 0.5)
        b1 ~ dnorm(0, 0.5)
        b2 ~ dnorm(0, 0.5)
      }`,
      `n <- ${n}\nx <- ${vec(x)}\ny <- ${vec(y)}`,
    );
    const [spec] = findGaussianBlocks(m);
    assert.equal(spec.vars.length, 3);
    const ids = spec.nodes.filter((id) => m.nodes[id].label !== 'b1');
    const keep = ids.flatMap((id) => Array.from(m.nodes[id].slots, (s) => Array.from(spec.vars).indexOf(s))).sort((a, b) => a - b);
    const sub = restrictRows(spec.rows, spec.vars, keep);
    const [plan] = planBlocks(m, { vars: sub.vars, nodes: ids, rows: sub.rows });
    const chain = chainFor(m, { seed: 7 });
    const b1 = 0.37;
    chain.v[slotIn(m, 'b1')] = b1;
    const e = new Exact(['b0', 'b2']);
    for (let i = 0; i < n; i++) e.row({ b0: 1, b2: x[i] * x[i] }, y[i] - b1 * x[i], 2);
    e.row({ b0: 1 }, 0, 0.5);
    e.row({ b2: 1 }, 0, 0.5);
    const { mean, cov } = e.solve();
    const d = draw(chain, ['b0', 'b1', 'b2'], N, { samplers: [plan.makeSampler()] });
    assert.ok(d.b1.every((v) => v === b1), 'b1 is held fixed');
    checkMean(d.b0, mean[0], 'b0 | b1');
    checkMean(d.b2, mean[1], 'b2 | b1');
    checkVariance(d.b0, cov[0][0], 'b0 | b1');
    checkVariance(d.b2, cov[1][1], 'b2 | b1');
    checkCovariance(d.b0, d.b2, cov[0][1], 'b0, b2 | b1');
  });
});

describe('joint Gaussian block: structure', () => {
  it('groups become clusters of their own effects and the means the border, so a draw costs O(groups)', () => {
    const J = 200;
    const g = Array.from({ length: 3 * J }, (_, i) => 1 + (i % J));
    const m = compile(
      `model {
        for (i in 1:n) { y[i] ~ dnorm(a[g[i]] + b[g[i]] * x[i], 1) }
        for (j in 1:J) { a[j] ~ dnorm(mu.a, 1)  b[j] ~ dnorm(mu.b, 1) }
        mu.a ~ dnorm(0, 0.01)
        mu.b ~ dnorm(0, 0.01)
      }`,
      `n <- ${g.length}\nJ <- ${J}\ng <- c(${g.join(', ')})\nx <- c(${g.map((_, i) => (i % 7) / 3).join(', ')})\ny <- c(${g.map((_, i) => (i % 5) / 2).join(', ')})`,
    );
    const [spec] = findGaussianBlocks(m);
    assert.equal(spec.vars.length, 2 * J + 2);
    const [plan] = planBlocks(m, spec);
    const labels = (ks: ArrayLike<number>) => Array.from(ks, (k) => m.nodes[m.owner[spec.vars[k]]].label).sort();
    assert.deepEqual(labels(plan.partition.border), ['mu.a', 'mu.b']);
    assert.equal(plan.partition.clusters.length, J);
    for (const c of plan.partition.clusters) {
      const ls = labels(c);
      assert.equal(ls.length, 2);
      assert.equal(ls[0].replace(/^a/, ''), ls[1].replace(/^b/, ''), `a cluster holds one group's a and b: ${ls}`);
    }
    // Storage: J 2x2 blocks, J 2x2 couplings to the border, one 2x2 border block.
    assert.equal(plan.storageSize, J * 4 + J * 4 + 4);
  });

  it('a dmnorm mean with one non-affine element keeps the variables of its affine elements', () => {
    const m = compile(
      `model {
        z[1:2] ~ dmnorm(m2[1:2], Om[1:2, 1:2])
        m2[1] <- s * mu
        m2[2] <- r + 1
        s ~ dnorm(0, 1)
        mu ~ dnorm(0, 1)
        r ~ dnorm(0, 1)
      }`,
      `z <- c(0.3, -0.8)\nOm <- structure(c(1, 0.2, 0.2, 1), .Dim = c(2L, 2L))`,
    );
    const members = findGaussianBlocks(m).flatMap((b) => b.nodes.map((id) => m.nodes[id].label));
    assert.deepEqual(members, ['r'], 's * mu is not affine in (s, mu); r still is');
  });

  it('a dense interaction graph has no small border: the partition refuses it', () => {
    // 600 variables each linked to 8 random others (an expander: no small separator).
    const u = lcg(9);
    const sets: number[][] = [];
    for (let i = 0; i < 600; i++) for (let k = 0; k < 8; k++) sets.push([i, Math.floor(u() * 600)]);
    assert.equal(partitionVariables(600, sets), null);
    // A chain of 600 is cut into pieces of at most 16 by a few border variables.
    const chainSets = Array.from({ length: 599 }, (_, i) => [i, i + 1]);
    const part = partitionVariables(600, chainSets)!;
    assert.ok(part.border.length < 80, `border ${part.border.length}`);
    assert.ok(part.clusters.every((c) => c.length <= 16));
    assert.equal(part.border.length + part.clusters.reduce((s, c) => s + c.length, 0), 600);
    // A tiny system is factored densely: everything is border.
    assert.equal(partitionVariables(6, [[0, 1]])!.border.length, 6);
    // Up to 40 variables, densely when that is cheaper than the partition: 30 variables in one
    // row are one dense block, while 10 barely linked ones are clusters with no border.
    assert.equal(partitionVariables(30, [Array.from({ length: 30 }, (_, i) => i)])!.border.length, 30);
    const sparse = partitionVariables(10, [[0, 1]])!;
    assert.equal(sparse.border.length, 0);
    assert.equal(sparse.clusters.reduce((n, c) => n + c.length, 0), 10);
  });
});
