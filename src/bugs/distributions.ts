/**
 * The distributions of the bundled engine, in JAGS's parameterisation (JAGS 4.3.1 manual):
 *
 *   dnorm(mu, tau)     tau = precision            dlnorm(mu, tau)   log(x) ~ dnorm(mu, tau)
 *   dunif(a, b)                                   dt(mu, tau, k)    tau = 1 / scale²
 *   dgamma(r, mu)      shape r, rate mu           dbeta(a, b)       dexp(lambda) rate
 *   dbern(p)           dbin(p, n)                 dpois(lambda)     dcat(pi[]) (unnormalised)
 *   dmnorm(mu[], Omega[,])  Omega = precision     dwish(R[,], k)    density ∝ |X|^((k-p-1)/2) exp(-tr(RX)/2)
 *
 * Scalar distributions give a log density (with all constants: parents change), their
 * support, a "typical value" used to initialise nodes without initial values (JAGS's rule:
 * the mean, median or mode), and a CDF for T(,) truncation.
 */
import { HALF_LOG_2PI, LOG_2PI, lbeta, lchoose, lgamma, logDtStd, pbetaReg, pgammaReg, pnorm, ptStd, qgammaReg } from './math.js';

export interface ScalarDist {
  readonly kind: 'scalar';
  readonly name: string;
  readonly nparams: number;
  readonly discrete: boolean;
  /** Names of the parameters, for messages. */
  readonly paramNames: readonly string[];
  /** log density (log mass) at x; -Infinity outside the support or for invalid parameters. */
  readonly logp: (x: number, a: number, b: number, c: number) => number;
  /** A reason the parameters are invalid, or null. */
  readonly check: (a: number, b: number, c: number) => string | null;
  readonly lower: (a: number, b: number, c: number) => number;
  readonly upper: (a: number, b: number, c: number) => number;
  readonly typical: (a: number, b: number, c: number) => number;
  /** P(X <= x), or null when truncation of this distribution is not supported. */
  readonly cdf: ((x: number, a: number, b: number, c: number) => number) | null;
}

/** dcat: a scalar with a vector parameter. */
export interface CatDist {
  readonly kind: 'cat';
  readonly name: 'dcat';
}

export interface VectorDist {
  readonly kind: 'vector';
  readonly name: 'dmnorm' | 'dwish';
}

export type Dist = ScalarDist | CatDist | VectorDist;

const positive = (what: string, x: number): string | null => (x > 0 && Number.isFinite(x) ? null : `${what} must be positive and finite, got ${x}`);
const finite = (what: string, x: number): string | null => (Number.isFinite(x) ? null : `${what} must be finite, got ${x}`);

function isInt(x: number): boolean {
  return Number.isInteger(x);
}

const dnorm: ScalarDist = {
  kind: 'scalar',
  name: 'dnorm',
  nparams: 2,
  discrete: false,
  paramNames: ['mean', 'precision'],
  logp: (x, mu, tau) => {
    if (!(tau > 0)) return -Infinity;
    const d = x - mu;
    return 0.5 * Math.log(tau) - HALF_LOG_2PI - 0.5 * tau * d * d;
  },
  check: (mu, tau) => finite('the mean', mu) ?? positive('the precision', tau),
  lower: () => -Infinity,
  upper: () => Infinity,
  typical: (mu) => mu,
  cdf: (x, mu, tau) => pnorm((x - mu) * Math.sqrt(tau)),
};

const dlnorm: ScalarDist = {
  kind: 'scalar',
  name: 'dlnorm',
  nparams: 2,
  discrete: false,
  paramNames: ['mean of the log', 'precision of the log'],
  logp: (x, mu, tau) => {
    if (!(tau > 0) || !(x > 0)) return -Infinity;
    const lx = Math.log(x);
    const d = lx - mu;
    return 0.5 * Math.log(tau) - HALF_LOG_2PI - lx - 0.5 * tau * d * d;
  },
  check: (mu, tau) => finite('the mean of the log', mu) ?? positive('the precision', tau),
  lower: () => 0,
  upper: () => Infinity,
  typical: (mu) => Math.exp(mu),
  cdf: (x, mu, tau) => (x <= 0 ? 0 : pnorm((Math.log(x) - mu) * Math.sqrt(tau))),
};

const dunif: ScalarDist = {
  kind: 'scalar',
  name: 'dunif',
  nparams: 2,
  discrete: false,
  paramNames: ['lower limit', 'upper limit'],
  logp: (x, a, b) => (a < b && x >= a && x <= b ? -Math.log(b - a) : -Infinity),
  check: (a, b) => finite('the lower limit', a) ?? finite('the upper limit', b) ?? (a < b ? null : `the lower limit ${a} must be below the upper limit ${b}`),
  lower: (a) => a,
  upper: (_a, b) => b,
  typical: (a, b) => (a + b) / 2,
  cdf: (x, a, b) => (x <= a ? 0 : x >= b ? 1 : (x - a) / (b - a)),
};

const dgamma: ScalarDist = {
  kind: 'scalar',
  name: 'dgamma',
  nparams: 2,
  discrete: false,
  paramNames: ['shape', 'rate'],
  logp: (x, r, mu) => {
    if (!(r > 0 && mu > 0) || x < 0) return -Infinity;
    if (x === 0) return r < 1 ? Infinity : r === 1 ? Math.log(mu) : -Infinity;
    return r * Math.log(mu) + (r - 1) * Math.log(x) - mu * x - lgamma(r);
  },
  check: (r, mu) => positive('the shape', r) ?? positive('the rate', mu),
  lower: () => 0,
  upper: () => Infinity,
  typical: (r, mu) => r / mu,
  cdf: (x, r, mu) => pgammaReg(r, mu * x),
};

const dexp: ScalarDist = {
  kind: 'scalar',
  name: 'dexp',
  nparams: 1,
  discrete: false,
  paramNames: ['rate'],
  logp: (x, lambda) => (lambda > 0 && x >= 0 ? Math.log(lambda) - lambda * x : -Infinity),
  check: (lambda) => positive('the rate', lambda),
  lower: () => 0,
  upper: () => Infinity,
  typical: (lambda) => 1 / lambda,
  cdf: (x, lambda) => (x <= 0 ? 0 : -Math.expm1(-lambda * x)),
};

const dt: ScalarDist = {
  kind: 'scalar',
  name: 'dt',
  nparams: 3,
  discrete: false,
  paramNames: ['location', 'precision', 'degrees of freedom'],
  logp: (x, mu, tau, k) => {
    if (!(tau > 0 && k > 0)) return -Infinity;
    const s = Math.sqrt(tau);
    return logDtStd((x - mu) * s, k) + Math.log(s);
  },
  check: (mu, tau, k) => finite('the location', mu) ?? positive('the precision', tau) ?? positive('the degrees of freedom', k),
  lower: () => -Infinity,
  upper: () => Infinity,
  typical: (mu) => mu,
  cdf: (x, mu, tau, k) => ptStd((x - mu) * Math.sqrt(tau), k),
};

const dbeta: ScalarDist = {
  kind: 'scalar',
  name: 'dbeta',
  nparams: 2,
  discrete: false,
  paramNames: ['shape a', 'shape b'],
  logp: (x, a, b) => {
    if (!(a > 0 && b > 0) || x < 0 || x > 1) return -Infinity;
    if (x === 0) return a < 1 ? Infinity : a === 1 ? -lbeta(a, b) : -Infinity;
    if (x === 1) return b < 1 ? Infinity : b === 1 ? -lbeta(a, b) : -Infinity;
    return (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lbeta(a, b);
  },
  check: (a, b) => positive('shape a', a) ?? positive('shape b', b),
  lower: () => 0,
  upper: () => 1,
  typical: (a, b) => a / (a + b),
  cdf: (x, a, b) => pbetaReg(x, a, b),
};

const dbern: ScalarDist = {
  kind: 'scalar',
  name: 'dbern',
  nparams: 1,
  discrete: true,
  paramNames: ['probability'],
  logp: (x, p) => {
    if (!(p >= 0 && p <= 1)) return -Infinity;
    if (x === 1) return Math.log(p);
    if (x === 0) return Math.log1p(-p);
    return -Infinity;
  },
  check: (p) => (p >= 0 && p <= 1 ? null : `the probability must lie in [0, 1], got ${p}`),
  lower: () => 0,
  upper: () => 1,
  typical: (p) => (p >= 0.5 ? 1 : 0),
  cdf: (x, p) => (x < 0 ? 0 : x < 1 ? 1 - p : 1),
};

function binLogp(x: number, p: number, n: number): number {
  if (!(p >= 0 && p <= 1) || !(n >= 0) || !isInt(x) || x < 0 || x > n) return -Infinity;
  if (p === 0) return x === 0 ? 0 : -Infinity;
  if (p === 1) return x === n ? 0 : -Infinity;
  return lchoose(n, x) + x * Math.log(p) + (n - x) * Math.log1p(-p);
}

const dbin: ScalarDist = {
  kind: 'scalar',
  name: 'dbin',
  nparams: 2,
  discrete: true,
  paramNames: ['probability', 'size'],
  logp: binLogp,
  check: (p, n) =>
    p >= 0 && p <= 1 ? (n >= 0 && isInt(n) ? null : `the size must be a whole number >= 0, got ${n}`) : `the probability must lie in [0, 1], got ${p}`,
  lower: () => 0,
  upper: (_p, n) => n,
  typical: (p, n) => Math.floor(n * p + 0.5),
  cdf: (x, p, n) => {
    if (x < 0) return 0;
    if (x >= n) return 1;
    // P(X <= x) = I_{1-p}(n - x, x + 1)
    const k = Math.floor(x);
    return pbetaReg(1 - p, n - k, k + 1);
  },
};

const dpois: ScalarDist = {
  kind: 'scalar',
  name: 'dpois',
  nparams: 1,
  discrete: true,
  paramNames: ['mean'],
  logp: (x, lambda) => {
    if (!(lambda >= 0) || !isInt(x) || x < 0) return -Infinity;
    if (lambda === 0) return x === 0 ? 0 : -Infinity;
    return x * Math.log(lambda) - lambda - lgamma(x + 1);
  },
  check: (lambda) => (lambda >= 0 && Number.isFinite(lambda) ? null : `the mean must be >= 0 and finite, got ${lambda}`),
  lower: () => 0,
  upper: () => Infinity,
  typical: (lambda) => Math.floor(lambda + 0.5),
  // P(X <= x) = Q(x + 1, lambda)
  cdf: (x, lambda) => (x < 0 ? 0 : qgammaReg(Math.floor(x) + 1, lambda)),
};

export const SCALAR_DISTS: ReadonlyMap<string, ScalarDist> = new Map(
  [dnorm, dlnorm, dunif, dgamma, dexp, dt, dbeta, dbern, dbin, dpois].map((d) => [d.name, d]),
);

export const DCAT: CatDist = { kind: 'cat', name: 'dcat' };
export const DMNORM: VectorDist = { kind: 'vector', name: 'dmnorm' };
export const DWISH: VectorDist = { kind: 'vector', name: 'dwish' };

/** Every distribution by name. */
export function lookupDist(name: string): Dist | undefined {
  if (name === 'dcat') return DCAT;
  if (name === 'dmnorm') return DMNORM;
  if (name === 'dwish') return DWISH;
  return SCALAR_DISTS.get(name);
}

export const DIST_NAMES: readonly string[] = [...SCALAR_DISTS.keys(), 'dcat', 'dmnorm', 'dwish'];

// ---------------------------------------------------------------------------------------------
// Dense linear algebra on small column-major matrices (dmnorm, dwish, inverse).

/**
 * In-place Cholesky factor (lower, column-major n×n) of a symmetric positive definite matrix;
 * the strict upper triangle is zeroed. Returns false if the matrix is not positive definite.
 */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j + j * n];
    for (let k = 0; k < j; k++) d -= a[j + k * n] * a[j + k * n];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[j + j * n] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i + j * n];
      for (let k = 0; k < j; k++) s -= a[i + k * n] * a[j + k * n];
      a[i + j * n] = s / ljj;
    }
    for (let i = 0; i < j; i++) a[i + j * n] = 0;
  }
  return true;
}

/** log det of a matrix from its Cholesky factor. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i + i * n]);
  return 2 * s;
}

/** Inverse of an SPD matrix from its Cholesky factor L (column-major), into `out`. */
export function inverseFromCholesky(l: Float64Array, n: number, out: Float64Array): void {
  // Solve L L' X = I column by column.
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    col.fill(0);
    col[c] = 1;
    for (let i = 0; i < n; i++) {
      let s = col[i];
      for (let k = 0; k < i; k++) s -= l[i + k * n] * col[k];
      col[i] = s / l[i + i * n];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = col[i];
      for (let k = i + 1; k < n; k++) s -= l[k + i * n] * col[k];
      col[i] = s / l[i + i * n];
    }
    for (let i = 0; i < n; i++) out[i + c * n] = col[i];
  }
}

/** General inverse by Gauss-Jordan elimination with partial pivoting; false if singular. */
export function inverseGeneral(a: Float64Array, n: number, out: Float64Array): boolean {
  const m = Float64Array.from(a);
  out.fill(0);
  for (let i = 0; i < n; i++) out[i + i * n] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r + c * n]) > Math.abs(m[p + c * n])) p = r;
    const piv = m[p + c * n];
    if (!(Math.abs(piv) > 0) || !Number.isFinite(piv)) return false;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        let t = m[c + k * n];
        m[c + k * n] = m[p + k * n];
        m[p + k * n] = t;
        t = out[c + k * n];
        out[c + k * n] = out[p + k * n];
        out[p + k * n] = t;
      }
    }
    for (let k = 0; k < n; k++) {
      m[c + k * n] /= piv;
      out[c + k * n] /= piv;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r + c * n];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        m[r + k * n] -= f * m[c + k * n];
        out[r + k * n] -= f * out[c + k * n];
      }
    }
  }
  return true;
}

/** Is the column-major n×n matrix symmetric (to a relative 1e-10)? */
export function isSymmetric(a: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const x = a[i + j * n];
      const y = a[j + i * n];
      if (Math.abs(x - y) > 1e-10 * Math.max(1, Math.abs(x), Math.abs(y))) return false;
    }
  }
  return true;
}

/** Scratch buffers for the multivariate densities, by dimension. */
class Scratch {
  private readonly bufs = new Map<number, Float64Array>();
  get(n: number, slot: number): Float64Array {
    const key = n * 8 + slot;
    let b = this.bufs.get(key);
    if (!b) {
      b = new Float64Array(n);
      this.bufs.set(key, b);
    }
    return b;
  }
}
const scratch = new Scratch();

/** log density of dmnorm(x; mu, Omega) (Omega = precision, column-major k×k). */
export function dmnormLogp(x: ArrayLike<number>, mu: ArrayLike<number>, omega: ArrayLike<number>, k: number): number {
  const l = scratch.get(k * k, 0);
  for (let i = 0; i < k * k; i++) l[i] = omega[i];
  if (!cholesky(l, k)) return -Infinity;
  // (x-mu)' Omega (x-mu) = |L'(x-mu)|²
  const d = scratch.get(k, 1);
  for (let i = 0; i < k; i++) d[i] = x[i] - mu[i];
  let q = 0;
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = j; i < k; i++) s += l[i + j * k] * d[i];
    q += s * s;
  }
  return 0.5 * logDetFromCholesky(l, k) - 0.5 * k * LOG_2PI - 0.5 * q;
}

/** log of the multivariate gamma function Γ_p(a). */
export function lmvgamma(a: number, p: number): number {
  let s = (p * (p - 1) / 4) * Math.log(Math.PI);
  for (let j = 0; j < p; j++) s += lgamma(a - j / 2);
  return s;
}

/** log density of dwish(X; R, k) in JAGS's form (E[X] = k R⁻¹). */
export function dwishLogp(x: ArrayLike<number>, r: ArrayLike<number>, k: number, p: number): number {
  if (!(k > p - 1)) return -Infinity;
  if (!isSymmetric(x, p)) return -Infinity;
  const lx = scratch.get(p * p, 2);
  for (let i = 0; i < p * p; i++) lx[i] = x[i];
  if (!cholesky(lx, p)) return -Infinity;
  const lr = scratch.get(p * p, 3);
  for (let i = 0; i < p * p; i++) lr[i] = r[i];
  if (!cholesky(lr, p)) return -Infinity;
  let tr = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) tr += r[i + j * p] * x[j + i * p];
  return (
    ((k - p - 1) / 2) * logDetFromCholesky(lx, p) -
    0.5 * tr +
    (k / 2) * logDetFromCholesky(lr, p) -
    ((k * p) / 2) * Math.LN2 -
    lmvgamma(k / 2, p)
  );
}

/** log mass of dcat(x; pi) (pi need not sum to 1). */
export function dcatLogp(x: number, pi: ArrayLike<number>): number {
  if (!isInt(x) || x < 1 || x > pi.length) return -Infinity;
  let s = 0;
  for (let i = 0; i < pi.length; i++) {
    if (!(pi[i] >= 0)) return -Infinity;
    s += pi[i];
  }
  if (!(s > 0)) return -Infinity;
  return Math.log(pi[x - 1] / s);
}
