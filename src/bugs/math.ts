/**
 * Special functions and truncated draws for the bundled sampler: log-gamma, the normal,
 * gamma, beta and t distribution functions, and exact draws from truncated normal and
 * truncated gamma distributions.
 *
 * Methods (all standard): log Γ by upward recurrence then the Stirling series; Φ by the
 * Maclaurin series of erf near 0 and Laplace's continued fraction for the Mills ratio in the
 * tails; the regularized incomplete gamma by its series or Legendre's continued fraction;
 * the regularized incomplete beta by its continued fraction (modified Lentz); truncated
 * normals by Robert (1995)'s exponential / uniform / normal rejection; truncated gammas by
 * rejection from the untruncated law or a shifted exponential, with inversion as fallback.
 */
import type { Rng } from '../mcmc/rng.js';

export const LOG_2PI = Math.log(2 * Math.PI);
export const HALF_LOG_2PI = 0.5 * LOG_2PI;
const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

// Bernoulli-number coefficients of the Stirling series: B_2k / (2k (2k-1)).
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400];

/** log Γ(x) for x > 0 (NaN for x <= 0 or NaN). */
export function lgamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x === Infinity) return Infinity;
  let shift = 0;
  let z = x;
  // Γ(z) = Γ(z + n) / (z (z+1) … (z+n-1)); accumulate the product in log space in chunks.
  if (z < 12) {
    let prod = 1;
    while (z < 12) {
      prod *= z;
      z += 1;
    }
    shift = Math.log(prod);
  }
  const zi = 1 / z;
  const z2 = zi * zi;
  let series = 0;
  for (let k = STIRLING.length - 1; k >= 0; k--) series = series * z2 + STIRLING[k];
  series *= zi;
  return (z - 0.5) * Math.log(z) - z + HALF_LOG_2PI + series - shift;
}

/** log B(a, b). */
export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** log(n choose k) for real n >= k >= 0. */
export function lchoose(n: number, k: number): number {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

// ---------------------------------------------------------------------------------------------
// The normal distribution.

/** The upper tail Q(x) = 1 - Φ(x) for x >= 0, with x φ(x) factored out: returns Q(x) / φ(x). */
function millsRatio(x: number): number {
  // Laplace's continued fraction: Q/φ = 1 / (x + 1/(x + 2/(x + 3/(x + …)))), evaluated by the
  // modified Lentz method; converges for x > 0 (slowly near 0, so callers use it for x >= 1.5).
  const tiny = 1e-300;
  let f = x;
  if (f === 0) f = tiny;
  let c = f;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    d = x + n * d;
    if (d === 0) d = tiny;
    c = x + n / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}

/** erf(z) by its Maclaurin series, for |z| <= 1.2. */
function erfSeries(z: number): number {
  const z2 = z * z;
  let term = z;
  let sum = z;
  for (let n = 1; n < 100; n++) {
    term *= -z2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Standard normal density. */
export function dnormStd(x: number): number {
  return Math.exp(-0.5 * x * x - HALF_LOG_2PI);
}

/** Φ(x), accurate in both tails. */
export function pnorm(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) <= 1.5) return 0.5 + 0.5 * erfSeries(x / Math.SQRT2);
  if (x > 0) return 1 - dnormStd(x) * millsRatio(x);
  return dnormStd(x) * millsRatio(-x);
}

/** log Φ(x), accurate far into the lower tail. */
export function logPnorm(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < -1.5) return -0.5 * x * x - HALF_LOG_2PI + Math.log(millsRatio(-x));
  if (x > 5) return Math.log1p(-dnormStd(x) * millsRatio(x));
  return Math.log(pnorm(x));
}

/** log(Φ(b) - Φ(a)) for a < b, without cancellation in either tail. */
export function logNormalMass(a: number, b: number): number {
  if (!(a < b)) return -Infinity;
  if (a > 0) return logNormalMass(-b, -a);
  // Now a <= 0: Φ(b) - Φ(a) = Φ(b)(1 - Φ(a)/Φ(b)).
  const lb = logPnorm(b);
  const la = logPnorm(a);
  if (la === -Infinity) return lb;
  return lb + Math.log1p(-Math.exp(la - lb));
}

// ---------------------------------------------------------------------------------------------
// Incomplete gamma and beta functions.

/** The regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function pgammaReg(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 0;
  if (x === Infinity) return 1;
  const logPrefix = a * Math.log(x) - x - lgamma(a);
  if (x < a + 1) {
    // Series: γ(a,x) = x^a e^-x Σ x^n / (a (a+1) … (a+n)).
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return Math.min(1, Math.exp(logPrefix) * sum);
  }
  return 1 - Math.exp(logPrefix) * gammaContinuedFraction(a, x);
}

/** Legendre's continued fraction for Γ(a, x) e^x x^-a (x >= a + 1), by modified Lentz. */
function gammaContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/** The regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), accurate when small. */
export function qgammaReg(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  if (x < a + 1) return 1 - pgammaReg(a, x);
  return Math.exp(a * Math.log(x) - x - lgamma(a)) * gammaContinuedFraction(a, x);
}

/** The regularized incomplete beta I_x(a, b). */
export function pbetaReg(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - lbeta(a, b);
  if (x < (a + 1) / (a + b + 2)) return Math.exp(logFront) * betaContinuedFraction(x, a, b) / a;
  return 1 - Math.exp(logFront) * betaContinuedFraction(1 - x, b, a) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/** CDF of Student's t with k degrees of freedom (standard form). */
export function ptStd(t: number, k: number): number {
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * pbetaReg(k / (k + t * t), k / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** log of the Student t density (location 0, scale 1) with k degrees of freedom. */
export function logDtStd(t: number, k: number): number {
  return lgamma((k + 1) / 2) - lgamma(k / 2) - 0.5 * Math.log(k) - LOG_SQRT_PI - ((k + 1) / 2) * Math.log1p((t * t) / k);
}

// ---------------------------------------------------------------------------------------------
// Truncated draws.

/**
 * A standard normal draw truncated to [a, b] (a < b, either may be infinite), Robert (1995):
 * exponential rejection in a one-sided tail, uniform rejection on short intervals, plain
 * normal rejection when the interval holds most of the mass.
 */
export function truncatedStdNormal(rng: Rng, a: number, b: number): number {
  if (!(a < b)) return Number.isNaN(a) || Number.isNaN(b) ? NaN : a;
  if (a > 0) return tailInterval(rng, a, b);
  if (b < 0) return -tailInterval(rng, -b, -a);
  // The interval contains 0.
  if (b - a > 2.5066282746310002) {
    // sqrt(2π): normal rejection accepts with probability Φ(b) - Φ(a) >= 0.2 or so here.
    for (let i = 0; i < 1000; i++) {
      const z = rng.normal();
      if (z >= a && z <= b) return z;
    }
  }
  // Uniform proposal on [a, b], accept with exp(-z²/2) (mode at 0 is inside).
  for (;;) {
    const z = a + (b - a) * rng.uniform();
    if (Math.log(rng.uniformOpen()) <= -0.5 * z * z) return z;
  }
}

/** Truncated to [a, b] with 0 <= a < b. */
function tailInterval(rng: Rng, a: number, b: number): number {
  if (a < 0.3 && b - a > 2.5) {
    for (let i = 0; i < 1000; i++) {
      const z = rng.normal();
      if (z >= a && z <= b) return z;
    }
  }
  // Robert's optimal exponential rate for the tail beyond a, (a + √(a² + 4)) / 2, written so
  // that a² cannot overflow (beyond 1e8 it is a + 1/a to double precision).
  const alpha = a < 1e8 ? (a + Math.sqrt(a * a + 4)) / 2 : a + 1 / a;
  // When the interval is short compared with the exponential's scale, the uniform does better.
  const uniformBetter = b - a < 1 / alpha && Number.isFinite(b);
  if (uniformBetter) {
    for (;;) {
      const z = a + (b - a) * rng.uniform();
      if (Math.log(rng.uniformOpen()) <= 0.5 * (a * a - z * z)) return z;
    }
  }
  for (;;) {
    const z = a + rng.exponential(alpha);
    if (z > b) continue;
    const d = z - alpha;
    if (Math.log(rng.uniformOpen()) <= -0.5 * d * d) return z;
  }
}

/** A normal draw with mean m and sd s truncated to [lo, hi]. */
export function truncatedNormal(rng: Rng, m: number, s: number, lo: number, hi: number): number {
  const z = truncatedStdNormal(rng, (lo - m) / s, (hi - m) / s);
  const x = m + s * z;
  // Guard the bounds against rounding.
  return x < lo ? lo : x > hi ? hi : x;
}

/** A Gamma(shape, rate) draw truncated to [lo, hi] (0 <= lo < hi <= ∞). */
export function truncatedGamma(rng: Rng, shape: number, rate: number, lo: number, hi: number): number {
  const mean = shape / rate;
  const sd = Math.sqrt(shape) / rate;
  // Mostly inside: plain rejection.
  if (lo <= mean + 0.5 * sd && hi >= mean - 0.5 * sd) {
    for (let i = 0; i < 64; i++) {
      const x = rng.gamma(shape, rate);
      if (x >= lo && x <= hi) return x;
    }
  }
  // Left-truncated beyond the mode: shifted exponential proposal. The log density
  // (k-1) log x - r x is concave for k >= 1, so its tangent at lo bounds it; for k < 1 the
  // density is decreasing and exp(-r x) bounds it.
  const slope = shape >= 1 ? rate - (shape - 1) / lo : rate;
  if (lo > 0 && slope > 1e-12 * rate) {
    for (let i = 0; i < 1000; i++) {
      const x = lo + rng.exponential(slope);
      if (x > hi) continue;
      const logRatio = (shape - 1) * Math.log(x / lo) - (rate - slope) * (x - lo);
      if (Math.log(rng.uniformOpen()) <= logRatio) return x;
    }
  }
  return truncatedGammaInverse(rng, shape, rate, lo, hi);
}

/** Inversion of the regularized incomplete gamma by bisection on log x (a rare fallback). */
function truncatedGammaInverse(rng: Rng, shape: number, rate: number, lo: number, hi: number): number {
  const pLo = pgammaReg(shape, lo * rate);
  const pHi = hi === Infinity ? 1 : pgammaReg(shape, hi * rate);
  // Work on the side of the smaller tail for accuracy.
  const upper = pLo > 0.5;
  const qLo = upper ? qgammaReg(shape, lo * rate) : pLo;
  const qHi = upper ? (hi === Infinity ? 0 : qgammaReg(shape, hi * rate)) : pHi;
  const u = qLo + (qHi - qLo) * rng.uniformOpen();
  let a = lo;
  let b = hi === Infinity ? Math.max(lo * 2, (shape + 40 * Math.sqrt(shape) + 40) / rate) : hi;
  const f = (x: number) => (upper ? qgammaReg(shape, x * rate) : pgammaReg(shape, x * rate));
  for (let i = 0; i < 200; i++) {
    const mid = a > 0 ? Math.sqrt(a * b) : b / 2;
    const v = f(mid);
    // P increases with x, Q decreases.
    if (upper ? v > u : v < u) a = mid;
    else b = mid;
    if (b - a <= 1e-15 * b) break;
  }
  return 0.5 * (a + b);
}
