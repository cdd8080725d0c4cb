/**
 * lme4's checks after the optimizer stops: the finite-difference gradient and Hessian of the
 * criterion at θ̂ (central differences, δ = 1e-4), the singular-fit test, the scaled-gradient
 * test and the Hessian's eigenvalue tests, with lme4's message texts.
 */

export interface Derivatives {
  readonly gradient: Float64Array;
  /** n × n row-major. */
  readonly hessian: Float64Array;
}

/** Gradient and Hessian of f at x by central differences with step δ (unbounded, as lme4). */
export function finiteDifferenceDerivatives(f: (x: Float64Array) => number, x: ArrayLike<number>, delta = 1e-4): Derivatives {
  const n = x.length;
  const base = Float64Array.from(x);
  const fx = f(base);
  const g = new Float64Array(n);
  const H = new Float64Array(n * n);
  const at = (i: number, di: number, j = -1, dj = 0): number => {
    const y = Float64Array.from(base);
    y[i] += di;
    if (j >= 0) y[j] += dj;
    return f(y);
  };
  for (let j = 0; j < n; j++) {
    const fadd = at(j, delta);
    const fsub = at(j, -delta);
    H[j * n + j] = fadd / (delta * delta) - (2 * fx) / (delta * delta) + fsub / (delta * delta);
    g[j] = (fadd - fsub) / (2 * delta);
    for (let i = 0; i < j; i++) {
      const faa = at(i, delta, j, delta);
      const fas = at(i, delta, j, -delta);
      const fsa = at(i, -delta, j, delta);
      const fss = at(i, -delta, j, -delta);
      const h = (faa - fas - fsa + fss) / (4 * delta * delta);
      H[i * n + j] = h;
      H[j * n + i] = h;
    }
  }
  return { gradient: g, hessian: H };
}

export interface ConvergenceCheck {
  readonly singular: boolean;
  /** Texts lme4 emits with message(). */
  readonly messages: readonly string[];
  /** Texts lme4 emits with warning(). */
  readonly warnings: readonly string[];
}

export const SINGULAR_MESSAGE = "boundary (singular) fit: see help('isSingular')";

/**
 * lme4's checkConv for an lmer fit: singular if a θ with lower bound 0 is below 1e-4 (and then
 * nothing else is checked); otherwise the scaled gradient (tol 0.002) and the Hessian (tol 1e-6).
 */
export function checkConvergence(derivs: Derivatives | null, theta: ArrayLike<number>, lower: ArrayLike<number>): ConvergenceCheck {
  const n = theta.length;
  let singular = false;
  for (let i = 0; i < n; i++) if (lower[i] === 0 && theta[i] < 1e-4) singular = true;
  if (singular) return { singular, messages: [SINGULAR_MESSAGE], warnings: [] };
  if (!derivs) return { singular, messages: [], warnings: [] };
  const { gradient: g, hessian: H } = derivs;
  if ([...g].some((v) => Number.isNaN(v))) return { singular, messages: [], warnings: [] };
  const warnings: string[] = [];
  const gradTol = 0.002;
  const R = choleskyUpper(H, n);
  if (!R || [...R].some((v) => Number.isNaN(v))) {
    warnings.push('unable to evaluate scaled gradient');
  } else {
    const sc = solveUpper(R, n, g);
    let maxmin = -Infinity;
    for (let i = 0; i < n; i++) maxmin = Math.max(maxmin, Math.min(Math.abs(sc[i]), Math.abs(g[i])));
    if (Number.isNaN(sc[0]) || maxmin > gradTol) {
      // lme4 reports component which.max of a single number, i.e. always 1.
      warnings.push(`Model failed to converge with max|grad| = ${formatG(maxmin)} (tol = ${formatG(gradTol)}, component 1)`);
    }
  }
  const hess = checkHessian(H, n, 1e-6);
  if (hess.length > 0) warnings.push(hess.join(';'));
  return { singular, messages: [], warnings };
}

/** lme4's checkHess texts for the full Hessian (hesstype ""). */
function checkHessian(H: Float64Array, n: number, tol: number): string[] {
  const ev = symmetricEigenvalues(H, n);
  if (ev.some((v) => !Number.isFinite(v))) return ['Problem with Hessian check (infinite or missing values?)'];
  const negative = ev.filter((v) => v < -tol).length;
  if (negative > 0) return [`Model failed to converge: degenerate  Hessian with ${negative} negative eigenvalues`];
  const zero = ev.filter((v) => Math.abs(v) < tol).length;
  if (zero > 0 || !choleskyUpper(H, n)) {
    return [' Hessian is numerically singular: parameters are not uniquely determined'];
  }
  const out: string[] = [];
  const max = Math.max(...ev);
  const min = Math.min(...ev);
  if (max * tol > 1) out.push('Model is nearly unidentifiable: very large eigenvalue\n - Rescale variables?');
  if (min / max < tol) out.push('Model is nearly unidentifiable: large eigenvalue ratio\n - Rescale variables?');
  return out;
}

/** Upper-triangular R with RᵀR = H (R's chol), or null when H is not positive definite. */
function choleskyUpper(H: Float64Array, n: number): Float64Array | null {
  const R = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = H[j * n + j];
    for (let k = 0; k < j; k++) d -= R[k * n + j] * R[k * n + j];
    if (!(d > 0)) return null;
    const rjj = Math.sqrt(d);
    R[j * n + j] = rjj;
    for (let i = j + 1; i < n; i++) {
      let s = H[j * n + i];
      for (let k = 0; k < j; k++) s -= R[k * n + j] * R[k * n + i];
      R[j * n + i] = s / rjj;
    }
  }
  return R;
}

function solveUpper(R: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= R[i * n + k] * x[k];
    x[i] = s / R[i * n + i];
  }
  return x;
}

/** Eigenvalues of a small symmetric matrix (cyclic Jacobi rotations). */
export function symmetricEigenvalues(H: Float64Array, n: number): number[] {
  const a = Float64Array.from(H);
  if (a.some((v) => !Number.isFinite(v))) return new Array<number>(n).fill(NaN);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) off += a[i * n + j] * a[i * n + j];
    if (off === 0) break;
    let scale = 0;
    for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]));
    if (Math.sqrt(off) <= 1e-15 * scale) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const ev: number[] = [];
  for (let i = 0; i < n; i++) ev.push(a[i * n + i]);
  return ev.sort((x, y) => y - x);
}

/** C's printf("%g") (6 significant digits, trailing zeros removed), as R's gettextf prints. */
export function formatG(x: number, precision = 6): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  if (x === 0) return '0';
  const P = precision;
  const exp = Number(x.toExponential(P - 1).split('e')[1]);
  if (exp < P && exp >= -4) {
    let s = x.toFixed(Math.max(0, P - 1 - exp));
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
    return s;
  }
  let [mant, e] = x.toExponential(P - 1).split('e');
  if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
  const ev = Number(e);
  return `${mant}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
}
