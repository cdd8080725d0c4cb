/**
 * BOBYQA: bound-constrained optimization by quadratic approximation, without derivatives
 * (M. J. D. Powell, "The BOBYQA algorithm for bound constrained optimization without
 * derivatives", Cambridge report DAMTP 2009/NA06), written for lmer2jags.
 *
 * The objective is modelled by a quadratic that interpolates it at npt = 2n+1 points; the model's
 * freedom is taken up by least change of its Hessian in the Frobenius norm. Each iteration
 * either minimizes the model in a trust region intersected with the bounds (truncated conjugate
 * gradients, then 2-D rotations on the trust-region boundary), or moves an interpolation point
 * that is far away to keep the interpolation system well conditioned. The inverse of the
 * interpolation system is kept in factored form (BMAT, ZMAT·ZMATᵀ) and updated after each move.
 *
 * Settings follow NLopt's driver of the algorithm as lme4 calls it through nloptr: the initial
 * step per variable is NLopt's default heuristic (¾ of the distance to a finite bound, 1 for an
 * unbounded variable at 0), variables are rescaled so that all initial steps are equal, ρ_beg is
 * that common step and ρ_end = max(xtol_rel·ρ_beg, xtol_abs / scale); the run also stops when an
 * improvement of f is smaller than ftol_abs.
 */
import { assert } from '../errors.js';

export type BobyqaStatus = 'success' | 'ftol' | 'xtol' | 'maxeval' | 'roundoff' | 'invalid';

export interface BobyqaOptions {
  readonly lower: ArrayLike<number>;
  readonly upper?: ArrayLike<number>;
  /** Absolute tolerance on x (NLopt xtol_abs); lme4: 1e-8. */
  readonly xtolAbs?: number;
  /** Relative tolerance on x (NLopt xtol_rel); nloptr's default 1e-4. */
  readonly xtolRel?: number;
  /** Absolute tolerance on f (NLopt ftol_abs); lme4: 1e-8. */
  readonly ftolAbs?: number;
  readonly ftolRel?: number;
  /** Maximum number of evaluations; lme4: 1e5. */
  readonly maxEval?: number;
  /** Initial steps; NLopt's heuristic when absent. */
  readonly initialStep?: ArrayLike<number>;
}

export interface BobyqaResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly evaluations: number;
  readonly status: BobyqaStatus;
  /** NLopt's numeric return code (1 success, 3 ftol, 4 xtol, 5 maxeval, −4 roundoff, −2 invalid). */
  readonly code: number;
  readonly message: string;
}

const MESSAGES: Record<BobyqaStatus, [number, string]> = {
  success: [1, 'NLOPT_SUCCESS: Generic success return value.'],
  ftol: [3, 'NLOPT_FTOL_REACHED: Optimization stopped because ftol_rel or ftol_abs (above) was reached.'],
  xtol: [4, 'NLOPT_XTOL_REACHED: Optimization stopped because xtol_rel or xtol_abs (above) was reached.'],
  maxeval: [5, 'NLOPT_MAXEVAL_REACHED: Optimization stopped because maxeval (above) was reached.'],
  roundoff: [-4, 'NLOPT_ROUNDOFF_LIMITED: Roundoff errors led to a breakdown of the optimization algorithm.'],
  invalid: [-2, 'NLOPT_INVALID_ARGS: Invalid arguments (e.g. lower bounds are bigger than upper bounds).'],
};

/** NLopt's default initial step for derivative-free methods. */
export function defaultInitialStep(x: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>): Float64Array {
  const n = x.length;
  const dx = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lb = lower[i];
    const ub = upper[i];
    const xi = x[i];
    let step = Infinity;
    if (Number.isFinite(ub) && Number.isFinite(lb) && (ub - lb) * 0.25 < step && ub > lb) step = (ub - lb) * 0.25;
    if (Number.isFinite(ub) && ub - xi < step && ub > xi) step = (ub - xi) * 0.75;
    if (Number.isFinite(lb) && xi - lb < step && xi > lb) step = (xi - lb) * 0.75;
    if (!Number.isFinite(step)) {
      if (Number.isFinite(ub) && Math.abs(ub - xi) < Math.abs(step)) step = (ub - xi) * 1.1;
      if (Number.isFinite(lb) && Math.abs(xi - lb) < Math.abs(step)) step = (xi - lb) * 1.1;
    }
    if (!Number.isFinite(step) || Math.abs(step) < 1e-300) step = xi;
    if (!Number.isFinite(step) || step === 0) step = 1;
    dx[i] = step;
  }
  return dx;
}

class StopError extends Error {
  constructor(readonly status: BobyqaStatus) {
    super(status);
  }
}

/** Minimize f over lower ≤ x ≤ upper from x0. */
export function bobyqa(f: (x: Float64Array) => number, x0: ArrayLike<number>, options: BobyqaOptions): BobyqaResult {
  const n = x0.length;
  assert(n >= 1, 'bobyqa needs at least one variable');
  const lower = Float64Array.from(options.lower);
  const upper = options.upper ? Float64Array.from(options.upper) : new Float64Array(n).fill(Infinity);
  const x = Float64Array.from(x0);
  for (let i = 0; i < n; i++) {
    if (!(lower[i] <= upper[i]) || x[i] < lower[i] || x[i] > upper[i]) return invalid(x, f);
  }
  const dx = options.initialStep ? Float64Array.from(options.initialStep) : defaultInitialStep(x, lower, upper);
  // Rescale so that every initial step equals dx[0].
  const scale = new Float64Array(n).fill(1);
  if (n > 1 && dx.some((v) => v !== dx[0])) for (let i = 1; i < n; i++) scale[i] = dx[i] / dx[0];
  for (let i = 0; i < n; i++) if (scale[i] === 0 || !Number.isFinite(scale[i])) return invalid(x, f);
  const xs = new Float64Array(n);
  const xl = new Float64Array(n);
  const xu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = x[i] / scale[i];
    let a = lower[i] / scale[i];
    let b = upper[i] / scale[i];
    if (a > b) [a, b] = [b, a];
    xl[i] = a;
    xu[i] = b;
  }
  const rhobeg = Math.abs(dx[0] / scale[0]);
  let rhoend = (options.xtolRel ?? 1e-4) * rhobeg;
  const xtolAbs = options.xtolAbs ?? 0;
  for (let i = 0; i < n; i++) rhoend = Math.max(rhoend, xtolAbs / Math.abs(scale[i]));
  const solver = new Bobyqa(n, xl, xu, rhobeg, rhoend, scale, f, {
    ftolAbs: options.ftolAbs ?? 0,
    ftolRel: options.ftolRel ?? 0,
    maxEval: options.maxEval ?? 100000,
  });
  return solver.run(xs);
}

function invalid(x: Float64Array, f: (x: Float64Array) => number): BobyqaResult {
  const [code, message] = MESSAGES.invalid;
  return { x, f: f(x), evaluations: 1, status: 'invalid', code, message };
}

/** packed index of the symmetric element (i, j), i ≤ j. */
function hqIndex(i: number, j: number): number {
  return i <= j ? (j * (j + 1)) / 2 + i : (i * (i + 1)) / 2 + j;
}

class Bobyqa {
  private readonly npt: number;
  private readonly nptm: number;
  private readonly ndim: number;
  // Interpolation data (coordinates relative to xbase, all in scaled variables).
  private readonly xbase: Float64Array;
  private readonly xpt: Float64Array; // npt × n
  private readonly fval: Float64Array;
  private readonly xopt: Float64Array;
  private readonly gopt: Float64Array;
  private readonly hq: Float64Array; // packed n(n+1)/2
  private readonly pq: Float64Array;
  private readonly bmat: Float64Array; // ndim × n
  private readonly zmat: Float64Array; // npt × nptm
  private readonly sl: Float64Array;
  private readonly su: Float64Array;
  private readonly xnew: Float64Array;
  private readonly xalt: Float64Array;
  private readonly d: Float64Array;
  private readonly vlag: Float64Array;
  private readonly gnew: Float64Array;
  // Work vectors.
  private readonly xbdi: Float64Array;
  private readonly sv: Float64Array;
  private readonly hs: Float64Array;
  private readonly hred: Float64Array;
  private readonly glag: Float64Array;
  private readonly hcol: Float64Array;
  private readonly wcauchy: Float64Array;
  private readonly wk: Float64Array;
  private readonly wn: Float64Array;
  private readonly wa: Float64Array;
  private readonly wb: Float64Array;
  private readonly wu: Float64Array;
  private readonly ptsaux: Float64Array; // 2 × n: row 0 then row 1
  private readonly ptsid: Float64Array;
  private readonly wr: Float64Array;
  private readonly xeval: Float64Array;
  private readonly xuser: Float64Array;
  private kopt = 0;
  private nevals = 0;
  private prelimDone = false;

  constructor(
    private readonly n: number,
    private readonly xl: Float64Array,
    private readonly xu: Float64Array,
    private readonly rhobeg: number,
    private readonly rhoend: number,
    private readonly scale: Float64Array,
    private readonly fn: (x: Float64Array) => number,
    private readonly stop: { ftolAbs: number; ftolRel: number; maxEval: number },
  ) {
    const npt = 2 * n + 1;
    this.npt = npt;
    this.nptm = npt - n - 1;
    this.ndim = npt + n;
    this.xbase = new Float64Array(n);
    this.xpt = new Float64Array(npt * n);
    this.fval = new Float64Array(npt);
    this.xopt = new Float64Array(n);
    this.gopt = new Float64Array(n);
    this.hq = new Float64Array((n * (n + 1)) / 2);
    this.pq = new Float64Array(npt);
    this.bmat = new Float64Array(this.ndim * n);
    this.zmat = new Float64Array(npt * this.nptm);
    this.sl = new Float64Array(n);
    this.su = new Float64Array(n);
    this.xnew = new Float64Array(n);
    this.xalt = new Float64Array(n);
    this.d = new Float64Array(n);
    this.vlag = new Float64Array(this.ndim);
    this.gnew = new Float64Array(n);
    this.xbdi = new Float64Array(n);
    this.sv = new Float64Array(n);
    this.hs = new Float64Array(n);
    this.hred = new Float64Array(n);
    this.glag = new Float64Array(n);
    this.hcol = new Float64Array(npt);
    this.wcauchy = new Float64Array(2 * n);
    this.wk = new Float64Array(npt);
    this.wn = new Float64Array(npt);
    this.wa = new Float64Array(Math.max(npt, n));
    this.wb = new Float64Array(Math.max(npt, n));
    this.wu = new Float64Array(this.ndim);
    this.ptsaux = new Float64Array(2 * n);
    this.ptsid = new Float64Array(npt);
    this.wr = new Float64Array(this.ndim + npt);
    this.xeval = new Float64Array(n);
    this.xuser = new Float64Array(n);
  }

  /** f at scaled x (the point is first pushed onto the bounds it touches). */
  private evaluateAt(offsetFromBase: Float64Array, off: number): number {
    if (this.nevals >= this.stop.maxEval) throw new StopError('maxeval');
    const n = this.n;
    for (let i = 0; i < n; i++) {
      const rel = offsetFromBase[off + i];
      let v = Math.min(Math.max(this.xl[i], this.xbase[i] + rel), this.xu[i]);
      if (rel === this.sl[i]) v = this.xl[i];
      if (rel === this.su[i]) v = this.xu[i];
      this.xeval[i] = v;
      this.xuser[i] = v * this.scale[i];
    }
    this.nevals++;
    const f = this.fn(this.xuser);
    if (Number.isNaN(f)) throw new StopError('roundoff');
    return f;
  }

  run(x: Float64Array): BobyqaResult {
    const { n, rhobeg } = this;
    // Keep the starting point away from the bounds by at least ρ_beg, or on them.
    for (let j = 0; j < n; j++) {
      const temp = this.xu[j] - this.xl[j];
      if (temp < rhobeg + rhobeg) {
        const [code, message] = MESSAGES.invalid;
        return { x: this.unscale(x), f: NaN, evaluations: 0, status: 'invalid', code, message };
      }
      this.sl[j] = this.xl[j] - x[j];
      this.su[j] = this.xu[j] - x[j];
      if (this.sl[j] >= -rhobeg) {
        if (this.sl[j] >= 0) {
          x[j] = this.xl[j];
          this.sl[j] = 0;
          this.su[j] = temp;
        } else {
          x[j] = this.xl[j] + rhobeg;
          this.sl[j] = -rhobeg;
          this.su[j] = Math.max(this.xu[j] - x[j], rhobeg);
        }
      } else if (this.su[j] <= rhobeg) {
        if (this.su[j] <= 0) {
          x[j] = this.xu[j];
          this.sl[j] = -temp;
          this.su[j] = 0;
        } else {
          x[j] = this.xu[j] - rhobeg;
          this.sl[j] = Math.min(this.xl[j] - x[j], -rhobeg);
          this.su[j] = rhobeg;
        }
      }
    }
    let status: BobyqaStatus = 'success';
    let early: { x: Float64Array; f: number } | undefined;
    try {
      const r = this.main(x);
      status = r.status;
      early = r.early;
    } catch (e) {
      if (e instanceof StopError) status = e.status;
      else throw e;
      if (!this.prelimDone) for (let i = 0; i < n; i++) this.xopt[i] = this.xpt[this.kopt * n + i];
    }
    const [code, message] = MESSAGES[status];
    if (early) return { x: early.x, f: early.f, evaluations: this.nevals, status, code, message };
    // The best point found, pushed exactly onto touched bounds.
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let v = Math.min(Math.max(this.xl[i], this.xbase[i] + this.xopt[i]), this.xu[i]);
      if (this.xopt[i] === this.sl[i]) v = this.xl[i];
      if (this.xopt[i] === this.su[i]) v = this.xu[i];
      out[i] = v;
    }
    return { x: this.unscale(out), f: this.fval[this.kopt], evaluations: this.nevals, status, code, message };
  }

  private unscale(x: Float64Array): Float64Array {
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = x[i] * this.scale[i];
    return out;
  }

  /** The first 2n+1 points: the start and ±ρ_beg along each coordinate; the initial model. */
  private prelim(x: Float64Array): void {
    const { n, npt, rhobeg, xpt, bmat, zmat, fval, gopt, hq, sl, su } = this;
    const nptm = this.nptm;
    const rhosq = rhobeg * rhobeg;
    this.xbase.set(x);
    xpt.fill(0);
    bmat.fill(0);
    hq.fill(0);
    this.pq.fill(0);
    zmat.fill(0);
    let fbeg = 0;
    let stepa = 0;
    let stepb = 0;
    for (let k = 0; k < npt; k++) {
      if (k >= 1 && k <= n) {
        const i = k - 1;
        stepa = su[i] === 0 ? -rhobeg : rhobeg;
        xpt[k * n + i] = stepa;
      } else if (k > n) {
        const i = k - n - 1;
        stepa = xpt[(k - n) * n + i];
        stepb = -rhobeg;
        if (sl[i] === 0) stepb = Math.min(2 * rhobeg, su[i]);
        if (su[i] === 0) stepb = Math.max(-2 * rhobeg, sl[i]);
        xpt[k * n + i] = stepb;
      }
      const f = this.evaluateAt(xpt, k * n);
      fval[k] = f;
      if (k === 0) {
        fbeg = f;
        this.kopt = 0;
      } else if (f < fval[this.kopt]) {
        this.kopt = k;
      }
      if (k >= 1 && k <= n) {
        gopt[k - 1] = (f - fbeg) / stepa;
      } else if (k > n) {
        const i = k - n - 1;
        const ih = hqIndex(i, i);
        const temp = (f - fbeg) / stepb;
        const diff = stepb - stepa;
        hq[ih] = (2 * (temp - gopt[i])) / diff;
        gopt[i] = (gopt[i] * stepb - temp * stepa) / diff;
        if (stepa * stepb < 0 && f < fval[k - n]) {
          fval[k] = fval[k - n];
          fval[k - n] = f;
          if (this.kopt === k) this.kopt = k - n;
          xpt[(k - n) * n + i] = stepb;
          xpt[k * n + i] = stepa;
        }
        bmat[0 * n + i] = -(stepa + stepb) / (stepa * stepb);
        bmat[k * n + i] = -0.5 / xpt[(k - n) * n + i];
        bmat[(k - n) * n + i] = -bmat[i] - bmat[k * n + i];
        zmat[0 * nptm + i] = Math.SQRT2 / (stepa * stepb);
        zmat[k * nptm + i] = Math.SQRT1_2 / rhosq;
        zmat[(k - n) * nptm + i] = -zmat[i] - zmat[k * nptm + i];
      }
    }
  }

  /** H·s for the model's Hessian (explicit part hq plus implicit part Σ pq_k x_k x_kᵀ). */
  private hessTimes(s: Float64Array, out: Float64Array): void {
    const { n, npt, hq, pq, xpt } = this;
    out.fill(0);
    let ih = 0;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i <= j; i++) {
        if (i < j) out[j] += hq[ih] * s[i];
        out[i] += hq[ih] * s[j];
        ih++;
      }
    }
    for (let k = 0; k < npt; k++) {
      if (pq[k] === 0) continue;
      let temp = 0;
      for (let j = 0; j < n; j++) temp += xpt[k * n + j] * s[j];
      temp *= pq[k];
      for (let i = 0; i < n; i++) out[i] += temp * xpt[k * n + i];
    }
  }

  /**
   * Approximately minimize the model within ‖d‖ ≤ Δ and the bounds. Sets xnew, d, gnew;
   * returns ‖d‖² and the least curvature seen (0 when the step reaches the boundary, −1 when
   * every search was constrained).
   */
  private trsbox(delta: number): { dsq: number; crvmin: number } {
    const { n, xopt, gopt, sl, su, xnew, d, gnew, xbdi, sv: s, hs, hred } = this;
    let iterc = 0;
    let nact = 0;
    for (let i = 0; i < n; i++) {
      xbdi[i] = 0;
      if (xopt[i] <= sl[i]) {
        if (gopt[i] >= 0) xbdi[i] = -1;
      } else if (xopt[i] >= su[i]) {
        if (gopt[i] <= 0) xbdi[i] = 1;
      }
      if (xbdi[i] !== 0) nact++;
      d[i] = 0;
      gnew[i] = gopt[i];
    }
    let delsq = delta * delta;
    let qred = 0;
    let crvmin = -1;
    let beta = 0;
    let gredsq = 0;
    let itermax = 0;
    let ggsav = 0;

    // Truncated conjugate gradients; a restart (beta = 0) whenever a bound becomes active.
    let phase: 'cg' | 'alt' | 'done' = 'cg';
    cg: while (phase === 'cg') {
      let stepsq = 0;
      for (let i = 0; i < n; i++) {
        if (xbdi[i] !== 0) s[i] = 0;
        else if (beta === 0) s[i] = -gnew[i];
        else s[i] = beta * s[i] - gnew[i];
        stepsq += s[i] * s[i];
      }
      if (stepsq === 0) {
        phase = 'done';
        break;
      }
      if (beta === 0) {
        gredsq = stepsq;
        itermax = iterc + n - nact;
      }
      if (gredsq * delsq <= 1e-4 * qred * qred) {
        phase = 'done';
        break;
      }
      this.hessTimes(s, hs);
      let resid = delsq;
      let ds = 0;
      let shs = 0;
      for (let i = 0; i < n; i++) {
        if (xbdi[i] === 0) {
          resid -= d[i] * d[i];
          ds += s[i] * d[i];
          shs += s[i] * hs[i];
        }
      }
      if (resid <= 0) {
        phase = 'alt';
        break;
      }
      const temp0 = Math.sqrt(stepsq * resid + ds * ds);
      const blen = ds < 0 ? (temp0 - ds) / stepsq : resid / (temp0 + ds);
      let stplen = blen;
      if (shs > 0) stplen = Math.min(blen, gredsq / shs);
      let iact = -1;
      for (let i = 0; i < n; i++) {
        if (s[i] !== 0) {
          const xsum = xopt[i] + d[i];
          const temp = s[i] > 0 ? (su[i] - xsum) / s[i] : (sl[i] - xsum) / s[i];
          if (temp < stplen) {
            stplen = temp;
            iact = i;
          }
        }
      }
      let sdec = 0;
      if (stplen > 0) {
        iterc++;
        const temp = shs / stepsq;
        if (iact < 0 && temp > 0) {
          crvmin = Math.min(crvmin, temp);
          if (crvmin === -1) crvmin = temp;
        }
        ggsav = gredsq;
        gredsq = 0;
        for (let i = 0; i < n; i++) {
          gnew[i] += stplen * hs[i];
          if (xbdi[i] === 0) gredsq += gnew[i] * gnew[i];
          d[i] += stplen * s[i];
        }
        sdec = Math.max(stplen * (ggsav - 0.5 * stplen * shs), 0);
        qred += sdec;
      }
      if (iact >= 0) {
        nact++;
        xbdi[iact] = s[iact] < 0 ? -1 : 1;
        delsq -= d[iact] * d[iact];
        if (delsq <= 0) {
          phase = 'alt';
          break;
        }
        beta = 0;
        continue cg;
      }
      if (stplen < blen) {
        if (iterc === itermax || sdec <= 0.01 * qred) {
          phase = 'done';
          break;
        }
        beta = gredsq / ggsav;
        continue cg;
      }
      phase = 'alt';
    }

    if (phase === 'alt') {
      crvmin = 0;
      // Rotations of d within the trust-region boundary, in the plane of d and the gradient.
      let dredsq = 0;
      let dredg = 0;
      let sredg = 0;
      let restart = true;
      alt: for (;;) {
        if (restart) {
          if (nact >= n - 1) break alt;
          dredsq = 0;
          dredg = 0;
          gredsq = 0;
          for (let i = 0; i < n; i++) {
            if (xbdi[i] === 0) {
              dredsq += d[i] * d[i];
              dredg += d[i] * gnew[i];
              gredsq += gnew[i] * gnew[i];
              s[i] = d[i];
            } else s[i] = 0;
          }
          this.hessTimes(s, hs);
          hred.set(hs);
          restart = false;
        }
        iterc++;
        let temp = gredsq * dredsq - dredg * dredg;
        if (temp <= 1e-4 * qred * qred) break alt;
        temp = Math.sqrt(temp);
        for (let i = 0; i < n; i++) s[i] = xbdi[i] === 0 ? (dredg * d[i] - dredsq * gnew[i]) / temp : 0;
        sredg = -temp;
        let angbd = 1;
        let iact = -1;
        let xsav = 0;
        for (let i = 0; i < n; i++) {
          if (xbdi[i] !== 0) continue;
          const tempa = xopt[i] + d[i] - sl[i];
          const tempb = su[i] - xopt[i] - d[i];
          if (tempa <= 0) {
            nact++;
            xbdi[i] = -1;
            restart = true;
            continue alt;
          } else if (tempb <= 0) {
            nact++;
            xbdi[i] = 1;
            restart = true;
            continue alt;
          }
          const ssq = d[i] * d[i] + s[i] * s[i];
          let t = ssq - (xopt[i] - sl[i]) * (xopt[i] - sl[i]);
          if (t > 0) {
            t = Math.sqrt(t) - s[i];
            if (angbd * t > tempa) {
              angbd = tempa / t;
              iact = i;
              xsav = -1;
            }
          }
          t = ssq - (su[i] - xopt[i]) * (su[i] - xopt[i]);
          if (t > 0) {
            t = Math.sqrt(t) + s[i];
            if (angbd * t > tempb) {
              angbd = tempb / t;
              iact = i;
              xsav = 1;
            }
          }
        }
        this.hessTimes(s, hs);
        let shs = 0;
        let dhs = 0;
        let dhd = 0;
        for (let i = 0; i < n; i++) {
          if (xbdi[i] === 0) {
            shs += s[i] * hs[i];
            dhs += d[i] * hs[i];
            dhd += d[i] * hred[i];
          }
        }
        // Largest reduction over equally spaced tangents of the half angle in [0, angbd].
        let redmax = 0;
        let isav = 0;
        let redsav = 0;
        let rdprev = 0;
        let rdnext = 0;
        const iu = Math.trunc(angbd * 17 + 3.1);
        let angt = 0;
        for (let k = 1; k <= iu; k++) {
          angt = (angbd * k) / iu;
          const sth = (angt + angt) / (1 + angt * angt);
          const tq = shs + angt * (angt * dhd - dhs - dhs);
          const rednew = sth * (angt * dredg - sredg - 0.5 * sth * tq);
          if (rednew > redmax) {
            redmax = rednew;
            isav = k;
            rdprev = redsav;
          } else if (k === isav + 1) {
            rdnext = rednew;
          }
          redsav = rednew;
        }
        if (isav === 0) break alt;
        if (isav < iu) {
          const tq = (rdnext - rdprev) / (redmax + redmax - rdprev - rdnext);
          angt = (angbd * (isav + 0.5 * tq)) / iu;
        } else {
          angt = angbd;
        }
        const cth = (1 - angt * angt) / (1 + angt * angt);
        const sth = (angt + angt) / (1 + angt * angt);
        const tq = shs + angt * (angt * dhd - dhs - dhs);
        const sdec = sth * (angt * dredg - sredg - 0.5 * sth * tq);
        if (sdec <= 0) break alt;
        dredg = 0;
        gredsq = 0;
        for (let i = 0; i < n; i++) {
          gnew[i] = gnew[i] + (cth - 1) * hred[i] + sth * hs[i];
          if (xbdi[i] === 0) {
            d[i] = cth * d[i] + sth * s[i];
            dredg += d[i] * gnew[i];
            gredsq += gnew[i] * gnew[i];
          }
          hred[i] = cth * hred[i] + sth * hs[i];
        }
        qred += sdec;
        if (iact >= 0 && isav === iu) {
          nact++;
          xbdi[iact] = xsav;
          restart = true;
          continue alt;
        }
        if (sdec > 0.01 * qred) continue alt;
        break alt;
      }
    }

    let dsq = 0;
    for (let i = 0; i < n; i++) {
      let v = Math.max(Math.min(xopt[i] + d[i], su[i]), sl[i]);
      if (xbdi[i] === -1) v = sl[i];
      if (xbdi[i] === 1) v = su[i];
      xnew[i] = v;
      d[i] = v - xopt[i];
      dsq += d[i] * d[i];
    }
    return { dsq, crvmin };
  }

  /**
   * A new position for interpolation point knew within distance adelt of xopt: xnew on a line
   * through xopt and another point (large denominator), and xalt, a constrained Cauchy step of
   * the knew-th Lagrange function. Returns alpha (H's knew-th diagonal) and cauchy.
   */
  private altmov(knew: number, adelt: number): { alpha: number; cauchy: number } {
    const { n, npt, nptm, xpt, xopt, bmat, zmat, sl, su, xnew, xalt, glag, hcol } = this;
    const w = this.wcauchy;
    const kopt = this.kopt;
    const konst = 1 + Math.SQRT2;
    for (let k = 0; k < npt; k++) hcol[k] = 0;
    for (let j = 0; j < nptm; j++) {
      const temp = zmat[knew * nptm + j];
      for (let k = 0; k < npt; k++) hcol[k] += temp * zmat[k * nptm + j];
    }
    const alpha = hcol[knew];
    const ha = 0.5 * alpha;
    for (let i = 0; i < n; i++) glag[i] = bmat[knew * n + i];
    for (let k = 0; k < npt; k++) {
      let temp = 0;
      for (let j = 0; j < n; j++) temp += xpt[k * n + j] * xopt[j];
      temp *= hcol[k];
      for (let i = 0; i < n; i++) glag[i] += temp * xpt[k * n + i];
    }
    // Lines through xopt and each other interpolation point.
    let presav = 0;
    let ksav = -1;
    let stpsav = 0;
    let ibdsav = 0;
    let step = 0;
    for (let k = 0; k < npt; k++) {
      if (k === kopt) continue;
      let dderiv = 0;
      let distsq = 0;
      for (let i = 0; i < n; i++) {
        const temp = xpt[k * n + i] - xopt[i];
        dderiv += glag[i] * temp;
        distsq += temp * temp;
      }
      let subd = adelt / Math.sqrt(distsq);
      let slbd = -subd;
      let ilbd = 0;
      let iubd = 0;
      const sumin = Math.min(1, subd);
      for (let i = 0; i < n; i++) {
        const temp = xpt[k * n + i] - xopt[i];
        if (temp > 0) {
          if (slbd * temp < sl[i] - xopt[i]) {
            slbd = (sl[i] - xopt[i]) / temp;
            ilbd = -(i + 1);
          }
          if (subd * temp > su[i] - xopt[i]) {
            subd = Math.max(sumin, (su[i] - xopt[i]) / temp);
            iubd = i + 1;
          }
        } else if (temp < 0) {
          if (slbd * temp > su[i] - xopt[i]) {
            slbd = (su[i] - xopt[i]) / temp;
            ilbd = i + 1;
          }
          if (subd * temp < sl[i] - xopt[i]) {
            subd = Math.max(sumin, (sl[i] - xopt[i]) / temp);
            iubd = -(i + 1);
          }
        }
      }
      let vlag: number;
      let isbd: number;
      if (k === knew) {
        const diff = dderiv - 1;
        step = slbd;
        vlag = slbd * (dderiv - slbd * diff);
        isbd = ilbd;
        const temp = subd * (dderiv - subd * diff);
        if (Math.abs(temp) > Math.abs(vlag)) {
          step = subd;
          vlag = temp;
          isbd = iubd;
        }
        const tempd = 0.5 * dderiv;
        const tempa = tempd - diff * slbd;
        const tempb = tempd - diff * subd;
        if (tempa * tempb < 0) {
          const t = (tempd * tempd) / diff;
          if (Math.abs(t) > Math.abs(vlag)) {
            step = tempd / diff;
            vlag = t;
            isbd = 0;
          }
        }
      } else {
        step = slbd;
        vlag = slbd * (1 - slbd);
        isbd = ilbd;
        const temp = subd * (1 - subd);
        if (Math.abs(temp) > Math.abs(vlag)) {
          step = subd;
          vlag = temp;
          isbd = iubd;
        }
        if (subd > 0.5 && Math.abs(vlag) < 0.25) {
          step = 0.5;
          vlag = 0.25;
          isbd = 0;
        }
        vlag *= dderiv;
      }
      const temp = step * (1 - step) * distsq;
      const predsq = vlag * vlag * (vlag * vlag + ha * temp * temp);
      if (predsq > presav) {
        presav = predsq;
        ksav = k;
        stpsav = step;
        ibdsav = isbd;
      }
    }
    if (ksav < 0) ksav = knew;
    for (let i = 0; i < n; i++) {
      const temp = xopt[i] + stpsav * (xpt[ksav * n + i] - xopt[i]);
      xnew[i] = Math.max(sl[i], Math.min(su[i], temp));
    }
    if (ibdsav < 0) xnew[-ibdsav - 1] = sl[-ibdsav - 1];
    if (ibdsav > 0) xnew[ibdsav - 1] = su[ibdsav - 1];

    // Constrained Cauchy steps of the Lagrange function, uphill and downhill.
    const bigstp = adelt + adelt;
    let iflag = 0;
    let cauchy = 0;
    let csave = 0;
    for (;;) {
      let wfixsq = 0;
      let ggfree = 0;
      for (let i = 0; i < n; i++) {
        w[i] = 0;
        const tempa = Math.min(xopt[i] - sl[i], glag[i]);
        const tempb = Math.max(xopt[i] - su[i], glag[i]);
        if (tempa > 0 || tempb < 0) {
          w[i] = bigstp;
          ggfree += glag[i] * glag[i];
        }
      }
      if (ggfree === 0) return { alpha, cauchy: 0 };
      for (;;) {
        const temp = adelt * adelt - wfixsq;
        if (!(temp > 0)) break;
        const wsqsav = wfixsq;
        step = Math.sqrt(temp / ggfree);
        ggfree = 0;
        for (let i = 0; i < n; i++) {
          if (w[i] === bigstp) {
            const t = xopt[i] - step * glag[i];
            if (t <= sl[i]) {
              w[i] = sl[i] - xopt[i];
              wfixsq += w[i] * w[i];
            } else if (t >= su[i]) {
              w[i] = su[i] - xopt[i];
              wfixsq += w[i] * w[i];
            } else {
              ggfree += glag[i] * glag[i];
            }
          }
        }
        if (!(wfixsq > wsqsav && ggfree > 0)) break;
      }
      let gw = 0;
      for (let i = 0; i < n; i++) {
        if (w[i] === bigstp) {
          w[i] = -step * glag[i];
          xalt[i] = Math.max(sl[i], Math.min(su[i], xopt[i] + w[i]));
        } else if (w[i] === 0) {
          xalt[i] = xopt[i];
        } else if (glag[i] > 0) {
          xalt[i] = sl[i];
        } else {
          xalt[i] = su[i];
        }
        gw += glag[i] * w[i];
      }
      let curv = 0;
      for (let k = 0; k < npt; k++) {
        let temp = 0;
        for (let j = 0; j < n; j++) temp += xpt[k * n + j] * w[j];
        curv += hcol[k] * temp * temp;
      }
      if (iflag === 1) curv = -curv;
      if (curv > -gw && curv < -konst * gw) {
        const sc = -gw / curv;
        for (let i = 0; i < n; i++) xalt[i] = Math.max(sl[i], Math.min(su[i], xopt[i] + sc * w[i]));
        cauchy = (0.5 * gw * sc) ** 2;
      } else {
        cauchy = (gw + 0.5 * curv) ** 2;
      }
      if (iflag === 0) {
        for (let i = 0; i < n; i++) {
          glag[i] = -glag[i];
          w[n + i] = xalt[i];
        }
        csave = cauchy;
        iflag = 1;
        continue;
      }
      if (csave > cauchy) {
        for (let i = 0; i < n; i++) xalt[i] = w[n + i];
        cauchy = csave;
      }
      return { alpha, cauchy };
    }
  }

  /** Update BMAT and ZMAT for the replacement of point knew (VLAG, BETA, DENOM as computed). */
  private update(knew: number, beta: number, denom: number): void {
    const { n, npt, nptm, bmat, zmat, vlag } = this;
    const w = this.wu;
    let ztest = 0;
    for (let k = 0; k < npt; k++) for (let j = 0; j < nptm; j++) ztest = Math.max(ztest, Math.abs(zmat[k * nptm + j]));
    ztest *= 1e-20;
    // Rotations that zero the knew-th row of ZMAT except its first element.
    for (let j = 1; j < nptm; j++) {
      if (Math.abs(zmat[knew * nptm + j]) > ztest) {
        const z0 = zmat[knew * nptm];
        const zj = zmat[knew * nptm + j];
        const temp = Math.sqrt(z0 * z0 + zj * zj);
        const tempa = z0 / temp;
        const tempb = zj / temp;
        for (let i = 0; i < npt; i++) {
          const t = tempa * zmat[i * nptm] + tempb * zmat[i * nptm + j];
          zmat[i * nptm + j] = tempa * zmat[i * nptm + j] - tempb * zmat[i * nptm];
          zmat[i * nptm] = t;
        }
      }
      zmat[knew * nptm + j] = 0;
    }
    for (let i = 0; i < npt; i++) w[i] = zmat[knew * nptm] * zmat[i * nptm];
    const alpha = w[knew];
    const tau = vlag[knew];
    vlag[knew] -= 1;
    const sq = Math.sqrt(denom);
    const tempb = zmat[knew * nptm] / sq;
    const tempa = tau / sq;
    for (let i = 0; i < npt; i++) zmat[i * nptm] = tempa * zmat[i * nptm] - tempb * vlag[i];
    for (let j = 0; j < n; j++) {
      const jp = npt + j;
      w[jp] = bmat[knew * n + j];
      const ta = (alpha * vlag[jp] - tau * w[jp]) / denom;
      const tb = (-beta * w[jp] - tau * vlag[jp]) / denom;
      for (let i = 0; i <= jp; i++) {
        bmat[i * n + j] += ta * vlag[i] + tb * w[i];
        if (i >= npt) bmat[jp * n + (i - npt)] = bmat[i * n + j];
      }
    }
  }

  /**
   * Rebuild the interpolation system around xopt when rounding errors have damaged it: shift
   * xbase to xopt, set up a well-conditioned provisional set of points along the coordinates,
   * and reinstate original points one at a time while the updating denominators stay large;
   * the provisional points that remain are then evaluated.
   */
  private rescue(delta: number): void {
    const { n, npt, nptm, ndim, xbase, xpt, fval, xopt, gopt, hq, pq, bmat, zmat, sl, su, vlag, ptsaux, ptsid } = this;
    const w = this.wr;
    const np = n + 1;
    const sfrac = 0.5 / np;
    let sumpq = 0;
    let winc = 0;
    for (let k = 0; k < npt; k++) {
      let distsq = 0;
      for (let j = 0; j < n; j++) {
        xpt[k * n + j] -= xopt[j];
        distsq += xpt[k * n + j] ** 2;
      }
      sumpq += pq[k];
      w[ndim + k] = distsq;
      winc = Math.max(winc, distsq);
      for (let j = 0; j < nptm; j++) zmat[k * nptm + j] = 0;
    }
    // Second derivatives of the model after the shift of xbase.
    let ih = 0;
    for (let j = 0; j < n; j++) {
      w[j] = 0.5 * sumpq * xopt[j];
      for (let k = 0; k < npt; k++) w[j] += pq[k] * xpt[k * n + j];
      for (let i = 0; i <= j; i++) {
        hq[ih] += w[i] * xopt[j] + w[j] * xopt[i];
        ih++;
      }
    }
    for (let j = 0; j < n; j++) {
      xbase[j] += xopt[j];
      sl[j] -= xopt[j];
      su[j] -= xopt[j];
      xopt[j] = 0;
      ptsaux[j] = Math.min(delta, su[j]);
      ptsaux[n + j] = Math.max(-delta, sl[j]);
      if (ptsaux[j] + ptsaux[n + j] < 0) {
        const t = ptsaux[j];
        ptsaux[j] = ptsaux[n + j];
        ptsaux[n + j] = t;
      }
      if (Math.abs(ptsaux[n + j]) < 0.5 * Math.abs(ptsaux[j])) ptsaux[n + j] = 0.5 * ptsaux[j];
      for (let i = 0; i < ndim; i++) bmat[i * n + j] = 0;
    }
    const fbase = fval[this.kopt];
    // Provisional points: ptsid encodes the coordinate steps (see decode below).
    ptsid[0] = sfrac;
    for (let j = 0; j < n; j++) {
      const jp = j + 1;
      const jpn = jp + n;
      ptsid[jp] = j + 1 + sfrac;
      ptsid[jpn] = (j + 1) / np + sfrac;
      const temp = 1 / (ptsaux[j] - ptsaux[n + j]);
      bmat[jp * n + j] = -temp + 1 / ptsaux[j];
      bmat[jpn * n + j] = temp + 1 / ptsaux[n + j];
      bmat[j] = -bmat[jp * n + j] - bmat[jpn * n + j];
      zmat[j] = Math.SQRT2 / Math.abs(ptsaux[j] * ptsaux[n + j]);
      zmat[jp * nptm + j] = zmat[j] * ptsaux[n + j] * temp;
      zmat[jpn * nptm + j] = -zmat[j] * ptsaux[j] * temp;
    }
    const decode = (id: number): [number, number] => {
      const ip = Math.trunc(id);
      const iq = Math.trunc(np * id - ip * np);
      return [ip, iq];
    };

    let nrem = npt;
    let kold = 0;
    let knew = this.kopt;
    let beta = 0;
    let denom = 0;
    let reinstating = true;
    while (reinstating) {
      // Exchange provisional point kold with original point knew.
      for (let j = 0; j < n; j++) {
        const t = bmat[kold * n + j];
        bmat[kold * n + j] = bmat[knew * n + j];
        bmat[knew * n + j] = t;
      }
      for (let j = 0; j < nptm; j++) {
        const t = zmat[kold * nptm + j];
        zmat[kold * nptm + j] = zmat[knew * nptm + j];
        zmat[knew * nptm + j] = t;
      }
      ptsid[kold] = ptsid[knew];
      ptsid[knew] = 0;
      w[ndim + knew] = 0;
      nrem--;
      if (knew !== this.kopt) {
        const t = vlag[kold];
        vlag[kold] = vlag[knew];
        vlag[knew] = t;
        this.update(knew, beta, denom);
        if (nrem === 0) return;
        for (let k = 0; k < npt; k++) w[ndim + k] = Math.abs(w[ndim + k]);
      }
      // Choose the next original point to reinstate.
      for (;;) {
        let dsqmin = 0;
        for (let k = 0; k < npt; k++) {
          if (w[ndim + k] > 0 && (dsqmin === 0 || w[ndim + k] < dsqmin)) {
            knew = k;
            dsqmin = w[ndim + k];
          }
        }
        if (dsqmin === 0) {
          reinstating = false;
          break;
        }
        for (let j = 0; j < n; j++) w[npt + j] = xpt[knew * n + j];
        for (let k = 0; k < npt; k++) {
          let sum = 0;
          if (k === this.kopt) {
            sum = 0;
          } else if (ptsid[k] === 0) {
            for (let j = 0; j < n; j++) sum += w[npt + j] * xpt[k * n + j];
          } else {
            const [ip, iq] = decode(ptsid[k]);
            if (ip > 0) sum = w[npt + ip - 1] * ptsaux[ip - 1];
            if (iq > 0) sum += w[npt + iq - 1] * (ip === 0 ? ptsaux[n + iq - 1] : ptsaux[iq - 1]);
          }
          w[k] = 0.5 * sum * sum;
        }
        for (let k = 0; k < npt; k++) {
          let sum = 0;
          for (let j = 0; j < n; j++) sum += bmat[k * n + j] * w[npt + j];
          vlag[k] = sum;
        }
        beta = 0;
        for (let j = 0; j < nptm; j++) {
          let sum = 0;
          for (let k = 0; k < npt; k++) sum += zmat[k * nptm + j] * w[k];
          beta -= sum * sum;
          for (let k = 0; k < npt; k++) vlag[k] += sum * zmat[k * nptm + j];
        }
        let bsum = 0;
        let distsq = 0;
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let k = 0; k < npt; k++) sum += bmat[k * n + j] * w[k];
          const jp = j + npt;
          bsum += sum * w[jp];
          for (let ip = npt; ip < ndim; ip++) sum += bmat[ip * n + j] * w[ip];
          bsum += sum * w[jp];
          vlag[jp] = sum;
          distsq += xpt[knew * n + j] ** 2;
        }
        beta = 0.5 * distsq * distsq + beta - bsum;
        vlag[this.kopt] += 1;
        denom = 0;
        let vlmxsq = 0;
        for (let k = 0; k < npt; k++) {
          if (ptsid[k] !== 0) {
            let hdiag = 0;
            for (let j = 0; j < nptm; j++) hdiag += zmat[k * nptm + j] ** 2;
            const den = beta * hdiag + vlag[k] * vlag[k];
            if (den > denom) {
              kold = k;
              denom = den;
            }
          }
          vlmxsq = Math.max(vlmxsq, vlag[k] * vlag[k]);
        }
        if (denom <= 0.01 * vlmxsq) {
          w[ndim + knew] = -w[ndim + knew] - winc;
          continue;
        }
        break;
      }
    }

    // Evaluate f at the provisional points that remain and update the model.
    for (let kpt = 0; kpt < npt; kpt++) {
      if (ptsid[kpt] === 0) continue;
      ih = 0;
      for (let j = 0; j < n; j++) {
        w[j] = xpt[kpt * n + j];
        xpt[kpt * n + j] = 0;
        const temp = pq[kpt] * w[j];
        for (let i = 0; i <= j; i++) {
          hq[ih] += temp * w[i];
          ih++;
        }
      }
      pq[kpt] = 0;
      const [ip, iq] = decode(ptsid[kpt]);
      let xp = 0;
      let xq = 0;
      if (ip > 0) {
        xp = ptsaux[ip - 1];
        xpt[kpt * n + ip - 1] = xp;
      }
      if (iq > 0) {
        xq = ip === 0 ? ptsaux[n + iq - 1] : ptsaux[iq - 1];
        xpt[kpt * n + iq - 1] = xq;
      }
      let vquad = fbase;
      if (ip > 0) vquad += xp * (gopt[ip - 1] + 0.5 * xp * hq[hqIndex(ip - 1, ip - 1)]);
      if (iq > 0) {
        vquad += xq * (gopt[iq - 1] + 0.5 * xq * hq[hqIndex(iq - 1, iq - 1)]);
        if (ip > 0) vquad += xp * xq * hq[hqIndex(ip - 1, iq - 1)];
      }
      for (let k = 0; k < npt; k++) {
        let temp = 0;
        if (ip > 0) temp += xp * xpt[k * n + ip - 1];
        if (iq > 0) temp += xq * xpt[k * n + iq - 1];
        vquad += 0.5 * pq[k] * temp * temp;
      }
      const f = this.evaluateAt(xpt, kpt * n);
      fval[kpt] = f;
      if (f < fval[this.kopt]) this.kopt = kpt;
      const diff = f - vquad;
      for (let i = 0; i < n; i++) gopt[i] += diff * bmat[kpt * n + i];
      for (let k = 0; k < npt; k++) {
        let sum = 0;
        for (let j = 0; j < nptm; j++) sum += zmat[k * nptm + j] * zmat[kpt * nptm + j];
        const temp = diff * sum;
        if (ptsid[k] === 0) {
          pq[k] += temp;
        } else {
          const [kp, kq] = decode(ptsid[k]);
          if (kp === 0) {
            hq[hqIndex(kq - 1, kq - 1)] += temp * ptsaux[n + kq - 1] ** 2;
          } else {
            hq[hqIndex(kp - 1, kp - 1)] += temp * ptsaux[kp - 1] ** 2;
            if (kq > 0) {
              hq[hqIndex(kq - 1, kq - 1)] += temp * ptsaux[kq - 1] ** 2;
              hq[hqIndex(kp - 1, kq - 1)] += temp * ptsaux[kp - 1] * ptsaux[kq - 1];
            }
          }
        }
      }
      ptsid[kpt] = 0;
    }
  }

  /** The iteration (Powell's BOBYQB). */
  private main(x: Float64Array): { status: BobyqaStatus; early?: { x: Float64Array; f: number } } {
    const { n, npt, nptm, xpt, fval, xopt, gopt, hq, pq, bmat, zmat, sl, su, xnew, xalt, d, vlag, gnew } = this;
    const wk = this.wk;
    const wn = this.wn;
    const wa = this.wa;
    const wb = this.wb;
    const rhoend = this.rhoend;
    this.prelim(x);
    this.prelimDone = true;
    let xoptsq = 0;
    for (let i = 0; i < n; i++) {
      xopt[i] = xpt[this.kopt * n + i];
      xoptsq += xopt[i] * xopt[i];
    }
    let kbase = 0;
    let rho = this.rhobeg;
    let delta = rho;
    let nresc = this.nevals;
    let ntrits = 0;
    let diffa = 0;
    let diffb = 0;
    let diffc = 0;
    let itest = 0;
    let nfsav = this.nevals;
    let ratio = 0;
    let dnorm = 0;
    let dsq = 0;
    let crvmin = 0;
    let knew = 0;
    let adelt = 0;
    let alpha = 0;
    let cauchy = 0;
    let beta = 0;
    let denom = 0;
    let distsq = 0;
    let status: BobyqaStatus = 'success';

    type Label =
      | 'updateGradient'
      | 'trustRegion'
      | 'shiftBase'
      | 'rescue'
      | 'alternative'
      | 'denominators'
      | 'evaluate'
      | 'farPoints'
      | 'reduceRho'
      | 'finish';
    let label: Label = 'updateGradient';
    for (;;) {
      switch (label) {
        case 'updateGradient': {
          if (this.kopt !== kbase) {
            let ih = 0;
            for (let j = 0; j < n; j++) {
              for (let i = 0; i <= j; i++) {
                if (i < j) gopt[j] += hq[ih] * xopt[i];
                gopt[i] += hq[ih] * xopt[j];
                ih++;
              }
            }
            if (this.nevals > npt) {
              for (let k = 0; k < npt; k++) {
                let temp = 0;
                for (let j = 0; j < n; j++) temp += xpt[k * n + j] * xopt[j];
                temp *= pq[k];
                for (let i = 0; i < n; i++) gopt[i] += temp * xpt[k * n + i];
              }
            }
          }
          label = 'trustRegion';
          break;
        }
        case 'trustRegion': {
          const tr = this.trsbox(delta);
          dsq = tr.dsq;
          crvmin = tr.crvmin;
          dnorm = Math.min(delta, Math.sqrt(dsq));
          if (dnorm < 0.5 * rho) {
            ntrits = -1;
            distsq = (10 * rho) ** 2;
            if (this.nevals <= nfsav + 2) {
              label = 'farPoints';
              break;
            }
            // Is the work with this ρ complete? Compare recent model errors with the likely
            // improvement within ρ/2 of xopt.
            const errbig = Math.max(diffa, diffb, diffc);
            const frhosq = 0.125 * rho * rho;
            if (crvmin > 0 && errbig > frhosq * crvmin) {
              label = 'farPoints';
              break;
            }
            const bdtol = errbig / rho;
            let far = false;
            for (let j = 0; j < n && !far; j++) {
              let bdtest = bdtol;
              if (xnew[j] === sl[j]) bdtest = gnew[j];
              if (xnew[j] === su[j]) bdtest = -gnew[j];
              if (bdtest < bdtol) {
                let curv = hq[hqIndex(j, j)];
                for (let k = 0; k < npt; k++) curv += pq[k] * xpt[k * n + j] ** 2;
                bdtest += 0.5 * curv * rho;
                if (bdtest < bdtol) far = true;
              }
            }
            label = far ? 'farPoints' : 'reduceRho';
            break;
          }
          ntrits++;
          label = 'shiftBase';
          break;
        }
        case 'shiftBase': {
          if (dsq <= 1e-3 * xoptsq) {
            // Move xbase to xopt to limit cancellation, updating BMAT and the model.
            const fracsq = 0.25 * xoptsq;
            let sumpq = 0;
            for (let k = 0; k < npt; k++) {
              sumpq += pq[k];
              let sum = -0.5 * xoptsq;
              for (let i = 0; i < n; i++) sum += xpt[k * n + i] * xopt[i];
              wn[k] = sum;
              const temp = fracsq - 0.5 * sum;
              for (let i = 0; i < n; i++) {
                wa[i] = bmat[k * n + i];
                wb[i] = sum * xpt[k * n + i] + temp * xopt[i];
                const ip = npt + i;
                for (let j = 0; j <= i; j++) bmat[ip * n + j] += wa[i] * wb[j] + wb[i] * wa[j];
              }
            }
            for (let jj = 0; jj < nptm; jj++) {
              let sumz = 0;
              let sumw = 0;
              for (let k = 0; k < npt; k++) {
                sumz += zmat[k * nptm + jj];
                wb[k] = wn[k] * zmat[k * nptm + jj];
                sumw += wb[k];
              }
              for (let j = 0; j < n; j++) {
                let sum = (fracsq * sumz - 0.5 * sumw) * xopt[j];
                for (let k = 0; k < npt; k++) sum += wb[k] * xpt[k * n + j];
                wa[j] = sum;
                for (let k = 0; k < npt; k++) bmat[k * n + j] += sum * zmat[k * nptm + jj];
              }
              for (let i = 0; i < n; i++) {
                const ip = i + npt;
                const temp = wa[i];
                for (let j = 0; j <= i; j++) bmat[ip * n + j] += temp * wa[j];
              }
            }
            let ih = 0;
            for (let j = 0; j < n; j++) {
              wa[j] = -0.5 * sumpq * xopt[j];
              for (let k = 0; k < npt; k++) {
                wa[j] += pq[k] * xpt[k * n + j];
                xpt[k * n + j] -= xopt[j];
              }
              for (let i = 0; i <= j; i++) {
                hq[ih] += wa[i] * xopt[j] + xopt[i] * wa[j];
                bmat[(npt + i) * n + j] = bmat[(npt + j) * n + i];
                ih++;
              }
            }
            for (let i = 0; i < n; i++) {
              this.xbase[i] += xopt[i];
              xnew[i] -= xopt[i];
              sl[i] -= xopt[i];
              su[i] -= xopt[i];
              xopt[i] = 0;
            }
            xoptsq = 0;
          }
          label = ntrits === 0 ? 'alternative' : 'denominators';
          break;
        }
        case 'rescue': {
          nfsav = this.nevals;
          kbase = this.kopt;
          this.rescue(delta);
          xoptsq = 0;
          if (this.kopt !== kbase) {
            for (let i = 0; i < n; i++) {
              xopt[i] = xpt[this.kopt * n + i];
              xoptsq += xopt[i] * xopt[i];
            }
          }
          nresc = this.nevals;
          if (nfsav < this.nevals) {
            nfsav = this.nevals;
            label = 'updateGradient';
            break;
          }
          if (ntrits > 0) {
            label = 'trustRegion';
            break;
          }
          label = 'alternative';
          break;
        }
        case 'alternative': {
          const r = this.altmov(knew, adelt);
          alpha = r.alpha;
          cauchy = r.cauchy;
          for (let i = 0; i < n; i++) d[i] = xnew[i] - xopt[i];
          label = 'denominators';
          break;
        }
        case 'denominators': {
          // VLAG and BETA for the step d; xpt_k·d is kept in wn for the model value.
          for (let k = 0; k < npt; k++) {
            let suma = 0;
            let sumb = 0;
            let sum = 0;
            for (let j = 0; j < n; j++) {
              suma += xpt[k * n + j] * d[j];
              sumb += xpt[k * n + j] * xopt[j];
              sum += bmat[k * n + j] * d[j];
            }
            wk[k] = suma * (0.5 * suma + sumb);
            vlag[k] = sum;
            wn[k] = suma;
          }
          beta = 0;
          for (let jj = 0; jj < nptm; jj++) {
            let sum = 0;
            for (let k = 0; k < npt; k++) sum += zmat[k * nptm + jj] * wk[k];
            beta -= sum * sum;
            for (let k = 0; k < npt; k++) vlag[k] += sum * zmat[k * nptm + jj];
          }
          dsq = 0;
          let bsum = 0;
          let dx = 0;
          for (let j = 0; j < n; j++) {
            dsq += d[j] * d[j];
            let sum = 0;
            for (let k = 0; k < npt; k++) sum += wk[k] * bmat[k * n + j];
            bsum += sum * d[j];
            const jp = npt + j;
            for (let i = 0; i < n; i++) sum += bmat[jp * n + i] * d[i];
            vlag[jp] = sum;
            bsum += sum * d[j];
            dx += d[j] * xopt[j];
          }
          beta = dx * dx + dsq * (xoptsq + dx + dx + 0.5 * dsq) + beta - bsum;
          vlag[this.kopt] += 1;
          if (ntrits === 0) {
            denom = vlag[knew] * vlag[knew] + alpha * beta;
            if (denom < cauchy && cauchy > 0) {
              for (let i = 0; i < n; i++) {
                xnew[i] = xalt[i];
                d[i] = xnew[i] - xopt[i];
              }
              cauchy = 0;
              label = 'denominators';
              break;
            }
            if (denom <= 0.5 * vlag[knew] * vlag[knew]) {
              if (this.nevals > nresc) {
                label = 'rescue';
                break;
              }
              status = 'roundoff';
              label = 'finish';
              break;
            }
          } else {
            const delsq = delta * delta;
            let scaden = 0;
            let biglsq = 0;
            knew = -1;
            for (let k = 0; k < npt; k++) {
              if (k === this.kopt) continue;
              let hdiag = 0;
              for (let jj = 0; jj < nptm; jj++) hdiag += zmat[k * nptm + jj] ** 2;
              const den = beta * hdiag + vlag[k] * vlag[k];
              let dist2 = 0;
              for (let j = 0; j < n; j++) dist2 += (xpt[k * n + j] - xopt[j]) ** 2;
              const temp = Math.max(1, (dist2 / delsq) ** 2);
              if (temp * den > scaden) {
                scaden = temp * den;
                knew = k;
                denom = den;
              }
              biglsq = Math.max(biglsq, temp * vlag[k] * vlag[k]);
            }
            if (scaden <= 0.5 * biglsq) {
              if (this.nevals > nresc) {
                label = 'rescue';
                break;
              }
              status = 'roundoff';
              label = 'finish';
              break;
            }
          }
          label = 'evaluate';
          break;
        }
        case 'evaluate': {
          const f = this.evaluateAt(xnew, 0);
          if (ntrits === -1) {
            // A final short step, tried once; XTOL in NLopt's terms.
            status = 'xtol';
            if (f < fval[this.kopt]) {
              const xo = new Float64Array(n);
              for (let i = 0; i < n; i++) xo[i] = this.xuser[i];
              return { status, early: { x: xo, f } };
            }
            label = 'finish';
            break;
          }
          // Model prediction of the change, and its error.
          const fopt = fval[this.kopt];
          let vquad = 0;
          let ih = 0;
          for (let j = 0; j < n; j++) {
            vquad += d[j] * gopt[j];
            for (let i = 0; i <= j; i++) {
              let temp = d[i] * d[j];
              if (i === j) temp *= 0.5;
              vquad += hq[ih] * temp;
              ih++;
            }
          }
          for (let k = 0; k < npt; k++) vquad += 0.5 * pq[k] * wn[k] * wn[k];
          const diff = f - fopt - vquad;
          diffc = diffb;
          diffb = diffa;
          diffa = Math.abs(diff);
          if (dnorm > rho) nfsav = this.nevals;
          if (ntrits > 0) {
            if (vquad >= 0) {
              status = 'roundoff';
              label = 'finish';
              break;
            }
            ratio = (f - fopt) / vquad;
            if (ratio <= 0.1) delta = Math.min(0.5 * delta, dnorm);
            else if (ratio <= 0.7) delta = Math.max(0.5 * delta, dnorm);
            else delta = Math.max(0.5 * delta, dnorm + dnorm);
            if (delta <= 1.5 * rho) delta = rho;
            if (f < fopt) {
              // The new point becomes xopt: choose knew afresh.
              const ksav = knew;
              const densav = denom;
              const delsq = delta * delta;
              let scaden = 0;
              let biglsq = 0;
              knew = -1;
              for (let k = 0; k < npt; k++) {
                let hdiag = 0;
                for (let jj = 0; jj < nptm; jj++) hdiag += zmat[k * nptm + jj] ** 2;
                const den = beta * hdiag + vlag[k] * vlag[k];
                let dist2 = 0;
                for (let j = 0; j < n; j++) dist2 += (xpt[k * n + j] - xnew[j]) ** 2;
                const temp = Math.max(1, (dist2 / delsq) ** 2);
                if (temp * den > scaden) {
                  scaden = temp * den;
                  knew = k;
                  denom = den;
                }
                biglsq = Math.max(biglsq, temp * vlag[k] * vlag[k]);
              }
              if (scaden <= 0.5 * biglsq) {
                knew = ksav;
                denom = densav;
              }
            }
          }
          assert(knew >= 0, 'bobyqa has a point to replace');
          this.update(knew, beta, denom);
          ih = 0;
          const pqold = pq[knew];
          pq[knew] = 0;
          for (let i = 0; i < n; i++) {
            const temp = pqold * xpt[knew * n + i];
            for (let j = 0; j <= i; j++) {
              hq[ih] += temp * xpt[knew * n + j];
              ih++;
            }
          }
          for (let jj = 0; jj < nptm; jj++) {
            const temp = diff * zmat[knew * nptm + jj];
            for (let k = 0; k < npt; k++) pq[k] += temp * zmat[k * nptm + jj];
          }
          fval[knew] = f;
          for (let i = 0; i < n; i++) {
            xpt[knew * n + i] = xnew[i];
            wa[i] = bmat[knew * n + i];
          }
          for (let k = 0; k < npt; k++) {
            let suma = 0;
            for (let jj = 0; jj < nptm; jj++) suma += zmat[knew * nptm + jj] * zmat[k * nptm + jj];
            if (!Number.isFinite(suma)) {
              status = 'roundoff';
              label = 'finish';
              break;
            }
            let sumb = 0;
            for (let j = 0; j < n; j++) sumb += xpt[k * n + j] * xopt[j];
            const temp = suma * sumb;
            for (let i = 0; i < n; i++) wa[i] += temp * xpt[k * n + i];
          }
          if (label === 'finish') break;
          for (let i = 0; i < n; i++) gopt[i] += diff * wa[i];
          if (f < fopt) {
            this.kopt = knew;
            xoptsq = 0;
            ih = 0;
            for (let j = 0; j < n; j++) {
              xopt[j] = xnew[j];
              xoptsq += xopt[j] * xopt[j];
              for (let i = 0; i <= j; i++) {
                if (i < j) gopt[j] += hq[ih] * d[i];
                gopt[i] += hq[ih] * d[j];
                ih++;
              }
            }
            for (let k = 0; k < npt; k++) {
              let temp = 0;
              for (let j = 0; j < n; j++) temp += xpt[k * n + j] * d[j];
              temp *= pq[k];
              for (let i = 0; i < n; i++) gopt[i] += temp * xpt[k * n + i];
            }
            const change = Math.abs(f - fopt);
            if (
              change < this.stop.ftolAbs ||
              change < this.stop.ftolRel * (Math.abs(f) + Math.abs(fopt)) * 0.5 ||
              (this.stop.ftolRel > 0 && f === fopt)
            ) {
              status = 'ftol';
              label = 'finish';
              break;
            }
          }
          if (ntrits > 0) {
            // Replace the model by the least-Frobenius-norm interpolant when that has had a
            // much smaller gradient (projected onto the bounds) three times running.
            for (let k = 0; k < npt; k++) {
              vlag[k] = fval[k] - fval[this.kopt];
              wa[k] = 0;
            }
            for (let j = 0; j < nptm; j++) {
              let sum = 0;
              for (let k = 0; k < npt; k++) sum += zmat[k * nptm + j] * vlag[k];
              for (let k = 0; k < npt; k++) wa[k] += sum * zmat[k * nptm + j];
            }
            for (let k = 0; k < npt; k++) {
              let sum = 0;
              for (let j = 0; j < n; j++) sum += xpt[k * n + j] * xopt[j];
              wb[k] = wa[k];
              wa[k] = sum * wa[k];
            }
            let gqsq = 0;
            let gisq = 0;
            for (let i = 0; i < n; i++) {
              let sum = 0;
              for (let k = 0; k < npt; k++) sum += bmat[k * n + i] * vlag[k] + xpt[k * n + i] * wa[k];
              if (xopt[i] === sl[i]) {
                gqsq += Math.min(0, gopt[i]) ** 2;
                gisq += Math.min(0, sum) ** 2;
              } else if (xopt[i] === su[i]) {
                gqsq += Math.max(0, gopt[i]) ** 2;
                gisq += Math.max(0, sum) ** 2;
              } else {
                gqsq += gopt[i] ** 2;
                gisq += sum * sum;
              }
              vlag[npt + i] = sum;
            }
            itest++;
            if (gqsq < 10 * gisq) itest = 0;
            if (itest >= 3) {
              for (let i = 0; i < n; i++) gopt[i] = vlag[npt + i];
              for (let k = 0; k < npt; k++) pq[k] = wb[k];
              hq.fill(0);
              itest = 0;
            }
          }
          if (ntrits === 0 || f <= fopt + 0.1 * vquad) {
            label = 'trustRegion';
            break;
          }
          distsq = Math.max((2 * delta) ** 2, (10 * rho) ** 2);
          label = 'farPoints';
          break;
        }
        case 'farPoints': {
          knew = -1;
          for (let k = 0; k < npt; k++) {
            let sum = 0;
            for (let j = 0; j < n; j++) sum += (xpt[k * n + j] - xopt[j]) ** 2;
            if (sum > distsq) {
              knew = k;
              distsq = sum;
            }
          }
          if (knew >= 0) {
            const dist = Math.sqrt(distsq);
            if (ntrits === -1) {
              delta = Math.min(0.1 * delta, 0.5 * dist);
              if (delta <= 1.5 * rho) delta = rho;
            }
            ntrits = 0;
            adelt = Math.max(Math.min(0.1 * dist, delta), rho);
            dsq = adelt * adelt;
            label = 'shiftBase';
            break;
          }
          if (ntrits === -1) {
            label = 'reduceRho';
            break;
          }
          if (ratio > 0 || Math.max(delta, dnorm) > rho) {
            label = 'trustRegion';
            break;
          }
          label = 'reduceRho';
          break;
        }
        case 'reduceRho': {
          if (rho > rhoend) {
            delta = 0.5 * rho;
            ratio = rho / rhoend;
            if (ratio <= 16) rho = rhoend;
            else if (ratio <= 250) rho = Math.sqrt(ratio) * rhoend;
            else rho = 0.1 * rho;
            delta = Math.max(delta, rho);
            ntrits = 0;
            nfsav = this.nevals;
            label = 'trustRegion';
            break;
          }
          if (ntrits === -1) {
            label = 'evaluate';
            break;
          }
          label = 'finish';
          break;
        }
        case 'finish':
          return { status };
      }
    }
  }
}
