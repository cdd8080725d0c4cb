/**
 * The log densities of src/bugs/distributions.ts against closed forms written out here
 * (JAGS's parameterisations), their normalisation (densities integrate and masses sum to 1),
 * their CDFs against the integral of the density, truncation through the compiler (T(,)
 * renormalises, I(,) only restricts), and the multivariate densities dmnorm, dwish, dcat.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIST_NAMES, SCALAR_DISTS, cholesky, dcatLogp, dmnormLogp, dwishLogp, inverseFromCholesky, inverseGeneral, lmvgamma } from '../../src/bugs/distributions.js';
import { compile, stoch, tabulate } from './helpers.js';

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** Γ at integers and half integers, exactly. */
function gammaFn(x: number): number {
  if (Number.isInteger(x)) {
    let f = 1;
    for (let i = 2; i < x; i++) f *= i;
    return f;
  }
  // Γ(n + 1/2) = (2n)! √π / (4^n n!)
  const n = x - 0.5;
  let r = Math.sqrt(Math.PI);
  for (let i = 1; i <= n; i++) r *= i - 0.5;
  return r;
}
const choose = (n: number, k: number) => {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
};
const fact = (k: number) => gammaFn(k + 1);

function d(name: string) {
  const dist = SCALAR_DISTS.get(name);
  assert.ok(dist, name);
  return dist;
}

describe('scalar log densities against closed forms', () => {
  it('dnorm(mu, tau), dlnorm(mu, tau), dunif(a, b), dexp(lambda)', () => {
    for (const [x, mu, tau] of [[0.3, -1, 2], [5, 5, 0.01], [-3, 1, 7]]) {
      close(d('dnorm').logp(x, mu, tau, NaN), Math.log(Math.sqrt(tau / (2 * Math.PI)) * Math.exp((-tau * (x - mu) ** 2) / 2)), 1e-13, 'dnorm');
    }
    for (const [x, mu, tau] of [[0.3, -1, 2], [5, 1, 0.5]]) {
      close(d('dlnorm').logp(x, mu, tau, NaN), Math.log(Math.sqrt(tau / (2 * Math.PI)) / x * Math.exp((-tau * (Math.log(x) - mu) ** 2) / 2)), 1e-13, 'dlnorm');
    }
    assert.equal(d('dlnorm').logp(-1, 0, 1, NaN), -Infinity);
    close(d('dunif').logp(0.4, -1, 3, NaN), Math.log(1 / 4), 1e-15, 'dunif');
    assert.equal(d('dunif').logp(3.5, -1, 3, NaN), -Infinity);
    close(d('dexp').logp(2, 0.5, NaN, NaN), Math.log(0.5 * Math.exp(-1)), 1e-15, 'dexp');
    assert.equal(d('dexp').logp(-0.1, 0.5, NaN, NaN), -Infinity);
  });

  it('dgamma(r, mu) is shape r and rate mu; dbeta(a, b)', () => {
    for (const [x, r, mu] of [[0.7, 0.5, 2], [3, 2.5, 1.5], [10, 3, 0.25], [0.01, 1, 4]]) {
      close(d('dgamma').logp(x, r, mu, NaN), Math.log((mu ** r * x ** (r - 1) * Math.exp(-mu * x)) / gammaFn(r)), 1e-12, `dgamma(${x}; ${r}, ${mu})`);
    }
    assert.equal(d('dgamma').logp(-1, 2, 1, NaN), -Infinity);
    close(d('dbeta').logp(0.3, 2, 3, NaN), Math.log(12 * 0.3 * 0.7 ** 2), 1e-13, 'dbeta(2, 3)');
    close(d('dbeta').logp(0.2, 0.5, 0.5, NaN), Math.log(1 / (Math.PI * Math.sqrt(0.2 * 0.8))), 1e-13, 'dbeta(1/2, 1/2)');
    assert.equal(d('dbeta').logp(1.2, 2, 2, NaN), -Infinity);
  });

  it('dt(mu, tau, k): tau = 1 / scale²; k = 1 is Cauchy, k = 2 has a closed form', () => {
    for (const [x, mu, tau] of [[0.5, 0, 1], [3, 1, 4], [-2, 0.5, 0.25]]) {
      const s = 1 / Math.sqrt(tau);
      close(d('dt').logp(x, mu, tau, 1), Math.log(1 / (Math.PI * s * (1 + ((x - mu) / s) ** 2))), 1e-12, 'dt k=1');
      const z = (x - mu) / s;
      close(d('dt').logp(x, mu, tau, 2), Math.log((1 / (2 * Math.SQRT2 * s)) * (1 + (z * z) / 2) ** -1.5), 1e-12, 'dt k=2');
    }
  });

  it('dbern, dbin(p, n), dpois(lambda)', () => {
    close(d('dbern').logp(1, 0.3, NaN, NaN), Math.log(0.3), 1e-15, 'dbern 1');
    close(d('dbern').logp(0, 0.3, NaN, NaN), Math.log(0.7), 1e-15, 'dbern 0');
    assert.equal(d('dbern').logp(2, 0.3, NaN, NaN), -Infinity);
    for (const [k, p, n] of [[0, 0.2, 5], [3, 0.4, 10], [10, 0.9, 10], [17, 0.35, 40]]) {
      close(d('dbin').logp(k, p, n, NaN), Math.log(choose(n, k) * p ** k * (1 - p) ** (n - k)), 1e-12, `dbin(${k}; ${p}, ${n})`);
    }
    assert.equal(d('dbin').logp(2.5, 0.5, 4, NaN), -Infinity);
    assert.equal(d('dbin').logp(5, 0.5, 4, NaN), -Infinity);
    for (const [k, lambda] of [[0, 2], [4, 2.5], [20, 15]]) {
      close(d('dpois').logp(k, lambda, NaN, NaN), Math.log((lambda ** k * Math.exp(-lambda)) / fact(k)), 1e-12, `dpois(${k}; ${lambda})`);
    }
    assert.equal(d('dpois').logp(0, 0, NaN, NaN), 0);
  });

  it('invalid parameters give zero density and a reason', () => {
    assert.equal(d('dnorm').logp(0, 0, -1, NaN), -Infinity);
    assert.match(d('dnorm').check(0, -1, NaN)!, /precision must be positive/);
    assert.match(d('dunif').check(2, 1, NaN)!, /lower limit 2 must be below the upper limit 1/);
    assert.match(d('dgamma').check(0, 1, NaN)!, /shape must be positive/);
    assert.match(d('dbin').check(0.5, 2.5, NaN)!, /size must be a whole number/);
    assert.match(d('dbern').check(1.5, NaN, NaN)!, /probability must lie in \[0, 1\]/);
    assert.equal(d('dnorm').check(0, 1, NaN), null);
  });

  it('every continuous density integrates to 1 and its CDF is the integral of the density', () => {
    const cases: [string, number, number, number, number, number, number[]][] = [
      ['dnorm', 0.5, 2, NaN, -12, 12, [-1, 0.2, 0.5, 1.9]],
      ['dlnorm', 0.2, 1.5, NaN, 1e-9, 80, [0.3, 1, 1.22, 4]],
      ['dunif', -1, 2.5, NaN, -1, 2.5, [-0.9, 0, 2]],
      ['dgamma', 2.5, 1.5, NaN, 1e-12, 40, [0.2, 1.5, 4]],
      ['dexp', 0.8, NaN, NaN, 0, 60, [0.1, 1.25, 5]],
      ['dt', 1, 2, 5, -400, 400, [-2, 0.5, 1, 3.5]],
      ['dbeta', 2.5, 1.5, NaN, 0, 1, [0.05, 0.5, 0.9]],
    ];
    for (const [name, a, b, c, lo, hi, points] of cases) {
      const dist = d(name);
      const t = tabulate((x) => dist.logp(x, a, b, c), lo, hi, 80000);
      const mass = t.mass * Math.exp(t.logMax);
      // dt: what lies beyond ±400 is left out of the integral.
      const outside = name === 'dt' ? 2 * dist.cdf!(lo, a, b, c) : 0;
      close(mass, 1 - outside, 2e-6, `${name} integrates to 1`);
      for (const x of points) close(dist.cdf!(x, a, b, c), outside / 2 + t.cdf(x) * mass, 2e-6, `${name} CDF at ${x}`);
    }
  });

  it('every discrete mass sums to 1 and its CDF is the cumulative sum', () => {
    const cases: [string, number, number][] = [
      ['dbern', 0.3, NaN],
      ['dbin', 0.35, 12],
      ['dpois', 4.5, NaN],
    ];
    for (const [name, a, b] of cases) {
      const dist = d(name);
      let total = 0;
      for (let k = 0; k <= 80; k++) {
        total += Math.exp(dist.logp(k, a, b, NaN));
        close(dist.cdf!(k, a, b, NaN), total, 1e-12, `${name} CDF at ${k}`);
      }
      close(total, 1, 1e-12, `${name} sums to 1`);
    }
  });

  it('the names the engine supports are the DESIGN §7 set', () => {
    assert.deepEqual([...DIST_NAMES].sort(), ['dbern', 'dbeta', 'dbin', 'dcat', 'dexp', 'dgamma', 'dlnorm', 'dmnorm', 'dnorm', 'dpois', 'dt', 'dunif', 'dwish']);
  });
});

describe('truncation through the compiler', () => {
  it('T(lo, hi) renormalises: the truncated density integrates to 1 on its bounds', () => {
    const m = compile(`model { x ~ dnorm(1, 0.5) T(-0.5, 2)  g ~ dgamma(2, 1) T(1, )  e ~ dt(0, 1, 3) T(, 0) }`);
    const v = Float64Array.from(m.initial);
    for (const [label, lo, hi, outside] of [['x', -0.5, 2, 2.1], ['g', 1, 60, 0.9], ['e', -400, 0, 0.1]] as const) {
      const node = stoch(m, label);
      const s = node.slots[0];
      const t = tabulate((y) => {
        v[s] = y;
        return node.logp(v);
      }, lo, hi, 60000);
      const mass = t.mass * Math.exp(t.logMax);
      close(mass, 1, label === 'e' ? 2e-3 : 1e-6, `${label} truncated mass`);
      v[s] = outside;
      assert.equal(node.logp(v), -Infinity, `${label} outside its bounds`);
    }
  });

  it('a truncated discrete node: T(2, 5) of dpois keeps the mass of 2…5 and sums to 1', () => {
    const m = compile(`model { k ~ dpois(3) T(2, 5) }`);
    const node = stoch(m, 'k');
    const v = Float64Array.from(m.initial);
    let total = 0;
    for (let k = 0; k <= 8; k++) {
      v[node.slots[0]] = k;
      const p = Math.exp(node.logp(v));
      if (k < 2 || k > 5) assert.equal(p, 0);
      total += p;
    }
    close(total, 1, 1e-12, 'truncated dpois sums to 1');
    v[node.slots[0]] = 3;
    const mass = [2, 3, 4, 5].reduce((s, k) => s + (3 ** k * Math.exp(-3)) / fact(k), 0);
    close(node.logp(v), Math.log((27 * Math.exp(-3)) / 6 / mass), 1e-12, 'P(k = 3)');
  });

  it('I(lo, hi) only restricts the support (no renormalisation)', () => {
    const m = compile(`model { x ~ dnorm(0, 1) I(0, ) }`);
    const node = stoch(m, 'x');
    const v = Float64Array.from(m.initial);
    v[node.slots[0]] = 0.5;
    close(node.logp(v), d('dnorm').logp(0.5, 0, 1, NaN), 1e-15, 'I(,) density');
    v[node.slots[0]] = -0.5;
    assert.equal(node.logp(v), -Infinity);
  });
});

describe('multivariate densities', () => {
  it('dmnorm(mu, Omega) with Omega a precision: the bivariate closed form', () => {
    const om = [2, 0.6, 0.6, 1.5];
    const det = 2 * 1.5 - 0.36;
    const x = [0.4, -1.2];
    const mu = [1, 0.5];
    const e = [x[0] - mu[0], x[1] - mu[1]];
    const q = 2 * e[0] ** 2 + 2 * 0.6 * e[0] * e[1] + 1.5 * e[1] ** 2;
    close(dmnormLogp(x, mu, om, 2), 0.5 * Math.log(det) - Math.log(2 * Math.PI) - 0.5 * q, 1e-13, 'dmnorm 2-d');
    // A diagonal precision is a product of normals.
    const lp = dmnormLogp([1, 2, 3], [0, 0, 0], [1, 0, 0, 0, 4, 0, 0, 0, 0.5], 3);
    close(lp, d('dnorm').logp(1, 0, 1, NaN) + d('dnorm').logp(2, 0, 4, NaN) + d('dnorm').logp(3, 0, 0.5, NaN), 1e-13, 'dmnorm diagonal');
    assert.equal(dmnormLogp([0, 0], [0, 0], [1, 2, 2, 1], 2), -Infinity, 'not positive definite');
  });

  it('dwish(R, k): a 1x1 Wishart is Gamma(k/2, rate R/2); the 2x2 closed form', () => {
    for (const [x, r, k] of [[0.8, 2, 3], [5, 0.5, 1.5]]) {
      close(dwishLogp([x], [r], k, 1), d('dgamma').logp(x, k / 2, r / 2, NaN), 1e-12, `dwish 1x1 (${x}; ${r}, ${k})`);
    }
    // p = 2, k = 3: |X|^0 exp(−tr(RX)/2) |R|^(3/2) / (2^3 Γ_2(3/2)), Γ_2(a) = √π Γ(a) Γ(a − 1/2).
    const X = [1.5, 0.3, 0.3, 0.8];
    const R = [2, -0.5, -0.5, 1];
    const tr = R[0] * X[0] + 2 * R[1] * X[1] + R[3] * X[3];
    const detR = 2 - 0.25;
    const want = -0.5 * tr + 1.5 * Math.log(detR) - 3 * Math.LN2 - Math.log(Math.sqrt(Math.PI) * gammaFn(1.5) * gammaFn(1));
    close(dwishLogp(X, R, 3, 2), want, 1e-12, 'dwish 2x2');
    close(lmvgamma(1.5, 2), Math.log(Math.sqrt(Math.PI) * gammaFn(1.5)), 1e-13, 'Γ_2(3/2)');
    assert.equal(dwishLogp([1, 2, 0, 1], R, 3, 2), -Infinity, 'not symmetric');
    assert.equal(dwishLogp(X, R, 0.5, 2), -Infinity, 'k <= p - 1');
  });

  it('dcat(pi) normalises its weights; out-of-range values have zero mass', () => {
    close(dcatLogp(2, [1, 3, 4]), Math.log(3 / 8), 1e-15, 'dcat');
    assert.equal(dcatLogp(4, [1, 3, 4]), -Infinity);
    assert.equal(dcatLogp(1.5, [1, 3, 4]), -Infinity);
    assert.equal(dcatLogp(1, [1, -3, 4]), -Infinity);
  });

  it('Cholesky, inverse from Cholesky and the general inverse agree', () => {
    const a = Float64Array.of(4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2);
    const l = Float64Array.from(a);
    assert.ok(cholesky(l, 3));
    const inv = new Float64Array(9);
    inverseFromCholesky(l, 3, inv);
    const inv2 = new Float64Array(9);
    assert.ok(inverseGeneral(a, 3, inv2));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += a[i + k * 3] * inv[k + j * 3];
        close(s, i === j ? 1 : 0, 1e-14, `A A⁻¹ [${i},${j}]`);
        close(inv[i + j * 3], inv2[i + j * 3], 1e-13, 'inverses agree');
      }
    }
    assert.equal(inverseGeneral(Float64Array.of(1, 2, 2, 4), 2, new Float64Array(4)), false);
  });
});
