/**
 * MCMC convergence diagnostics of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021),
 * "Rank-normalization, folding, and localization: an improved R-hat", computed the way R's
 * `posterior` package (1.4.0) computes them, so the numbers agree to rounding:
 *
 * - split chains: each chain cut in two halves (an odd middle draw is dropped);
 * - rank normalization: average ranks over all split draws, z = Φ⁻¹((r − 3/8) / (S + 1/4));
 * - R-hat = max(bulk R-hat of the rank-normalized split draws, R-hat of the rank-normalized
 *   folded draws |x − median|);
 * - ESS from the FFT autocovariance of each split chain, combined over chains, truncated by
 *   Geyer's initial positive sequence made monotone, τ̂ bounded below by 1 / log10(S);
 * - bulk ESS: of the rank-normalized split draws; tail ESS: the smaller of the ESS of the
 *   indicators x ≤ q5% and x ≤ q95%; MCSE of the mean: sd / √(ESS of the plain split draws);
 * - quantiles: R's type 7.
 *
 * Where `posterior` returns NA (non-finite draws, constant draws, fewer than 3 draws per
 * split chain for ESS) these functions return NaN.
 */

import { assert } from '../errors.js';
import { normalQuantile } from './rng.js';

/** The per-node summary reported for every monitored scalar. */
export interface NodeSummary {
  readonly mean: number;
  readonly sd: number;
  readonly q2_5: number;
  readonly q50: number;
  readonly q97_5: number;
  /** max(bulk, folded) rank-normalized split R-hat; NaN when undefined. */
  readonly rhat: number;
  readonly essBulk: number;
  readonly essTail: number;
  /** Monte Carlo standard error of the mean. */
  readonly mcse: number;
}

/** Draws of one scalar: one Float64Array per chain, all the same length. */
export type Chains = readonly Float64Array[];

/** Thresholds from Vehtari et al. (2021), as DESIGN §7 asks. */
export const RHAT_WARN = 1.01;
export const ESS_WARN = 400;

/** Mean, sd, quantiles, R-hat, bulk/tail ESS and MCSE of one scalar's draws. */
export function summarize(chains: Chains): NodeSummary {
  checkChains(chains);
  // The same numbers as the separate functions below, sharing the sorts and the splits.
  const all = pooled(chains);
  const m = mean(all);
  const s = Math.sqrt(variance(all, m));
  const split = splitChains(chains);
  // One radix sort of the split draws gives their order and bulk ranks; when they are all the
  // draws (no odd middle draw dropped) and none is NaN, also the sorted draws for the
  // quantiles. Merging the order's two halves around the median ranks the folded draws.
  const ranked = rankPooled(split);
  const sorted = ranked.sorted.length === all.length ? ranked.sorted : Float64Array.from(all).sort();
  const med = medianSorted(sorted);
  const { zBulk, zFolded } = bulkAndFoldedZ(split, ranked, med);
  const tail = rhatBasic(zFolded);
  const bulk = rhatBasic(zBulk);
  let essT = NaN;
  if (!shouldReturnNaN(chains)) {
    const lo = essOfIndicator(chains, quantileSorted(sorted, 0.05));
    const hi = essOfIndicator(chains, quantileSorted(sorted, 0.95));
    essT = Number.isNaN(lo) || Number.isNaN(hi) ? NaN : Math.min(lo, hi);
  }
  return {
    mean: m,
    sd: s,
    q2_5: quantileSorted(sorted, 0.025),
    q50: quantileSorted(sorted, 0.5),
    q97_5: quantileSorted(sorted, 0.975),
    rhat: Number.isNaN(bulk) || Number.isNaN(tail) ? NaN : Math.max(bulk, tail),
    essBulk: essBasic(zBulk),
    essTail: essT,
    mcse: s / Math.sqrt(essBasic(split)),
  };
}

/** Human-readable warnings for one node (R-hat > 1.01, bulk or tail ESS < 400). */
export function convergenceWarnings(name: string, s: NodeSummary): string[] {
  const out: string[] = [];
  if (s.rhat > RHAT_WARN) out.push(`${name}: R-hat ${s.rhat.toFixed(3)} > ${RHAT_WARN}; the chains have not mixed`);
  if (s.essBulk < ESS_WARN) out.push(`${name}: bulk ESS ${Math.round(s.essBulk)} < ${ESS_WARN}; run longer chains`);
  if (s.essTail < ESS_WARN) out.push(`${name}: tail ESS ${Math.round(s.essTail)} < ${ESS_WARN}; quantiles are unreliable`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The diagnostics.

/** Rank-normalized split R-hat: the larger of the bulk and the folded (tail) R-hat. */
export function rhat(chains: Chains): number {
  checkChains(chains);
  const bulk = rhatBasic(zScale(splitChains(chains)));
  const med = median(pooled(chains));
  const folded = chains.map((c) => c.map((v) => Math.abs(v - med)));
  const tail = rhatBasic(zScale(splitChains(folded)));
  return Number.isNaN(bulk) || Number.isNaN(tail) ? NaN : Math.max(bulk, tail);
}

/** Bulk effective sample size (rank-normalized split chains). */
export function essBulk(chains: Chains): number {
  checkChains(chains);
  return essBasic(zScale(splitChains(chains)));
}

/** Tail effective sample size: the smaller ESS of the 5% and 95% quantile indicators. */
export function essTail(chains: Chains): number {
  const lo = essQuantile(chains, 0.05);
  const hi = essQuantile(chains, 0.95);
  return Number.isNaN(lo) || Number.isNaN(hi) ? NaN : Math.min(lo, hi);
}

/** ESS of the quantile `prob`: the ESS of the indicator draws x ≤ quantile(x, prob). */
export function essQuantile(chains: Chains, prob: number): number {
  checkChains(chains);
  assert(prob >= 0 && prob <= 1, `essQuantile: prob ${prob} outside [0, 1]`);
  if (shouldReturnNaN(chains)) return NaN;
  const all = pooled(chains);
  let p = prob;
  if (p === 1) p = (all.length - 0.5) / all.length;
  return essOfIndicator(chains, quantileSorted(Float64Array.from(all).sort(), p));
}

/** ESS of the split indicator draws x ≤ q. */
function essOfIndicator(chains: Chains, q: number): number {
  const ind = chains.map((c) => {
    const out = new Float64Array(c.length);
    for (let i = 0; i < c.length; i++) out[i] = c[i] <= q ? 1 : 0;
    return out;
  });
  return essBasic(splitChains(ind));
}

/** ESS of the mean (split chains, no rank normalization). */
export function essMean(chains: Chains): number {
  checkChains(chains);
  return essBasic(splitChains(chains));
}

/** Monte Carlo standard error of the mean: sd / √(ESS of the mean). */
export function mcseMean(chains: Chains): number {
  return sd(pooled(chains)) / Math.sqrt(essMean(chains));
}

/** Classic R-hat of the given chains (no splitting): √((B/W + n − 1) / n). */
export function rhatBasic(chains: Chains): number {
  if (shouldReturnNaN(chains)) return NaN;
  const m = chains.length;
  const n = chains[0].length;
  const means = new Float64Array(m);
  const vars = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    means[j] = mean(chains[j]);
    vars[j] = variance(chains[j], means[j]);
  }
  const varBetween = n * variance(means, mean(means));
  const varWithin = mean(vars);
  return Math.sqrt((varBetween / varWithin + n - 1) / n);
}

/**
 * Effective sample size of the given chains (no splitting or normalization): combined
 * autocorrelations, Geyer's initial positive sequence, monotone, τ̂ ≥ 1 / log10(S).
 */
export function essBasic(chains: Chains): number {
  const m = chains.length;
  const n = chains[0].length;
  if (n < 3 || shouldReturnNaN(chains)) return NaN;

  const acov = new ChainAutocovariance(chains);
  const meanVar = (acov.at(0) * n) / (n - 1);
  let varPlus = (meanVar * (n - 1)) / n;
  if (m > 1) {
    const chainMeans = Float64Array.from(chains, (c) => mean(c));
    varPlus += variance(chainMeans, mean(chainMeans));
  }

  // rho[k] is the combined autocorrelation at lag k, kept while pairs stay positive.
  const rho = new Float64Array(n);
  let t = 0;
  let even = 1;
  rho[0] = even;
  let odd = 1 - (meanVar - acov.at(1)) / varPlus;
  rho[1] = odd;
  while (t < n - 5 && !Number.isNaN(even + odd) && even + odd > 0) {
    t += 2;
    even = 1 - (meanVar - acov.at(t)) / varPlus;
    odd = 1 - (meanVar - acov.at(t + 1)) / varPlus;
    if (even + odd >= 0) {
      rho[t] = even;
      rho[t + 1] = odd;
    }
  }
  const maxT = t;
  if (even > 0) rho[maxT] = even;

  // Make the sums of pairs monotone non-increasing.
  t = 0;
  while (t <= maxT - 4) {
    t += 2;
    if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
      rho[t] = (rho[t - 2] + rho[t - 1]) / 2;
      rho[t + 1] = rho[t];
    }
  }

  const draws = m * n;
  // posterior sums rho_hat_t[1:max_t]; with max_t = 0 that R range is just the first element.
  let sum = 0;
  for (let k = 0; k < Math.max(maxT, 1); k++) sum += rho[k];
  let tau = -1 + 2 * sum + rho[maxT];
  tau = Math.max(tau, 1 / Math.log10(draws));
  return draws / tau;
}

// ---------------------------------------------------------------------------------------------
// Building blocks.

/** Lags up to this are summed directly; a longer sequence switches to the FFT for all lags. */
const DIRECT_LAGS = 32;

/**
 * The chains' mean autocovariance at lag k, computed on demand. Geyer's sequence usually stops
 * after a few lags, where direct sums (n·m work per lag) are much cheaper than the FFT; once a
 * lag of DIRECT_LAGS or more is needed, all lags come from the FFT (autocovariances()). Both
 * give Σ_t y_t·y_{t+k} scaled as posterior scales it, equal up to rounding.
 */
class ChainAutocovariance {
  private readonly centred: Float64Array[];
  private readonly vars: Float64Array;
  private readonly sumSquares: Float64Array;
  private readonly direct: Float64Array;
  private computed = 0;
  private full: Float64Array | undefined;

  constructor(private readonly chains: Chains) {
    this.vars = new Float64Array(chains.length);
    this.sumSquares = new Float64Array(chains.length);
    this.centred = chains.map((c, j) => {
      const m = mean(c);
      this.vars[j] = variance(c, m);
      const y = new Float64Array(c.length);
      let s0 = 0;
      for (let t = 0; t < y.length; t++) {
        const d = c[t] - m;
        y[t] = d;
        s0 += d * d;
      }
      this.sumSquares[j] = s0;
      return y;
    });
    this.direct = new Float64Array(Math.min(DIRECT_LAGS, chains[0].length));
  }

  at(k: number): number {
    if (this.full !== undefined) return this.full[k];
    if (k >= this.direct.length) {
      const n = this.chains[0].length;
      const full = new Float64Array(n);
      for (const ac of autocovariances(this.chains)) for (let i = 0; i < n; i++) full[i] += ac[i];
      for (let i = 0; i < n; i++) full[i] /= this.chains.length;
      this.full = full;
      return full[k];
    }
    while (this.computed <= k) {
      this.direct[this.computed] = this.lagMean(this.computed);
      this.computed++;
    }
    return this.direct[k];
  }

  private lagMean(k: number): number {
    let total = 0;
    for (let j = 0; j < this.centred.length; j++) {
      const y = this.centred[j];
      const n = y.length;
      const varx = this.vars[j];
      if (!(varx !== 0)) continue; // a constant chain contributes zeros, as posterior
      let sk = 0;
      for (let t = 0; t + k < n; t++) sk += y[t] * y[t + k];
      total += (((sk / this.sumSquares[j]) * varx) * (n - 1)) / n;
    }
    return total / this.centred.length;
  }
}

/** Each chain cut into its first and second half; an odd middle draw is dropped. */
export function splitChains(chains: Chains): Float64Array[] {
  const n = chains[0].length;
  if (n === 1) return chains.map((c) => Float64Array.from(c));
  const half = Math.floor(n / 2);
  const secondStart = Math.ceil(n / 2 + 1) - 1;
  const out: Float64Array[] = [];
  for (const c of chains) out.push(c.slice(0, half));
  for (const c of chains) out.push(c.slice(secondStart));
  // posterior binds the halves as columns [first halves of all chains, second halves of all].
  return out;
}

/**
 * zScale(split) and zScale of the folded split draws |x − med|, as zScale computes them, for
 * draws without NaN: the ranks of the folded draws come from the sorted order of the draws
 * (the values below med, taken downwards, and those above, taken upwards, are each sorted by
 * |x − med|; merging them sorts all), and Φ⁻¹ of a rank from a table shared by every node
 * with the same number of draws.
 */
/** The pooled split draws, their average ranks and order, and the sorted non-NaN values. */
interface RankedPool {
  readonly all: Float64Array;
  readonly ranks: Float64Array;
  readonly order: Uint32Array;
  readonly sorted: Float64Array;
}

function rankPooled(split: Chains): RankedPool {
  const all = pooled(split);
  const { ranks, order } = ranksAndOrder(all);
  const sorted = new Float64Array(order.length);
  let zeros = 0;
  let negativeZeros = 0;
  let firstZero = -1;
  for (let i = 0; i < order.length; i++) {
    const x = all[order[i]];
    sorted[i] = x;
    if (x === 0) {
      if (firstZero < 0) firstZero = i;
      zeros++;
      if (Object.is(x, -0)) negativeZeros++;
    }
  }
  // The radix order ties −0 with 0; a sort puts −0 first.
  for (let i = 0; i < zeros; i++) sorted[firstZero + i] = i < negativeZeros ? -0 : 0;
  return { all, ranks, order, sorted };
}

function bulkAndFoldedZ(split: Chains, ranked: RankedPool, med: number): { zBulk: Float64Array[]; zFolded: Float64Array[] } {
  const { all, ranks, order } = ranked;
  const S = all.length;
  const table = zTable(S);
  const zb = new Float64Array(S);
  for (let i = 0; i < S; i++) zb[i] = table[2 * ranks[i]];
  // Folded: merge order[below] (downwards) with order[above] (upwards).
  let cut = 0;
  while (cut < S && all[order[cut]] < med) cut++;
  const fz = new Float64Array(S);
  const merged = new Uint32Array(S);
  const value = new Float64Array(S);
  let i = cut - 1;
  let j = cut;
  for (let k = 0; k < S; k++) {
    const a = i >= 0 ? Math.abs(all[order[i]] - med) : Infinity;
    const b = j < S ? Math.abs(all[order[j]] - med) : Infinity;
    if (a <= b) {
      merged[k] = order[i--];
      value[k] = a;
    } else {
      merged[k] = order[j++];
      value[k] = b;
    }
  }
  for (let k = 0; k < S; ) {
    let e = k;
    while (e + 1 < S && value[e + 1] === value[k]) e++;
    const z = table[k + e + 2]; // twice the average 1-based rank (k + 1 + e + 1) / 2
    for (let t = k; t <= e; t++) fz[merged[t]] = z;
    k = e + 1;
  }
  const zBulk: Float64Array[] = [];
  const zFolded: Float64Array[] = [];
  let off = 0;
  for (const c of split) {
    zBulk.push(zb.subarray(off, off + c.length));
    zFolded.push(fz.subarray(off, off + c.length));
    off += c.length;
  }
  return { zBulk, zFolded };
}

let zTableCache: { S: number; table: Float64Array } | null = null;

/** Φ⁻¹((r − 3/8) / (S + 1/4)) at index 2r for the ranks r = 1, 1.5, 2, …, S. */
function zTable(S: number): Float64Array {
  if (zTableCache?.S === S) return zTableCache.table;
  const denom = S - 2 * 0.375 + 1;
  const table = new Float64Array(2 * S + 1);
  for (let k = 2; k <= 2 * S; k++) table[k] = normalQuantile((k / 2 - 0.375) / denom);
  zTableCache = { S, table };
  return table;
}

/** Rank normalization of all draws together (average ranks for ties), per chain shape. */
export function zScale(chains: Chains): Float64Array[] {
  const all = pooled(chains);
  const r = averageRanks(all);
  const S = all.length;
  const denom = S - 2 * 0.375 + 1;
  const z = new Float64Array(S);
  for (let i = 0; i < S; i++) z[i] = Number.isNaN(all[i]) ? NaN : normalQuantile((r[i] - 0.375) / denom);
  const out: Float64Array[] = [];
  let off = 0;
  for (const c of chains) {
    out.push(z.slice(off, off + c.length));
    off += c.length;
  }
  return out;
}

/**
 * 1-based ranks with ties given their average rank (R's rank(ties.method = "average")); NaN
 * for NaN; -0 ties with 0. The order comes from an LSD radix sort of the doubles' bit
 * patterns (made order-preserving), which is several times faster than a comparison sort of
 * indices and matters here: every R-hat and bulk ESS ranks all draws of a node.
 */
export function averageRanks(x: Float64Array): Float64Array {
  return ranksAndOrder(x).ranks;
}

/** averageRanks and the indices of the non-NaN values in increasing order. */
function ranksAndOrder(x: Float64Array): { ranks: Float64Array; order: Uint32Array } {
  const n = x.length;
  const ranks = new Float64Array(n);
  // Order-preserving 64-bit keys (hi, lo) of the non-NaN values, with their indices.
  let idx = new Uint32Array(n);
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (Number.isNaN(v)) {
      ranks[i] = NaN;
      continue;
    }
    bits[0] = v === 0 ? 0 : v; // -0 → +0
    const h = words[HI];
    const l = words[1 - HI];
    if (h & 0x80000000) {
      hi[m] = ~h >>> 0;
      lo[m] = ~l >>> 0;
    } else {
      hi[m] = (h | 0x80000000) >>> 0;
      lo[m] = l;
    }
    idx[m] = i;
    m++;
  }
  let idx2 = new Uint32Array(m);
  let hi2 = new Uint32Array(m);
  let lo2 = new Uint32Array(m);
  const count = new Uint32Array(256);
  const radix = (firstPass: number) => {
    for (let pass = firstPass; pass < 8; pass++) {
      const key = pass < 4 ? lo : hi;
      const shift = (pass & 3) * 8;
      count.fill(0);
      for (let i = 0; i < m; i++) count[(key[i] >>> shift) & 255]++;
      if (m > 0 && count[(key[0] >>> shift) & 255] === m) continue; // every key has this byte
      let sum = 0;
      for (let b = 0; b < 256; b++) {
        const c = count[b];
        count[b] = sum;
        sum += c;
      }
      for (let i = 0; i < m; i++) {
        const dst = count[(key[i] >>> shift) & 255]++;
        idx2[dst] = idx[i];
        hi2[dst] = hi[i];
        lo2[dst] = lo[i];
      }
      [idx, idx2] = [idx2, idx];
      [hi, hi2] = [hi2, hi];
      [lo, lo2] = [lo2, lo];
    }
  };
  // Sort by the high words (sign, exponent and 20 bits of mantissa), which nearly always tell
  // the draws apart, then order each run of equal high words by the low words with a stable
  // insertion sort. Long runs (draws all within a relative 1e-6 or so) get the 4 low-word
  // passes instead: LSD passes on the current order keep it for equal keys, so either way the
  // result is the stable sort by (hi, lo).
  radix(4);
  let longRun = false;
  for (let a = 0; a < m && !longRun; ) {
    let b = a + 1;
    while (b < m && hi[b] === hi[a]) b++;
    if (b - a > 64) longRun = true;
    else {
      for (let k = a + 1; k < b; k++) {
        const l = lo[k];
        const id = idx[k];
        let j = k - 1;
        while (j >= a && lo[j] > l) {
          lo[j + 1] = lo[j];
          idx[j + 1] = idx[j];
          j--;
        }
        lo[j + 1] = l;
        idx[j + 1] = id;
      }
    }
    a = b;
  }
  if (longRun) radix(0);
  // Runs of equal keys share the average of their ranks.
  let i = 0;
  while (i < m) {
    let j = i;
    while (j + 1 < m && hi[j + 1] === hi[i] && lo[j + 1] === lo[i]) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[idx[k]] = r;
    i = j + 1;
  }
  return { ranks, order: idx.subarray(0, m) };
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Index of the high 32-bit word of a double in `words` (1 on little-endian machines). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * Autocovariances at lags 0 … n−1 with divisor n (lag 0 is the variance with divisor n),
 * through an FFT of the centred series zero-padded to a power of two ≥ 2n; scaled as
 * posterior does (ac / ac[0] · var(x) · (n − 1) / n). A constant series gives zeros.
 */
export function autocovariance(x: Float64Array): Float64Array {
  return autocovariances([x])[0];
}

/**
 * autocovariance() of several equal-length series, two per complex FFT: series a goes in the
 * real part and b in the imaginary part; their spectra separate by conjugate symmetry, and the
 * two (real, even) power spectra go back through one inverse FFT as P_a + i·P_b.
 */
export function autocovariances(series: readonly Float64Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (let j = 0; j < series.length; j += 2) {
    const a = series[j];
    const b = j + 1 < series.length ? series[j + 1] : undefined;
    const n = a.length;
    assert(b === undefined || b.length === n, 'autocovariances: series differ in length');
    const ra = new Float64Array(n);
    const rb = b === undefined ? undefined : new Float64Array(n);
    out.push(ra);
    if (rb !== undefined) out.push(rb);
    if (n === 0) continue;
    const ma = mean(a);
    const va = variance(a, ma);
    const mb = b === undefined ? 0 : mean(b);
    const vb = b === undefined ? 0 : variance(b, mb);
    let size = 1;
    while (size < 2 * n) size *= 2;
    const re = new Float64Array(size);
    const im = new Float64Array(size);
    for (let i = 0; i < n; i++) re[i] = a[i] - ma;
    if (b !== undefined) for (let i = 0; i < n; i++) im[i] = b[i] - mb;
    fft(re, im, false);
    // A[k] = (Z[k] + conj Z[N−k]) / 2, B[k] = (Z[k] − conj Z[N−k]) / 2i; keep 4|A|² and 4|B|².
    const pa = new Float64Array(size);
    const pb = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      const kk = k === 0 ? 0 : size - k;
      const sr = re[k] + re[kk];
      const si = im[k] - im[kk];
      const dr = re[k] - re[kk];
      const di = im[k] + im[kk];
      pa[k] = sr * sr + si * si;
      pb[k] = dr * dr + di * di;
    }
    fft(pa, pb, true); // pa ∝ autocorrelation sums of a, pb ∝ those of b
    scaleAcov(pa, ra, va, n);
    if (rb !== undefined) scaleAcov(pb, rb, vb, n);
  }
  return out;
}

/** out[k] = raw[k] / raw[0] · varx · (n − 1) / n, in posterior's order of operations. */
function scaleAcov(raw: Float64Array, out: Float64Array, varx: number, n: number): void {
  if (!(varx !== 0)) return; // constant (or a single draw): all zero, as posterior
  const ac0 = raw[0];
  for (let k = 0; k < n; k++) out[k] = (((raw[k] / ac0) * varx) * (n - 1)) / n;
}

/**
 * In-place iterative radix-2 FFT of (re, im); the length must be a power of two.
 * `inverse` uses e^{+2πi jk/N} and does not divide by N.
 */
export function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  assert(n === im.length && n > 0 && (n & (n - 1)) === 0, `fft: length ${n} is not a power of two`);
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const { cos, sin } = twiddles(n);
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const stride = n / len;
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * stride];
        const wi = sign * sin[k * stride];
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();

/** cos and sin of 2πk/n for k < n/2, computed directly (no recurrence error). */
function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  let t = twiddleCache.get(n);
  if (t === undefined) {
    const h = Math.max(1, n >> 1);
    const cos = new Float64Array(h);
    const sin = new Float64Array(h);
    for (let k = 0; k < h; k++) {
      cos[k] = Math.cos((2 * Math.PI * k) / n);
      sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    t = { cos, sin };
    if (twiddleCache.size > 32) twiddleCache.clear();
    twiddleCache.set(n, t);
  }
  return t;
}

/** R's quantile type 7 of sorted values: x[lo] + interpolation, as (1 − h)·x[lo] + h·x[hi]. */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const index = 1 + Math.max(n - 1, 0) * p; // 1-based, as R computes it
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  const qs = sorted[lo - 1];
  const xh = sorted[hi - 1];
  if (index > lo && xh !== qs) {
    const h = index - lo;
    return (1 - h) * qs + h * xh;
  }
  return qs;
}

/** R's type-7 quantile of unsorted values. */
export function quantile(x: Float64Array, p: number): number {
  return quantileSorted(Float64Array.from(x).sort(), p);
}

/** The median (the average of the two middle values for an even count). */
export function median(x: Float64Array): number {
  return medianSorted(Float64Array.from(x).sort());
}

function medianSorted(s: Float64Array): number {
  const n = s.length;
  if (n === 0) return NaN;
  const half = (n + 1) >> 1;
  return n % 2 === 1 ? s[half - 1] : (s[half - 1] + s[half]) / 2;
}

/** Arithmetic mean, with a second pass that corrects the rounding of the first (as R does). */
export function mean(x: ArrayLike<number>): number {
  const n = x.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const m = s / n;
  if (!Number.isFinite(m)) return m;
  let c = 0;
  for (let i = 0; i < n; i++) c += x[i] - m;
  return m + c / n;
}

/** Sample variance (divisor n − 1) around a given mean. */
export function variance(x: ArrayLike<number>, m: number): number {
  const n = x.length;
  if (n < 2) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - m;
    s += d * d;
  }
  return s / (n - 1);
}

/** Sample standard deviation (divisor n − 1). */
export function sd(x: Float64Array): number {
  return Math.sqrt(variance(x, mean(x)));
}

/** All chains' draws concatenated, chain after chain. */
export function pooled(chains: Chains): Float64Array {
  let total = 0;
  for (const c of chains) total += c.length;
  const out = new Float64Array(total);
  let off = 0;
  for (const c of chains) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** posterior's should_return_NA: any non-finite draw, or all draws within 2^-52 of each other. */
function shouldReturnNaN(chains: Chains): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of chains) {
    for (let i = 0; i < c.length; i++) {
      const v = c[i];
      if (!Number.isFinite(v)) return true;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return Math.abs(hi - lo) < Number.EPSILON;
}

function checkChains(chains: Chains): void {
  assert(chains.length > 0, 'diagnostics: no chains');
  const n = chains[0].length;
  assert(n > 0, 'diagnostics: chains have no draws');
  for (const c of chains) assert(c.length === n, `diagnostics: chains differ in length (${c.length} vs ${n})`);
}
