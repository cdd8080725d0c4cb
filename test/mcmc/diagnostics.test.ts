import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  summarize, rhat, rhatBasic, essBulk, essTail, essMean, essQuantile, mcseMean, splitChains, zScale,
  autocovariance, fft, averageRanks, quantile, median, convergenceWarnings, type NodeSummary,
} from '../../src/mcmc/diagnostics.js';
import { InternalError } from '../../src/errors.js';

/**
 * Deterministic draws that R and TypeScript compute bit for bit identically: a Park–Miller
 * LCG (exact integer arithmetic in doubles), approximately normal innovations as the sum of
 * 12 uniforms minus 6, and an AR(1) recursion; only + − × / are used, which IEEE 754 rounds
 * the same way in both languages.
 */
function gen(seed: number, n: number, phi: number): Float64Array {
  let state = seed;
  let x = 0;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let j = 0; j < 12; j++) {
      state = (16807 * state) % 2147483647;
      s += state / 2147483647;
    }
    x = phi * x + (s - 6);
    out[t] = x;
  }
  return out;
}
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

const SETS: Record<string, Float64Array[]> = {
  A: range(1, 4).map((k) => gen(k, 1000, 0.5)),
  B: range(1, 4).map((k) => gen(10 + k, 500, 0.95).map((v) => v + (k === 4 ? 3 : 0))),
  C: range(1, 2).map((k) => gen(20 + k, 301, -0.3).map((v) => v ** 3)),
  D: [gen(31, 200, 0.7)],
  E: range(1, 3).map((k) => gen(40 + k, 400, 0.2).map((v) => Math.round(v * 2) / 2)),
  F: range(1, 4).map((k) => gen(50 + k, 4, 0)),
  H: range(1, 2).map((k) => gen(60 + k, 100, -0.9)),
};

/*
 * Reference values from R 4.2.2 with posterior 1.4.0 (Debian r-cran-posterior 1.4.0+dfsg-1),
 * made by this script (x is an iterations × chains matrix):
 *
 *   library(posterior)
 *   gen <- function(seed, n, phi) {
 *     state <- seed; x <- 0; out <- numeric(n)
 *     for (t in 1:n) {
 *       s <- 0
 *       for (j in 1:12) { state <- (16807 * state) %% 2147483647; s <- s + state / 2147483647 }
 *       x <- phi * x + (s - 6); out[t] <- x
 *     }
 *     out
 *   }
 *   sets <- list(
 *     A = sapply(1:4, function(k) gen(k, 1000, 0.5)),
 *     B = sapply(1:4, function(k) gen(10 + k, 500, 0.95) + if (k == 4) 3 else 0),
 *     C = sapply(1:2, function(k) gen(20 + k, 301, -0.3)^3),
 *     D = matrix(gen(31, 200, 0.7), ncol = 1),
 *     E = sapply(1:3, function(k) round(gen(40 + k, 400, 0.2) * 2) / 2),
 *     F = sapply(1:4, function(k) gen(50 + k, 4, 0)),
 *     H = sapply(1:2, function(k) gen(60 + k, 100, -0.9)))
 *   for (nm in names(sets)) { x <- sets[[nm]]; q <- quantile(x, c(0.025, 0.5, 0.975))
 *     v <- c(first = x[1, 1], sum = sum(x), mean = mean(x), sd = sd(x), q2_5 = q[[1]],
 *            q50 = q[[2]], q97_5 = q[[3]], rhat = rhat(x), essBulk = ess_bulk(x),
 *            essTail = ess_tail(x), mcse = mcse_mean(x), essMean = ess_mean(x),
 *            rhatBasic = rhat_basic(x), essQ05 = ess_quantile(x, 0.05)[[1]])
 *     cat(nm, ": {", paste(sprintf("%s: %s", names(v),
 *         ifelse(is.na(v), "NaN", sprintf("%.17g", v))), collapse = ", "), "},\n", sep = "") }
 *
 * rhat_basic() splits chains by default, so it is compared with rhatBasic(splitChains(x)).
 * Set C has odd-length chains (the middle draw is dropped), E has many ties, F is too short for
 * an ESS (NA in R, NaN here), H is antithetic enough that τ̂ hits the 1/log10(S) bound.
 */
const R: Record<string, Record<string, number>> = {
  A: { first: -0.65965542321077297, sum: -35.236900061145903, mean: -0.0088092250152864756, sd: 1.1359540551060379, q2_5: -2.2462495640246978, q50: 0.0013540571544745361, q97_5: 2.1703771701344463, rhat: 1.0007390891067913, essBulk: 1273.4471335634778, essTail: 2278.6102894997139, mcse: 0.031869400289205714, essMean: 1270.4973110912977, rhatBasic: 1.0007277063136188, essQ05: 2278.6102894997139 },
  B: { first: -1.2562096553185071, sum: 1624.4445555118609, mean: 0.81222227775593048, sd: 3.1112439955858302, q2_5: -5.4537059965959287, q50: 0.84499478457420507, q97_5: 6.6287989704306636, rhat: 1.077337277949779, essBulk: 64.677884111969647, essTail: 144.57897359496857, mcse: 0.38755285178349436, essMean: 64.447528762527625, rhatBasic: 1.0782311239419318, essQ05: 144.57897359496857 },
  C: { first: 0.0031918540683562283, sum: -164.29032515479628, mean: -0.2729075168684324, sd: 5.02484125315185, q2_5: -10.945472309489883, q50: -1.3911214393873986e-06, q97_5: 9.6010370231366977, rhat: 0.99901296262534456, essBulk: 1365.7036989992835, essTail: 614.60896581371424, mcse: 0.14626366489507076, essMean: 1180.2439674634302, rhatBasic: 0.99775867614570812, essQ05: 614.60896581371424 },
  D: { first: -1.4493181195339737, sum: 70.5586063302448, mean: 0.352793031651224, sd: 1.4485043572376566, q2_5: -2.266585531740879, q50: 0.25663647301459591, q97_5: 3.3796365581989982, rhat: 1.0032689144275191, essBulk: 29.533900451708138, essTail: 31.912844432416978, mcse: 0.2813410671750024, essMean: 26.507779596792467, rhatBasic: 1.0043923420374106, essQ05: 88.12193904169915 },
  E: { first: 2, sum: -94.5, mean: -0.078750000000000001, sd: 1.0625979324930237, q2_5: -2, q50: -0, q97_5: 2, rhat: 0.99877753840723038, essBulk: 730.77300535021868, essTail: 906.76121077199775, mcse: 0.039330959812138105, essMean: 729.90920973596963, rhatBasic: 0.99875395802385514, essQ05: 906.76121077199775 },
  F: { first: -0.64242658374944117, sum: -3.5728152178101329, mean: -0.22330095111313331, sd: 0.90839551976813215, q2_5: -1.5735876068117041, q50: -0.32425521911320043, q97_5: 1.2837364894960708, rhat: 1.0526764045922206, essBulk: NaN, essTail: NaN, mcse: NaN, essMean: NaN, rhatBasic: 1.0473345410036545, essQ05: NaN },
  H: { first: -1.2389808158571745, sum: -1.6783790084029844, mean: -0.0083918950420149227, sd: 2.5142921971610774, q2_5: -4.5846648178713156, q50: -0.12567364153518326, q97_5: 4.7065923541902857, rhat: 1.0327915238890586, essBulk: 460.20599913279619, essTail: 95.496946876461351, mcse: 0.11720323787289996, essMean: 460.20599913279619, rhatBasic: 0.99037829952141188, essQ05: 101.33549797208531 },
};

function close(actual: number, expected: number, what: string, rel = 1e-9): void {
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${what}: expected NaN (R's NA), got ${actual}`);
    return;
  }
  const tol = rel * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs R ${expected}`);
}

test('the generated draws are the same numbers R made', () => {
  for (const [name, chains] of Object.entries(SETS)) {
    assert.equal(chains[0][0], R[name].first, `${name} first draw`);
    let s = 0;
    for (const c of chains) for (const v of c) s += v;
    close(s, R[name].sum, `${name} sum`, 1e-12);
  }
});

for (const name of Object.keys(R)) {
  test(`set ${name}: summary matches posterior 1.4.0`, () => {
    const chains = SETS[name];
    const ref = R[name];
    const s: NodeSummary = summarize(chains);
    for (const key of ['mean', 'sd', 'q2_5', 'q50', 'q97_5', 'rhat', 'essBulk', 'essTail', 'mcse'] as const) {
      close(s[key], ref[key], `${name}.${key}`);
    }
    close(essMean(chains), ref.essMean, `${name}.essMean`);
    close(essQuantile(chains, 0.05), ref.essQ05, `${name}.essQ05`);
    close(rhatBasic(splitChains(chains)), ref.rhatBasic, `${name}.rhatBasic`);
  });
}

test('the poorly mixed set is flagged and the good one is not', () => {
  const good = summarize(SETS.A);
  const bad = summarize(SETS.B);
  assert.deepEqual(convergenceWarnings('a', good), []);
  const w = convergenceWarnings('mu.a', bad);
  assert.equal(w.length, 3);
  assert.match(w[0], /^mu\.a: R-hat 1\.077 > 1\.01/);
  assert.match(w[1], /bulk ESS 65 < 400/);
  assert.match(w[2], /tail ESS 145 < 400/);
});

test('constant or non-finite draws give NaN diagnostics, as posterior gives NA', () => {
  const constant = [new Float64Array(50).fill(2.5), new Float64Array(50).fill(2.5)];
  const s = summarize(constant);
  assert.equal(s.mean, 2.5);
  assert.equal(s.sd, 0);
  assert.equal(s.q50, 2.5);
  for (const v of [s.rhat, s.essBulk, s.essTail, s.mcse]) assert.ok(Number.isNaN(v));
  // posterior ranks an Inf draw (so R-hat and bulk ESS exist) but gives NA for tail ESS and MCSE.
  const withInf = [gen(1, 50, 0.1), gen(2, 50, 0.1)];
  withInf[1][7] = Infinity;
  // R: x <- cbind(gen(1, 50, 0.1), gen(2, 50, 0.1)); x[8, 2] <- Inf; rhat(x); ess_bulk(x)
  close(rhat(withInf), 1.0233110328680961, 'rhat with Inf');
  close(essBulk(withInf), 70.96976360439605, 'essBulk with Inf');
  assert.ok(Number.isNaN(essTail(withInf)));
  assert.ok(Number.isNaN(mcseMean(withInf)));
  // A missing draw (NaN) makes everything NA.
  const withNaN = [gen(1, 50, 0.1), gen(2, 50, 0.1)];
  withNaN[0][3] = NaN;
  for (const f of [rhat, essBulk, essTail, mcseMean]) assert.ok(Number.isNaN(f(withNaN)), f.name);
});

test('chains of unequal length are an internal error', () => {
  assert.throws(() => rhat([new Float64Array(10), new Float64Array(11)]), InternalError);
  assert.throws(() => essBulk([]), InternalError);
});

test('split chains: halves as extra chains, odd middle draw dropped', () => {
  const a = Float64Array.from([1, 2, 3, 4, 5]);
  const b = Float64Array.from([6, 7, 8, 9, 10]);
  assert.deepEqual(splitChains([a, b]).map((c) => Array.from(c)), [[1, 2], [6, 7], [4, 5], [9, 10]]);
  assert.deepEqual(splitChains([Float64Array.from([1, 2, 3, 4])]).map((c) => Array.from(c)), [[1, 2], [3, 4]]);
});

test('average ranks and rank normalization match R', () => {
  assert.deepEqual(Array.from(averageRanks(Float64Array.from([3, 1, 3, 2, 3]))), [4, 1, 4, 2, 4]);
  // R: posterior:::z_scale(matrix(c(10, 30, 20, 40, 20), ncol = 1))
  const ref = [-1.1797611176118603, 0.49720057068155399, -0.24104039388602683, 1.1797611176118603, -0.24104039388602683];
  const z = zScale([Float64Array.from([10, 30, 20]), Float64Array.from([40, 20])]);
  const flat = [...z[0], ...z[1]];
  ref.forEach((v, i) => close(flat[i], v, `z[${i}]`, 1e-14));
  assert.deepEqual(z.map((c) => c.length), [3, 2]);
});

test('type-7 quantiles and the median match R', () => {
  const x = Float64Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]);
  // R: quantile(c(3,1,4,1,5,9,2,6,5,3), c(0, .1, .25, .33, .5, .9, 1))
  const ref = [1, 1, 2.25, 2.9700000000000002, 3.5, 6.2999999999999989, 9];
  [0, 0.1, 0.25, 0.33, 0.5, 0.9, 1].forEach((p, i) => assert.equal(quantile(x, p), ref[i], `p = ${p}`));
  assert.equal(median(x), 3.5);
  assert.equal(median(Float64Array.from([5, 1, 3])), 3);
});

test('the FFT agrees with a direct DFT, and inverse(forward) is n times the input', () => {
  const n = 64;
  const x = gen(7, n, 0.3);
  const re = Float64Array.from(x);
  const im = new Float64Array(n);
  fft(re, im, false);
  for (const k of [0, 1, 5, 31, 32, 63]) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      sr += x[t] * Math.cos((-2 * Math.PI * k * t) / n);
      si += x[t] * Math.sin((-2 * Math.PI * k * t) / n);
    }
    assert.ok(Math.abs(re[k] - sr) < 1e-10 && Math.abs(im[k] - si) < 1e-10, `bin ${k}`);
  }
  fft(re, im, true);
  for (let t = 0; t < n; t++) assert.ok(Math.abs(re[t] / n - x[t]) < 1e-12 && Math.abs(im[t]) < 1e-10);
  assert.throws(() => fft(new Float64Array(6), new Float64Array(6), false), InternalError);
});

test('FFT autocovariance equals the direct sum with divisor n', () => {
  for (const n of [3, 17, 100, 257]) {
    const x = gen(n, n, 0.6);
    const ac = autocovariance(x);
    let m = 0;
    for (const v of x) m += v;
    m /= n;
    for (const lag of [0, 1, 2, n - 1]) {
      let s = 0;
      for (let t = 0; t + lag < n; t++) s += (x[t] - m) * (x[t + lag] - m);
      assert.ok(Math.abs(ac[lag] - s / n) < 1e-12 * Math.max(1, Math.abs(s / n)), `n=${n} lag=${lag}: ${ac[lag]} vs ${s / n}`);
    }
  }
  assert.deepEqual(Array.from(autocovariance(Float64Array.from([2, 2, 2]))), [0, 0, 0]);
});

test('independent draws have ESS near the number of draws; a single chain is fine', () => {
  const iid = range(1, 4).map((k) => gen(100 + k, 500, 0));
  const e = essBulk(iid);
  assert.ok(e > 1500 && e < 2600, `bulk ESS ${e}`);
  const single = summarize([gen(5, 300, 0.9)]);
  assert.ok(single.essBulk < 100 && single.essBulk > 5);
  assert.ok(single.rhat > 0.99);
});
