/**
 * Special functions and truncated draws of src/bugs/math.ts.
 *
 * Functions against exact or reference values: log Γ at integers and half integers, Φ and
 * log Φ far into the tail (asymptotic series), the regularized incomplete gamma and beta
 * functions at closed forms, the t CDF for 1 and 2 degrees of freedom.
 *
 * Truncated normal and truncated gamma draws, one interval per branch of each algorithm,
 * against the tabulated truncated density: independent draws, so mean and variance within
 * 5 standard errors (ESS = N) and a Kolmogorov–Smirnov test (../helpers.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lgamma, logNormalMass, logPnorm, pbetaReg, pgammaReg, pnorm, ptStd, qgammaReg, truncatedGamma, truncatedNormal, truncatedStdNormal } from '../../src/bugs/math.js';
import { Rng } from '../../src/mcmc/rng.js';
import { checkDistribution, tabulate } from './helpers.js';

const N = 20000;
/** Relative error at most tol (absolute when the reference is 0). */
const rel = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * (b === 0 ? 1 : Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('special functions', () => {
  it('log Γ at integers, half integers, tiny and huge arguments', () => {
    let f = 0;
    for (let n = 1; n <= 30; n++) {
      rel(lgamma(n + 1), f + Math.log(n), 1e-14, `lgamma(${n + 1})`);
      f += Math.log(n);
    }
    rel(lgamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, 'lgamma(1/2)');
    rel(lgamma(7.5), Math.log((13 * 11 * 9 * 7 * 5 * 3 * Math.sqrt(Math.PI)) / 128), 1e-14, 'lgamma(15/2)');
    // Γ(x) ≈ 1/x − γ near 0.
    rel(lgamma(1e-8), -Math.log(1e-8) - 0.5772156649015329e-8, 1e-12, 'lgamma(1e-8)');
    // Stirling with its first correction is exact to double precision at 1e6.
    const x = 1e6;
    rel(lgamma(x), (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x), 1e-15, 'lgamma(1e6)');
    assert.ok(Number.isNaN(lgamma(-1)));
  });

  it('Φ, log Φ and log(Φ(b) − Φ(a)) into the far tails', () => {
    rel(pnorm(1.96), 0.9750021048517795, 1e-15, 'Φ(1.96)');
    rel(pnorm(-1.5), 0.06680720126885807, 1e-14, 'Φ(-1.5)');
    rel(pnorm(-5), 2.866515718791939e-7, 1e-13, 'Φ(-5)');
    rel(pnorm(-10), 7.619853024160527e-24, 1e-12, 'Φ(-10)');
    assert.equal(pnorm(0), 0.5);
    for (const z of [-40, -100, -1000]) {
      // log Φ(z) = log φ(z) − log(−z) + log(1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸)
      const z2 = z * z;
      const want = -z2 / 2 - 0.5 * Math.log(2 * Math.PI) - Math.log(-z) + Math.log1p(-1 / z2 + 3 / z2 ** 2 - 15 / z2 ** 3 + 105 / z2 ** 4);
      rel(logPnorm(z), want, 1e-13, `log Φ(${z})`);
    }
    rel(logPnorm(8), Math.log1p(-6.220960574271785e-16), 1e-6, 'log Φ(8)');
    // Mass of [a, b] in the far upper tail, where Φ(b) − Φ(a) would cancel to 0.
    const a = 30;
    const b = 31;
    const want = logPnorm(-a) + Math.log1p(-Math.exp(logPnorm(-b) - logPnorm(-a)));
    rel(logNormalMass(a, b), want, 1e-13, 'log mass of [30, 31]');
    // A huge standardised bound (a tail draw far beyond double range of a²) returns, not hangs.
    assert.equal(truncatedStdNormal(Rng.fromSeed(1), 1e300, Infinity), 1e300);
    rel(Math.exp(logNormalMass(-1, 1)), 0.6826894921370859, 1e-14, 'mass of [-1, 1]');
  });

  it('incomplete gamma and beta functions and the t CDF at closed forms', () => {
    for (const x of [0.1, 1, 3.5, 20]) {
      rel(pgammaReg(1, x), -Math.expm1(-x), 1e-14, `P(1, ${x})`);
      rel(qgammaReg(2, x), (1 + x) * Math.exp(-x), 1e-13, `Q(2, ${x})`);
      // P(1/2, x) = erf(√x) = 2Φ(√(2x)) − 1
      rel(pgammaReg(0.5, x), 2 * pnorm(Math.sqrt(2 * x)) - 1, 1e-13, `P(1/2, ${x})`);
    }
    rel(qgammaReg(3, 200), Math.exp(-200) * (1 + 200 + 200 ** 2 / 2), 1e-12, 'Q(3, 200) in the far tail');
    for (const x of [0.05, 0.3, 0.7, 0.99]) {
      rel(pbetaReg(x, 2, 3), 12 * (x ** 2 / 2 - (2 * x ** 3) / 3 + x ** 4 / 4), 1e-13, `I_x(2, 3) at ${x}`);
      rel(pbetaReg(x, 0.5, 0.5), (2 / Math.PI) * Math.asin(Math.sqrt(x)), 1e-13, `I_x(1/2, 1/2) at ${x}`);
    }
    for (const t of [-30, -2, 0.5, 4]) {
      // Written without cancellation in the lower tail.
      const r = Math.sqrt(2 + t * t);
      rel(ptStd(t, 1), t < 0 ? Math.atan(-1 / t) / Math.PI : 0.5 + Math.atan(t) / Math.PI, 1e-13, `t_1 CDF at ${t}`);
      rel(ptStd(t, 2), t < 0 ? 1 / ((r - t) * r) : 0.5 + t / (2 * r), 1e-13, `t_2 CDF at ${t}`);
    }
  });
});

describe('truncated normal draws', () => {
  const cases: [string, number, number][] = [
    ['an interval around 0 (uniform proposal)', -1, 1],
    ['a wide interval around 0 (normal rejection)', -3, 3],
    ['a one-sided interval near 0 (normal rejection)', 0.1, 4],
    ['a short interval in the tail (uniform proposal)', 2, 2.2],
    ['a tail beyond 3 (exponential proposal)', 3, Infinity],
    ['a bounded tail interval (exponential proposal)', 5, 7],
    ['a lower tail (mirrored)', -Infinity, -4],
    ['the far tail, 8 to 8.01', 8, 8.01],
  ];
  for (const [what, a, b] of cases) {
    it(what, () => {
      const rng = Rng.fromSeed(101);
      const x = new Float64Array(N);
      for (let i = 0; i < N; i++) x[i] = truncatedStdNormal(rng, a, b);
      for (const v of x) assert.ok(v >= a && v <= b, `draw ${v} outside [${a}, ${b}]`);
      const lo = Number.isFinite(a) ? a : b - 12;
      const hi = Number.isFinite(b) ? b : a + 12;
      checkDistribution(x, tabulate((z) => -0.5 * z * z, lo, hi, 40000), `N(0,1) on [${a}, ${b}]`, { independent: true });
    });
  }

  it('truncatedNormal shifts and scales, and keeps rounding inside the bounds', () => {
    const rng = Rng.fromSeed(102);
    const x = new Float64Array(N);
    for (let i = 0; i < N; i++) x[i] = truncatedNormal(rng, 10, 0.5, 10.2, 11);
    checkDistribution(x, tabulate((v) => -2 * (v - 10) ** 2, 10.2, 11), 'N(10, 0.25) on [10.2, 11]', { independent: true });
    for (let i = 0; i < 1000; i++) {
      const v = truncatedNormal(rng, 0, 1e-300, 1, 1 + 1e-15);
      assert.ok(v >= 1 && v <= 1 + 1e-15);
    }
  });
});

describe('truncated gamma draws', () => {
  const cases: [string, number, number, number, number][] = [
    ['most of the mass inside (plain rejection)', 3, 2, 0.5, Infinity],
    ['a left-truncated upper tail, shape >= 1 (exponential proposal)', 3, 2, 5, Infinity],
    ['a left-truncated tail with shape < 1', 0.5, 1, 3, Infinity],
    ['a bounded interval in the upper tail', 4, 1, 9, 11],
    ['a right-truncated lower tail (inversion)', 3, 2, 0, 0.15],
    ['an interval below the mode (inversion)', 6, 1, 0.5, 1.5],
    ['the far upper tail, 40 standard deviations out', 2.5, 1, 60, Infinity],
  ];
  for (const [what, shape, rate, lo, hi] of cases) {
    it(`${what}: Gamma(${shape}, ${rate}) on [${lo}, ${hi}]`, () => {
      const rng = Rng.fromSeed(103);
      const x = new Float64Array(N);
      for (let i = 0; i < N; i++) x[i] = truncatedGamma(rng, shape, rate, lo, hi);
      for (const v of x) assert.ok(v >= lo && v <= hi, `draw ${v} outside [${lo}, ${hi}]`);
      const top = Number.isFinite(hi) ? hi : lo + (shape + 40 * Math.sqrt(shape) + 40) / rate;
      const exact = tabulate((v) => (shape - 1) * Math.log(v) - rate * v, Math.max(lo, 1e-12), top, 40000);
      checkDistribution(x, exact, what, { independent: true });
    });
  }
});
